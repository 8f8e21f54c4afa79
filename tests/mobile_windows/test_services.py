import datetime
from decimal import Decimal

import pytest

from indicators.disaggregation import AgeGroup, Sex
from mobile_windows.models import ReachCount, School, WindowSession, WindowStatus
from mobile_windows.services import DomainError, create_school, save_session, save_window
from review.models import ReviewState
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 12)


def _session(by, window, counts, **kwargs):
    values = {"date": DAY, "hours": Decimal("3"), "counts": counts}
    values.update(kwargs)
    return save_session(by=by, window=window, **values)


def test_a_session_stores_one_row_per_non_zero_cell(staff_a, office_a):
    window = factories.window(office_a)
    counts = {(Sex.FEMALE, AgeGroup.ADOLESCENT): 12, (Sex.MALE, AgeGroup.CHILD): 7, (Sex.MALE, AgeGroup.ADULT): 0}
    session = _session(staff_a, window, counts, topic_leiv_rights=True)
    cells = {(rc.sex, rc.age_group): rc.count for rc in session.reach_counts.all()}
    assert cells == {(Sex.FEMALE, AgeGroup.ADOLESCENT): 12, (Sex.MALE, AgeGroup.CHILD): 7}
    assert session.created_by == staff_a
    assert session.review_state == ReviewState.DRAFT


def test_editing_a_session_rewrites_its_cells(staff_a, office_a):
    window = factories.window(office_a)
    session = _session(staff_a, window, {(Sex.FEMALE, AgeGroup.ADOLESCENT): 12, (Sex.MALE, AgeGroup.CHILD): 7})
    _session(
        staff_a, window, {(Sex.FEMALE, AgeGroup.ADOLESCENT): 3, (Sex.UNKNOWN, AgeGroup.SENIOR): 1}, session=session
    )
    cells = {(rc.sex, rc.age_group): rc.count for rc in ReachCount.objects.filter(session=session)}
    assert cells == {(Sex.FEMALE, AgeGroup.ADOLESCENT): 3, (Sex.UNKNOWN, AgeGroup.SENIOR): 1}


def test_negative_counts_are_refused_and_nothing_is_written(staff_a, office_a):
    window = factories.window(office_a)
    with pytest.raises(DomainError) as exc:
        _session(staff_a, window, {(Sex.FEMALE, AgeGroup.ADOLESCENT): -1})
    assert exc.value.code == "negative_count"
    assert not WindowSession.objects.exists()


def test_a_session_with_nobody_reached_needs_a_confirmation(staff_a, office_a):
    window = factories.window(office_a)
    with pytest.raises(DomainError) as exc:
        _session(staff_a, window, {})
    assert exc.value.code == "zero_not_confirmed"
    session = _session(staff_a, window, {}, zero_confirmed=True)
    assert session.reach_counts.count() == 0


def test_a_session_after_the_window_was_removed_is_refused(staff_a, office_a):
    window = factories.window(
        office_a, installed_on=datetime.date(2026, 1, 15), removed_on=datetime.date(2026, 3, 1), status="removed"
    )
    with pytest.raises(DomainError) as exc:
        _session(staff_a, window, {(Sex.FEMALE, AgeGroup.YOUTH): 2})
    assert exc.value.code == "window_removed"
    # A day while it was still installed may be recorded late.
    assert _session(staff_a, window, {(Sex.FEMALE, AgeGroup.YOUTH): 2}, date=datetime.date(2026, 2, 20)).pk


def test_a_session_on_a_window_marked_removed_without_date_is_refused(staff_a, office_a):
    window = factories.window(office_a)
    window.status = WindowStatus.REMOVED
    window.save(update_fields=["status"])
    with pytest.raises(DomainError) as exc:
        _session(staff_a, window, {(Sex.FEMALE, AgeGroup.YOUTH): 2})
    assert exc.value.code == "window_removed"


def test_a_session_before_installation_is_refused(staff_a, office_a):
    window = factories.window(office_a, installed_on=datetime.date(2026, 3, 20))
    with pytest.raises(DomainError) as exc:
        _session(staff_a, window, {(Sex.FEMALE, AgeGroup.YOUTH): 2})
    assert exc.value.code == "before_installation"


def test_an_approved_session_is_locked_for_staff(staff_a, office_a):
    session = factories.session(factories.window(office_a), review_state=ReviewState.APPROVED)
    with pytest.raises(DomainError) as exc:
        _session(staff_a, session.window, {(Sex.MALE, AgeGroup.YOUTH): 1}, session=session)
    assert exc.value.code == "locked"


def test_staff_cannot_record_on_another_offices_window(staff_b, office_a):
    window = factories.window(office_a)
    with pytest.raises(DomainError) as exc:
        _session(staff_b, window, {(Sex.MALE, AgeGroup.YOUTH): 1})
    assert exc.value.code == "not_allowed"


def test_a_window_removed_before_it_was_installed_is_refused(staff_a, office_a):
    school = factories.school(factories.pess_municipality(office_a))
    with pytest.raises(DomainError) as exc:
        save_window(
            by=staff_a,
            school=school,
            installed_on=datetime.date(2026, 3, 1),
            removed_on=datetime.date(2026, 2, 1),
            status="removed",
        )
    assert exc.value.code == "removed_before_installed"


def test_a_window_takes_the_schools_municipality_and_the_users_office(staff_a, office_a):
    municipality = factories.pess_municipality(office_a, 1)
    school = factories.school(municipality)
    window = save_window(by=staff_a, school=school, installed_on=datetime.date(2026, 3, 1))
    assert window.municipality == municipality
    assert window.office == office_a


def test_a_window_at_a_school_of_another_department_is_refused(staff_a, office_b):
    school = factories.school(factories.pess_municipality(office_b))
    with pytest.raises(DomainError) as exc:
        save_window(by=staff_a, school=school, installed_on=datetime.date(2026, 3, 1))
    assert exc.value.code == "school_out_of_scope"


def test_a_school_in_a_municipality_of_another_department_is_refused(staff_a, office_b):
    with pytest.raises(DomainError) as exc:
        create_school(
            by=staff_a, mined_code="99001", name="CE Otro", municipality=factories.pess_municipality(office_b)
        )
    assert exc.value.code == "municipality_out_of_scope"
    assert not School.objects.filter(mined_code="99001").exists()


def test_mined_codes_are_unique(staff_a, office_a):
    municipality = factories.pess_municipality(office_a)
    create_school(by=staff_a, mined_code="99002", name="CE Uno", municipality=municipality)
    with pytest.raises(DomainError) as exc:
        create_school(by=staff_a, mined_code="99002", name="CE Dos", municipality=municipality)
    assert exc.value.code == "duplicate_mined_code"


def test_managers_only_read(manager, office_a):
    with pytest.raises(DomainError) as exc:
        _session(manager, factories.window(office_a), {(Sex.MALE, AgeGroup.YOUTH): 1})
    assert exc.value.code == "not_allowed"
