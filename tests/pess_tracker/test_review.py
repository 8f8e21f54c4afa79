import pytest

from core.errors import DomainError
from review.models import ReviewState
from review.services import approve, can_edit, return_for_changes, submit, transitions_for
from tests import factories

pytestmark = pytest.mark.django_db


def test_submit_approve_locks_the_record_for_staff(office_a, staff_a, coordinator_x):
    w = factories.workshop(office_a)
    assert can_edit(w, staff_a)
    submit(record=w, by=staff_a, reason="Lista en papel")
    assert submit(record=w, by=staff_a, reason="Lista en papel") is None  # a repeated submit is harmless
    approve(record=w, by=coordinator_x)
    w.refresh_from_db()
    assert w.review_state == ReviewState.APPROVED
    assert not can_edit(w, staff_a)
    assert can_edit(w, coordinator_x)
    assert [(t.from_state, t.to_state) for t in transitions_for(w)] == [
        ("submitted", "approved"),
        ("draft", "submitted"),
    ]


def test_return_needs_a_comment_and_keeps_it(office_a, staff_a, coordinator_x):
    w = factories.workshop(office_a)
    submit(record=w, by=staff_a, reason="Lista en papel")
    with pytest.raises(DomainError) as exc:
        return_for_changes(record=w, by=coordinator_x, comment="  ")
    assert exc.value.code == "comment_required"
    return_for_changes(record=w, by=coordinator_x, comment="Falta la lista de asistencia")
    w.refresh_from_db()
    assert w.review_state == ReviewState.RETURNED
    assert w.review_comment == "Falta la lista de asistencia"
    assert can_edit(w, staff_a)


def test_staff_and_other_departments_cannot_review(office_a, staff_a, coordinator_y):
    w = factories.workshop(office_a)
    with pytest.raises(DomainError) as exc:
        approve(record=w, by=staff_a)
    assert exc.value.code == "not_reviewer"
    with pytest.raises(DomainError) as exc:
        approve(record=w, by=coordinator_y)
    assert exc.value.code == "not_allowed"


def test_a_closed_month_locks_its_records_for_staff(office_a, staff_a, coordinator_x):
    w = factories.workshop(office_a)
    factories.closure(w.municipality, coordinator_x, year=w.start_date.year, month=w.start_date.month)
    assert not can_edit(w, staff_a)
    assert can_edit(w, coordinator_x)


def test_managers_cannot_edit_field_records(office_a, manager):
    assert not can_edit(factories.workshop(office_a), manager)
