"""Pre-computed figures (indicators.cells) equal a live computation, whatever happened before.

The randomised test drives the real services (create, add and remove attendees, submit, approve,
return, close and reopen a month, edit a date or a municipality, merge people, window sessions,
assistance, meetings) and runs the refresh job at random moments, as the worker would. At the
end, for every level × standard period × review bucket, the cells equal the records aggregated
directly, distinct people included; `rebuild` finds nothing to correct.
"""

import datetime
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import DomainError
from core.roles import Role
from indicators import cells
from indicators.disaggregation import AgeGroup, Sex
from indicators.figures import _compute_live, _grid_live, figures, figures_and_pending, grid
from indicators.models import FigureCell, StaleFigures
from indicators.registry import IndicatorKey as K
from indicators.registry import Review
from review import services as review
from review.models import PeriodClosure, ReviewState
from tests import factories
from workshops import people
from workshops import services as workshop_services

DAYS = [datetime.date(2025, 12, 30), datetime.date(2026, 1, 5), datetime.date(2026, 3, 31), datetime.date(2026, 4, 1)]


def _live_equals_cells(kind, start):
    """Every unit of every level: the cells read back equal the live figures (all buckets)."""
    geography = cells._Geography()
    end = cells.period_of(kind, start)[1]
    variants = dict(cells.BUCKETS)
    keys = list(K.values)
    for level in cells.LEVELS:
        for unit in cells._all_units(level, geography):
            members = sorted(geography.members(level, unit))
            live = _compute_live(keys, members, start, end, None, None, variants)
            stored = FigureCell.objects.filter(period=kind, start=start, level=level, unit=unit)
            by_bucket = {c.bucket: c.values for c in stored}
            for bucket in cells.BUCKETS:
                values = by_bucket.get(bucket, {})
                for key in keys:
                    assert cells._value(key, values) == (live[bucket][key] or 0), (
                        kind,
                        start,
                        level,
                        unit,
                        bucket,
                        key,
                    )
                for key in (K.PARTICIPANTS, K.PEOPLE_REACHED):
                    live_grid = _grid_live(key, members, start, end, None, {bucket: variants[bucket]})[bucket]
                    stored_grid = {(s, a): n for s, a, n in values.get(f"grid:{key}", [])}
                    assert stored_grid == live_grid, (kind, start, level, unit, bucket, key)


def _batched_equals_unbatched(kind, start, coordinator):
    """A page built inside `cells.batched()` (one query per level and period) reads exactly what
    separate reads give, for the whole PESS and for a coordinator's department."""
    from geography.models import Municipality

    end = cells.period_of(kind, start)[1]
    keys = list(K.values)
    pess = Municipality.objects.pess()
    calls = [
        lambda: figures_and_pending(keys, pess, start, end),
        lambda: figures_and_pending(keys, pess, start, end, by="department"),
        lambda: figures(keys, pess, start, end, by="municipality", user=coordinator),
        lambda: figures(keys, pess, start, end, by="office", user=coordinator),
        lambda: figures(keys, pess, start, end, user=coordinator),
        lambda: grid(K.PARTICIPANTS, pess, start, end),
        lambda: figures([K.PARTICIPANTS], pess, start, end, by="month", review=Review.WITH_PENDING),
    ]
    separate = [call() for call in calls]
    with cells.batched():
        together = [call() for call in calls]
    assert together == separate


def _office(record):
    return record.window.office if hasattr(record, "window") else record.office


ACTIONS = [
    *("workshop", "attend", "attend", "remove", "submit", "submit", "approve", "approve", "return", "edit"),
    *("merge", "session", "assistance", "meeting", "close", "reopen", "refresh"),
]


@pytest.fixture
def world(office_a, office_b, staff_a, staff_b, coordinator_x):
    coordinator_b = factories.user(Role.COORDINATOR, office_b)
    munis = {
        office_a: [factories.pess_municipality(office_a, 0), factories.pess_municipality(office_a, 1)],
        office_b: [factories.pess_municipality(office_b, 0)],
    }
    staff = {office_a: staff_a, office_b: staff_b}
    coordinators = {office_a: coordinator_x, office_b: coordinator_b}
    pool = {
        office: [
            factories.participant(office, sex=random.choice(list(Sex)), age_group=random.choice(list(AgeGroup)))
            for _ in range(6)
        ]
        for office in munis
    }
    return munis, staff, coordinators, pool


