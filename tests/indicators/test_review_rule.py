"""Official figures count approved records only; what is pending review is shown beside them.

Each test moves records through the real review services (submit, return, approve) and reads
the figure where a user reads it: the home page, the municipality page, the progress admin,
the reports page and its CSV export.
"""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from indicators import cells, figures
from indicators.disaggregation import Sex
from indicators.registry import IndicatorKey as K
from indicators.registry import Review
from review import services as review
from tests import factories

DAY = datetime.date(2026, 3, 10)
YEAR = {"periodo": "rango", "desde": "01/01/2026", "hasta": "31/12/2026"}


@pytest.fixture(params=["live", "cells"], autouse=True)
def figures_from(request, ref, monkeypatch):
    """Each test runs twice: figures computed live (cells never built), and read from the
    pre-computed cells, brought up to date by the refresh job before each page is read. In the
    second run, the tests marked `reads_cells` must really have read cells (answers are counted);
    staff pages and open-ended periods are computed live by design."""
    answered = []
    lookup = cells._lookup

    def counting_lookup(*args, **kwargs):
        found = lookup(*args, **kwargs)
        answered.append(found is not None)
        return found

    monkeypatch.setattr(cells, "_lookup", counting_lookup)
    if request.param == "cells":
        cells.rebuild()
    yield request.param
    if request.param == "live":
        assert not any(answered)
    elif request.node.get_closest_marker("reads_cells"):  # coordinators' pages, standard periods
        assert any(answered)


def _settle():
    """What the worker does after each change (a no-op when the cells were never built)."""
    cells.refresh()


@pytest.fixture
def world(office_a, staff_a, coordinator_x):
    muni = factories.pess_municipality(office_a)
    workshop = factories.workshop(office_a, muni, start_date=DAY, end_date=DAY)
    people = [
        factories.participant(office_a, sex=Sex.FEMALE),
        factories.participant(office_a, sex=Sex.MALE),
        factories.participant(office_a, sex=Sex.UNKNOWN),
    ]
    for person in people:
        factories.attendance(workshop, person)
    return {"muni": muni, "workshop": workshop, "people": people}


def _home(client, user):
    _settle()
    client.force_login(user)
    rows = client.get(reverse("home")).context["indicator_rows"]
    return {str(r["label"]): (r["value"], r["pending"]) for r in rows}


def _muni_page(client, user, muni, **params):
    _settle()
    client.force_login(user)
    response = client.get(reverse("municipalities:municipality_detail", args=[muni.pk]), params)
    return {str(label): (value, pending) for label, value, _t, _p, pending in response.context["figures"]}


def _progress_row(client, user, muni, **params):
    _settle()
    client.force_login(user)
    cl = client.get(reverse("admin:indicators_municipalprogress_changelist"), {**YEAR, **params}).context["cl"]
    row = next(r for r in cl.result_list if r.pk == muni.pk)
    return row.workshops_held, row.pending_workshops_held, row.participants, row.pending_participants


def _report_total(client, user, **params):
    _settle()
    client.force_login(user)
    response = client.get(reverse("reports:report"), {"year": 2026, "line": "workshops", **params})
    table = response.context["report"].tables[0]
    total = next(r for r in table.rows if r.style == "total")
    pending = next((r for r in table.rows if r.style == "pending"), None)
    return total.cells[1], (pending.cells[1] if pending else 0)


PARTICIPANTS = str(K.PARTICIPANTS.label)
HELD = str(K.WORKSHOPS_HELD.label)


@pytest.mark.reads_cells
def test_a_draft_counts_nowhere_and_a_returned_record_neither(client, world, staff_a, coordinator_x):
    assert _home(client, staff_a)[HELD] == (0, 0)
    review.submit(record=world["workshop"], by=staff_a)
    review.return_for_changes(record=world["workshop"], by=coordinator_x, comment="Falta la lista")
    assert _home(client, staff_a)[HELD] == (0, 0)
    assert _muni_page(client, coordinator_x, world["muni"])[HELD] == (0, 0)
    assert _progress_row(client, coordinator_x, world["muni"]) == (0, 0, 0, 0)
    assert _report_total(client, coordinator_x) == (0, 0)


