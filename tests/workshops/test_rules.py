"""Workshop rules: a workshop dated in the future cannot be held; one without attendees goes to
review only with a stated reason (kept as the transition's comment)."""

import datetime

import pytest
from django.urls import reverse

from core.errors import DomainError
from review.models import ReviewState, ReviewTransition
from review.services import submit
from tests import factories
from workshops import services
from workshops.models import WorkshopStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)  # tests.conftest.TEST_NOW, in El Salvador
TOMORROW = TODAY + datetime.timedelta(days=1)


def test_a_future_workshop_cannot_be_marked_held(staff_a, office_a):
    workshop = factories.workshop(office_a, start_date=TOMORROW, end_date=TOMORROW, status=WorkshopStatus.PLANNED)
    with pytest.raises(DomainError) as exc:
        services.mark_held(workshop=workshop, by=staff_a)
    assert exc.value.code == "held_in_future"
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.PLANNED


def test_todays_workshop_can_be_marked_held(staff_a, office_a):
    workshop = factories.workshop(office_a, start_date=TODAY, end_date=TODAY, status=WorkshopStatus.PLANNED)
    services.mark_held(workshop=workshop, by=staff_a)
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.HELD


def test_the_form_cannot_save_a_future_workshop_as_held(staff_a, office_a):
    workshop = factories.workshop(office_a, start_date=TOMORROW, end_date=TOMORROW, status=WorkshopStatus.PLANNED)
    workshop.status = WorkshopStatus.HELD
    with pytest.raises(DomainError) as exc:
        services.save_workshop(workshop=workshop, by=staff_a)
    assert exc.value.code == "held_in_future" and exc.value.field == "status"


def test_the_mark_held_button_answers_with_the_rule(client, staff_a, office_a):
    workshop = factories.workshop(office_a, start_date=TOMORROW, end_date=TOMORROW, status=WorkshopStatus.PLANNED)
    client.force_login(staff_a)
    response = client.post(reverse("workshops:mark_held", args=[workshop.pk]), follow=True)
    assert "fecha futura no puede marcarse como realizado" in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.PLANNED


def test_a_workshop_without_attendees_needs_a_reason_to_be_submitted(staff_a, office_a):
    workshop = factories.workshop(office_a)
    with pytest.raises(DomainError) as exc:
        submit(record=workshop, by=staff_a)
    assert exc.value.code == "no_attendees" and exc.value.field == "reason"
    with pytest.raises(DomainError):
        submit(record=workshop, by=staff_a, reason="   ")
    workshop.refresh_from_db()
    assert workshop.review_state == ReviewState.DRAFT
    submit(record=workshop, by=staff_a, reason="La lista se entregó en papel")
    workshop.refresh_from_db()
    assert workshop.review_state == ReviewState.SUBMITTED
    assert ReviewTransition.objects.get().comment == "La lista se entregó en papel"


def test_a_workshop_with_attendees_needs_no_reason(staff_a, office_a):
    workshop = factories.workshop(office_a)
    factories.attendance(workshop, factories.participant(office_a))
    submit(record=workshop, by=staff_a)
    workshop.refresh_from_db()
    assert workshop.review_state == ReviewState.SUBMITTED


def test_the_submit_button_asks_for_the_reason_when_nobody_attended(client, staff_a, office_a):
    workshop = factories.workshop(office_a)
    client.force_login(staff_a)
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert 'name="reason"' in page
    response = client.post(reverse("workshops:submit", args=[workshop.pk]), follow=True)
    assert "no tiene asistentes" in response.content.decode()
    client.post(reverse("workshops:submit", args=[workshop.pk]), {"reason": "Lista en papel"})
    workshop.refresh_from_db()
    assert workshop.review_state == ReviewState.SUBMITTED