@pytest.mark.parametrize("seed", [11, 47])
def test_random_changes_keep_every_cell_equal_to_a_live_computation(world, seed):
    munis, staff, coordinators, pool = world
    rng = random.Random(seed)
    records = []
    cells.rebuild()  # empty: built, and from now on kept current only by the services
    offices = list(munis)

    def pick_record():
        return rng.choice(records) if records else None

    for _step in range(45):
        office = rng.choice(offices)
        action = rng.choice(ACTIONS)
        try:
            if action == "workshop":
                day = rng.choice(DAYS)
                records.append(factories.workshop(office, rng.choice(munis[office]), start_date=day, end_date=day))
            elif action == "session":
                window = factories.window(office, rng.choice(munis[office]))
                counts = {(rng.choice(list(Sex)), rng.choice(list(AgeGroup))): rng.randint(1, 9) for _ in range(2)}
                records.append(factories.session(window, counts=counts, date=rng.choice(DAYS)))
            elif action == "assistance":
                records.append(factories.assistance(office, rng.choice(munis[office]), date=rng.choice(DAYS)))
            elif action == "meeting":
                records.append(factories.meeting(office, rng.choice(munis[office]), date=rng.choice(DAYS)))
            elif action in ("attend", "remove"):
                workshops = [r for r in records if r._meta.model_name == "workshop"]
                if workshops:
                    workshop = rng.choice(workshops)
                    workshop.refresh_from_db()
                    person = rng.choice(pool[workshop.office])
                    by = staff[workshop.office]
                    if action == "attend":
                        workshop_services.record_attendance(workshop=workshop, participant=person, by=by)
                    else:
                        workshop_services.remove_attendance(workshop=workshop, participant_id=person.pk, by=by)
            elif action in ("submit", "approve", "return"):
                record = pick_record()
                if record is not None:
                    record.refresh_from_db()
                    if action == "submit":
                        review.submit(record=record, by=staff[_office(record)], reason="prueba")
                    elif action == "approve":
                        review.approve(record=record, by=coordinators[_office(record)])
                    else:
                        review.return_for_changes(record=record, by=coordinators[_office(record)], comment="Revisar")
            elif action == "edit":
                workshops = [r for r in records if r._meta.model_name == "workshop"]
                if workshops:
                    workshop = rng.choice(workshops)
                    workshop.refresh_from_db()
                    day = rng.choice(DAYS)
                    workshop.start_date = workshop.end_date = day
                    workshop.municipality = rng.choice(munis[workshop.office])
                    workshop_services.save_workshop(workshop=workshop, by=staff[workshop.office], not_duplicate=True)
            elif action == "merge":
                keep, remove = rng.sample(pool[office], 2)
                people.merge_participants(keep=keep, remove=remove, by=coordinators[office])
                pool[office].remove(remove)
                pool[office].append(factories.participant(office, sex=rng.choice(list(Sex))))
            elif action == "close":
                day = rng.choice(DAYS)
                review.close_period(
                    municipality=rng.choice(munis[office]), year=day.year, month=day.month, by=coordinators[office]
                )
            elif action == "reopen":
                closure = PeriodClosure.objects.closed().first()
                if closure is not None:
                    by = coordinators[factories.office(closure.municipality.department.iso_code)]
                    review.reopen_period(closure=closure, by=by, reason="corrección")
            elif action == "refresh":
                cells.refresh()
        except DomainError:
            pass  # a refused step (locked record, empty submission) changes nothing

    # Before the job has run, figures touched by waiting changes are computed live (never stale).
    for kind in cells.KINDS:
        for start in sorted({cells.period_of(kind, d)[0] for d in DAYS}):
            end = cells.period_of(kind, start)[1]
            everything = list(cells._Geography().department)
            both = {"": Review.OFFICIAL.states, "pending": Review.PENDING.states}
            live = _compute_live(list(K.values), everything, start, end, None, None, both)
            assert figures_and_pending(list(K.values), everything, start, end) == (live[""], live["pending"])
            _batched_equals_unbatched(kind, start, rng.choice(list(coordinators.values())))
    cells.refresh()
    assert not StaleFigures.objects.exists()
    for kind in cells.KINDS:
        for start in sorted({cells.period_of(kind, d)[0] for d in DAYS}):
            _live_equals_cells(kind, start)
            _batched_equals_unbatched(kind, start, rng.choice(list(coordinators.values())))
    report = cells.rebuild(write=False)
    assert (len(report["different"]), report["missing"], report["extra"]) == (0, 0, 0)


