"""Closing a municipality's month: confirmation, approval of everything, lock for staff, reopening."""

import datetime

import pytest
from django.urls import reverse

from core.errors import DomainError
from review.models import PeriodClosure, ReviewState
from review.services import can_edit, close_period, reopen_period, submit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(office_a, staff_a):
    muni = factories.pess_municipality(office_a)
    draft = factories.workshop(office_a, muni, title="Taller en borrador")
    submitted = factories.meeting(office_a, muni)
    submit(record=submitted, by=staff_a, reason="Lista en papel")
    session = factories.session(factories.window(office_a, muni))
    april = factories.workshop(office_a, muni, start_date=datetime.date(2026, 4, 2), end_date=datetime.date(2026, 4, 2))
    return {"muni": muni, "draft": draft, "submitted": submitted, "session": session, "april": april}


def test_confirmation_lists_what_is_still_draft(client, coordinator_x, march):
    client.force_login(coordinator_x)
    url = reverse("admin:indicators_municipalprogress_close", args=[march["muni"].pk, 2026, 3])
    html = client.get(url).content.decode()
    assert "Taller en borrador" in html
    assert "Borrador" in html
    assert "Aprobar 3 registros y cerrar el mes" in html
    assert not PeriodClosure.objects.exists()


def test_closing_approves_the_month_and_locks_it_for_staff(client, coordinator_x, staff_a, march):
    client.force_login(coordinator_x)
    url = reverse("admin:indicators_municipalprogress_close", args=[march["muni"].pk, 2026, 3])
    response = client.post(url)
    assert response.status_code == 302
    closure = PeriodClosure.objects.get()
    assert (closure.municipality, closure.year, closure.month, closure.closed_by) == (
        march["muni"],
        2026,
        3,
        coordinator_x,
    )
    for key in ("draft", "submitted", "session"):
        march[key].refresh_from_db()
        assert march[key].review_state == ReviewState.APPROVED, key
        assert not can_edit(march[key], staff_a)
    march["april"].refresh_from_db()
    assert march["april"].review_state == ReviewState.DRAFT
    detail = client.get(reverse("admin:indicators_municipalprogress_change", args=[march["muni"].pk]), {"anio": 2026})
    assert "Cerrado" in detail.content.decode()
    # Closing twice is refused, without a second closure.
    client.post(url)
    assert PeriodClosure.objects.count() == 1


def test_reopen_needs_a_reason_and_unlocks(client, coordinator_x, staff_a, march):
    closure = close_period(municipality=march["muni"], year=2026, month=3, by=coordinator_x)
    client.force_login(coordinator_x)
    url = reverse("admin:indicators_municipalprogress_reopen", args=[closure.pk])
    response = client.post(url, {"reason": "  "})
    assert "Indique el motivo" in response.content.decode()
    closure.refresh_from_db()
    assert closure.reopened_at is None
    client.post(url, {"reason": "Falta una jornada"})
    closure.refresh_from_db()
    assert (closure.reopened_by, closure.reopen_reason) == (coordinator_x, "Falta una jornada")
    # The records stay approved; a new closure is possible again.
    close_period(municipality=march["muni"], year=2026, month=3, by=coordinator_x)
    with pytest.raises(DomainError):
        reopen_period(closure=closure, by=coordinator_x, reason="otra vez")


def test_staff_and_managers_cannot_close(coordinator_y, manager, staff_a, march):
    for user in (staff_a, manager, coordinator_y):
        with pytest.raises(DomainError):
            close_period(municipality=march["muni"], year=2026, month=3, by=user)
    assert not PeriodClosure.objects.exists()