@pytest.mark.reads_cells
def test_approval_moves_a_record_from_pending_to_official_on_every_page(client, world, staff_a, coordinator_x):
    review.submit(record=world["workshop"], by=staff_a)
    assert _home(client, staff_a)[HELD] == (0, 1)
    assert _home(client, staff_a)[PARTICIPANTS] == (0, 3)
    assert _muni_page(client, coordinator_x, world["muni"])[PARTICIPANTS] == (0, 3)
    assert _progress_row(client, coordinator_x, world["muni"]) == (0, 1, 0, 3)
    assert _report_total(client, coordinator_x) == (0, 1)

    review.approve(record=world["workshop"], by=coordinator_x)
    assert _home(client, staff_a)[HELD] == (1, 0)
    assert _home(client, staff_a)[PARTICIPANTS] == (3, 0)
    assert _muni_page(client, coordinator_x, world["muni"])[PARTICIPANTS] == (3, 0)
    assert _progress_row(client, coordinator_x, world["muni"]) == (1, 0, 3, 0)
    assert _report_total(client, coordinator_x) == (1, 0)


@pytest.mark.reads_cells
def test_the_option_to_include_pending_is_shared_by_pages_and_exports(client, world, staff_a, coordinator_x):
    review.submit(record=world["workshop"], by=staff_a)
    with_pending = {"revision": Review.WITH_PENDING.value}
    assert _muni_page(client, coordinator_x, world["muni"], **with_pending)[HELD] == (1, 1)
    assert _progress_row(client, coordinator_x, world["muni"], **with_pending)[:2] == (1, 1)
    assert _report_total(client, coordinator_x, **with_pending) == (1, 1)
    _settle()
    response = client.get(reverse("reports:export", args=["csv"]), {"year": 2026, "line": "workshops"})
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(response.streaming_content).decode("utf-8-sig")
                if response.streaming
                else response.content.decode("utf-8-sig")
            )
        )
    )
    assert any("Solo aprobados" in cell for row in rows[:2] for cell in row)
    total = next(r for r in rows if r and r[0] == "Total")
    assert total[1] == "0"


def test_sex_parts_add_up_to_the_total_including_not_recorded(client, world, staff_a, coordinator_x):
    review.submit(record=world["workshop"], by=staff_a)
    review.approve(record=world["workshop"], by=coordinator_x)
    home = _home(client, staff_a)
    parts = [K.PARTICIPANTS_WOMEN, K.PARTICIPANTS_MEN, K.PARTICIPANTS_SEX_UNKNOWN]
    assert sum(home[str(k.label)][0] for k in parts) == home[PARTICIPANTS][0] == 3


def test_distinct_people_are_counted_once_when_pending_is_included(world, office_a, staff_a, coordinator_x):
    """A person in an approved and a pending workshop counts once with pending included, not twice."""
    review.submit(record=world["workshop"], by=staff_a)
    review.approve(record=world["workshop"], by=coordinator_x)
    second = factories.workshop(office_a, world["muni"], start_date=DAY, end_date=DAY)
    factories.attendance(second, world["people"][0])
    review.submit(record=second, by=staff_a)
    munis = [world["muni"].pk]
    _settle()
    official, pending = figures.figures_and_pending([K.PARTICIPANTS], munis, review=Review.WITH_PENDING)
    assert official[K.PARTICIPANTS] == 3
    assert pending[K.PARTICIPANTS] == 1
    assert figures.figures([K.PARTICIPANTS], munis)[K.PARTICIPANTS] == 3


def test_home_page_query_count_does_not_grow_with_pending_records(client, world, staff_a, django_assert_num_queries):
    """Showing pending counts beside the figures adds no query per figure or per record."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff_a)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home"))
    review.submit(record=world["workshop"], by=staff_a)
    for _i in range(5):
        w = factories.workshop(world["workshop"].office, world["muni"], start_date=DAY, end_date=DAY)
        factories.attendance(w, world["people"][0])
        review.submit(record=w, by=staff_a)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("home"))
    assert len(after) == len(before)