@pytest.fixture
def approved_workshop(office_a, staff_a, coordinator_x):
    muni = factories.pess_municipality(office_a)
    workshop = factories.workshop(office_a, muni)
    women = [factories.participant(office_a, sex=Sex.FEMALE) for _ in range(3)]
    for person in women:
        factories.attendance(workshop, person)
    review.submit(record=workshop, by=staff_a)
    review.approve(record=workshop, by=coordinator_x)
    cells.rebuild()
    return workshop, muni


def test_pages_read_cells_and_approval_moves_pending_to_official(approved_workshop, office_a, staff_a, coordinator_x):
    _workshop, muni = approved_workshop
    year = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    second = factories.workshop(office_a, muni)
    factories.attendance(second, factories.participant(office_a, sex=Sex.MALE))
    assert figures([K.WORKSHOPS_HELD], [muni.pk], *year) == {K.WORKSHOPS_HELD: 1}  # a draft counts nowhere
    review.submit(record=second, by=staff_a)
    official, pending = figures_and_pending([K.WORKSHOPS_HELD, K.PARTICIPANTS], [muni.pk], *year)
    assert (official, pending) == ({K.WORKSHOPS_HELD: 1, K.PARTICIPANTS: 3}, {K.WORKSHOPS_HELD: 1, K.PARTICIPANTS: 1})
    cells.refresh()  # the worker's job: now the same answer comes from cells
    with_cells = figures_and_pending([K.WORKSHOPS_HELD, K.PARTICIPANTS], [muni.pk], *year)
    assert with_cells == (official, pending)
    review.approve(record=second, by=coordinator_x)
    assert figures([K.PARTICIPANTS], [muni.pk], *year) == {K.PARTICIPANTS: 4}  # live until the job runs
    cells.refresh()
    assert figures([K.PARTICIPANTS], [muni.pk], *year) == {K.PARTICIPANTS: 4}
    assert grid(K.PARTICIPANTS, [muni.pk], *year) == {(Sex.FEMALE, AgeGroup.ADULT): 3, (Sex.MALE, AgeGroup.ADULT): 1}
    assert not StaleFigures.objects.exists()


def test_a_returned_record_leaves_official_figures_and_cells_follow(
    approved_workshop, office_a, staff_a, coordinator_x
):
    _workshop, muni = approved_workshop
    other = factories.workshop(office_a, muni)
    factories.attendance(other, factories.participant(office_a))
    review.submit(record=other, by=staff_a)
    review.return_for_changes(record=other, by=coordinator_x, comment="Falta la lista")
    cells.refresh()
    year = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert figures_and_pending([K.WORKSHOPS_HELD], [muni.pk], *year) == (
        {K.WORKSHOPS_HELD: 1},
        {K.WORKSHOPS_HELD: 0},
    )


def test_cells_answer_only_what_they_hold_exactly(approved_workshop, office_a, staff_a, manager, coordinator_x):
    _workshop, muni = approved_workshop
    geography = cells._Geography()
    year = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    department = geography.members("department", muni.department_id)
    keys, official = [K.WORKSHOPS_HELD], {"": Review.OFFICIAL.states}
    assert cells.read(keys, sorted(department), *year, None, manager, official) is not None
    assert cells.read(keys, sorted(department), *year, "department", coordinator_x, official) is not None
    # a custom range, part of a department grouped by department, a staff member's office: live
    assert cells.read(keys, sorted(department), datetime.date(2026, 1, 2), year[1], None, manager, official) is None
    assert cells.read(keys, [muni.pk, *sorted(department - {muni.pk})[:1]], *year, None, manager, official) is None
    assert cells.read(keys, [muni.pk], *year, None, staff_a, official) is None
    # a coordinator asking for the whole country reads their department's cell
    everything = sorted(geography.department)
    assert cells.read(keys, everything, *year, None, coordinator_x, official) == {"": {K.WORKSHOPS_HELD: 1}}


