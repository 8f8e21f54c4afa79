"""The municipal progress changelist and the municipality detail page."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from geography.models import Municipality, TerritorialOffice
from tests import factories

pytestmark = pytest.mark.django_db

URL = "admin:indicators_municipalprogress_changelist"
YEAR_2026 = {"periodo": "rango", "desde": "01/01/2026", "hasta": "31/12/2026"}


def _records_in(municipality, office, by):
    workshop = factories.workshop(office, municipality, hours=3)
    factories.attendance(workshop, factories.participant(office))
    factories.attendance(workshop, factories.participant(office, sex="M"))
    factories.session(factories.window(office, municipality))
    factories.assistance(office, municipality)
    factories.meeting(office, municipality)
    factories.target(municipality, year=2026, indicator="workshops_held", value=4)
    factories.target(municipality, year=2026, indicator="participants", value=20)
    factories.closure(municipality, by, year=2026, month=2)
    factories.approve_all()


def _queries(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(URL), params or YEAR_2026)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_query_count_is_the_same_for_5_and_50_municipalities(client, administrator):
    """Guards the N+1 of per-row indicator, target, plan, office and closure look-ups.

    Records in 5 municipalities, then in all 50: the page issues the same number of queries.
    """
    client.force_login(administrator)
    pess = list(Municipality.objects.pess().select_related("department").order_by("code"))
    assert len(pess) == 50
    offices = {o.department_id: o for o in TerritorialOffice.objects.all()}
    for m in pess[:5]:
        _records_in(m, offices[m.department_id], administrator)
    small, response = _queries(client)
    assert response.context["cl"].result_count == 50
    for m in pess[5:]:
        _records_in(m, offices[m.department_id], administrator)
    large, _response = _queries(client)
    assert large == small
    filtered, response = _queries(client, {**YEAR_2026, "pess_phase__exact": 1, "bajo_meta": "si"})
    assert filtered == small


def test_rows_show_indicators_targets_progress_and_closed_months(client, office_a, coordinator_x):
    muni = factories.pess_municipality(office_a)
    _records_in(muni, office_a, coordinator_x)
    client.force_login(coordinator_x)
    _n, response = _queries(client)
    row = next(r for r in response.context["cl"].result_list if r.pk == muni.pk)
    assert (row.workshops_held, row.participants, row.participants_women, row.participants_men) == (1, 2, 1, 1)
    assert (row.window_sessions, row.people_reached, row.assistance_actions, row.table_meetings) == (1, 10, 1, 1)
    assert row.target_workshops_held == 4
    html = response.content.decode()
    assert "<progress" in html and "feb" in html
    assert 'style="' not in html.split('id="result_list"')[1].split("</table>")[0]
    # Every department row of a coordinator is their own department's.
    assert {r.department_id for r in response.context["cl"].result_list} == {office_a.department_id}


def test_sorting_by_an_indicator_and_below_target_filter(client, office_a, coordinator_x):
    busy, quiet = Municipality.objects.pess().filter(department=office_a.department_id).order_by("code")[:2]
    for _i in range(3):
        factories.workshop(office_a, busy)
    factories.target(busy, year=2026, indicator="workshops_held", value=3)
    factories.target(quiet, year=2026, indicator="workshops_held", value=3)
    factories.approve_all()
    client.force_login(coordinator_x)
    cl = client.get(reverse(URL), {**YEAR_2026, "o": "-6"}).context["cl"]
    assert cl.result_list[0].pk == busy.pk  # column 6 (0-based) is workshops held
    below = client.get(reverse(URL), {**YEAR_2026, "bajo_meta": "si"}).context["cl"]
    assert quiet.pk in {r.pk for r in below.result_list}
    assert busy.pk not in {r.pk for r in below.result_list}


def test_period_filters(client, office_a, coordinator_x):
    muni = factories.pess_municipality(office_a)
    factories.workshop(office_a, muni, start_date=datetime.date(2026, 5, 4), end_date=datetime.date(2026, 5, 4))
    factories.approve_all()
    client.force_login(coordinator_x)

    def held(params):
        cl = client.get(reverse(URL), params).context["cl"]
        return next(r for r in cl.result_list if r.pk == muni.pk).workshops_held

    assert held(YEAR_2026) == 1
    assert held({"periodo": "rango", "desde": "01/06/2026", "hasta": "30/06/2026"}) == 0
    assert held({"periodo": "rango", "desde": "2026-05-01", "hasta": "2026-05-31"}) == 1
    assert client.get(reverse(URL), {"periodo": "anio-anterior"}).status_code == 200
    assert client.get(reverse(URL), {"periodo": "t2"}).status_code == 200


def test_detail_shows_months_chart_plan_stages_and_links(client, office_a, staff_a, coordinator_x):
    muni = factories.pess_municipality(office_a)
    workshop = factories.workshop(office_a, muni)
    factories.stage_change(factories.plan(office_a, muni), staff_a)
    client.force_login(coordinator_x)
    url = reverse("admin:indicators_municipalprogress_change", args=[muni.pk])
    response = client.get(url, {"anio": 2026})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "<rect" in html
    assert "Diagnóstico en elaboración" in html
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="(/admin/workshops/workshop/\?[^"]+)"', html)]
    assert links
    records = client.get(links[0])
    assert records.status_code == 200
    assert [w.pk for w in records.context["cl"].result_list] == [workshop.pk]
    assert 'style="' not in html and "<script>" not in html


def test_grouped_figures_equal_the_correlated_definition(office_a, office_b, coordinator_x):
    """Grouped figures (one GROUP BY per source) equal each municipality's own flat totals."""
    from indicators.figures import annotate_municipalities, totals

    for office in (office_a, office_b):
        for index in range(2):
            _records_in(factories.pess_municipality(office, index), office, coordinator_x)
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    qs = Municipality.objects.pess()
    for row in annotate_municipalities(qs, start, end):
        for key, value in totals(Municipality.objects.filter(pk=row.pk), start, end).items():
            assert getattr(row, key) == value, (row, key)