def _add_approved_workshops(office, municipality, n):
    """`n` more approved workshops of one new attendee each (the second size of a query-count test)."""
    for _ in range(n):
        workshop = factories.workshop(office, municipality, review_state=ReviewState.APPROVED)
        factories.attendance(workshop, factories.participant(office))


def test_figures_from_cells_cost_two_queries_whatever_the_size(approved_workshop, office_a):
    _workshop, muni = approved_workshop
    year = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    sizes = []
    for extra in (0, 20):
        _add_approved_workshops(office_a, muni, extra)
        cells.rebuild()
        municipalities = factories.pess_municipality(office_a).__class__.objects.pess()
        with CaptureQueriesContext(connection) as queries:
            figures(list(K.values), municipalities, *year, by="municipality")
        sizes.append(len(queries))
    assert sizes == [2, 2]  # the municipalities (with the ones asked for), then cells and freshness


def test_rebuild_command_reports_and_corrects_a_wrong_cell(approved_workshop, capsys):
    cell = FigureCell.objects.filter(level="municipality", period="year", bucket="approved").first()
    cell.values = {**cell.values, K.WORKSHOPS_HELD: 99}
    cell.save()
    with pytest.raises(CommandError):
        call_command("rebuild_figures", "--check")
    assert "diferentes: 1" in capsys.readouterr().out
    call_command("rebuild_figures")
    call_command("rebuild_figures", "--check")
    cell = FigureCell.objects.get(
        period="year", start=cell.start, level="municipality", unit=cell.unit, bucket="approved"
    )
    assert cell.values[K.WORKSHOPS_HELD] == 1


def test_reports_page_reads_cells_in_constant_queries(approved_workshop, client, manager, office_a):
    _workshop, muni = approved_workshop
    client.force_login(manager)
    url = reverse("reports:report")
    params = {"year": 2026}
    counts = []
    for extra in (0, 15):
        _add_approved_workshops(office_a, muni, extra)
        cells.rebuild()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 15  # issue 11's goal, the session and the user included


def test_a_change_to_a_pending_record_leaves_official_figures_readable_from_cells(
    approved_workshop, office_a, staff_a, coordinator_x
):
    """Attendance added to a submitted workshop changes pending figures only: while the refresh
    waits, official figures still come from cells and pending ones are computed live."""
    _workshop, muni = approved_workshop
    year = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    waiting = factories.workshop(office_a, muni)
    factories.attendance(waiting, factories.participant(office_a))
    review.submit(record=waiting, by=staff_a)
    cells.refresh()
    workshop_services.record_attendance(workshop=waiting, participant=factories.participant(office_a), by=staff_a)
    assert StaleFigures.objects.filter(official=False).exists()
    keys = [K.WORKSHOPS_HELD, K.PARTICIPANTS]
    variants = {"": Review.OFFICIAL.states, "pending": Review.PENDING.states}
    assert set(cells.read(keys, [muni.pk], *year, None, None, variants)) == {""}  # pending: live
    expected = _compute_live(keys, [muni.pk], *year, None, None, variants)
    assert figures_and_pending(keys, [muni.pk], *year) == (expected[""], expected["pending"])
    assert expected["pending"][K.PARTICIPANTS] == 2 and expected[""][K.PARTICIPANTS] == 3
    review.approve(record=waiting, by=coordinator_x)  # now official figures change: all live
    assert cells.read(keys, [muni.pk], *year, None, None, variants) is None
    assert figures([K.PARTICIPANTS], [muni.pk], *year) == {K.PARTICIPANTS: 5}
