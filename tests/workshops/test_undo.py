"""Remove with undo: the removal is real at once; "Deshacer" within 10 seconds puts the same row
back (method, who and when); later it is refused with a clear message."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from tests import factories
from workshops import services
from workshops.models import Attendance, AttendanceMethod

pytestmark = pytest.mark.django_db


@pytest.fixture
def attended(office_a, staff_a):
    workshop = factories.workshop(office_a)
    person = factories.participant(office_a)
    attendance = factories.attendance(workshop, person, method=AttendanceMethod.IMPORT, registered_by=staff_a)
    return workshop, person, attendance


def test_the_removal_is_real_and_undo_restores_the_same_row(attended, staff_a):
    workshop, person, before = attended
    removal = services.remove_attendance_for_undo(workshop=workshop, participant_id=person.pk, by=staff_a)
    assert not Attendance.objects.filter(workshop=workshop).exists()
    restored = services.undo_removal(workshop=workshop, removal=removal.as_dict(), by=staff_a)
    assert (restored.method, restored.registered_by_id, restored.registered_at) == (
        before.method,
        before.registered_by_id,
        before.registered_at,
    )


def test_undo_is_refused_after_the_time_is_up(attended, staff_a):
    workshop, person, _before = attended
    removal = services.remove_attendance_for_undo(workshop=workshop, participant_id=person.pk, by=staff_a)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=30)), pytest.raises(DomainError) as exc:
        services.undo_removal(workshop=workshop, removal=removal.as_dict(), by=staff_a)
    assert exc.value.code == "undo_expired"
    assert not Attendance.objects.filter(workshop=workshop).exists()


def test_the_pages_offer_and_perform_the_undo(client, attended, staff_a):
    workshop, person, _before = attended
    client.force_login(staff_a)
    removed = client.post(
        reverse("workshops:attendance_remove", args=[workshop.pk]), {"participant": person.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Asistente quitado" in removed and "Deshacer" in removed and 'data-undo-seconds="10"' in removed
    undone = client.post(reverse("workshops:attendance_undo", args=[workshop.pk]), HTTP_HX_REQUEST="true")
    assert "vuelve a la lista" in undone.content.decode() and 'class="just-changed"' in undone.content.decode()
    assert Attendance.objects.filter(workshop=workshop, participant=person).exists()
    # Once used, there is nothing left to undo.
    again = client.post(reverse("workshops:attendance_undo", args=[workshop.pk]), HTTP_HX_REQUEST="true")
    assert "No hay nada que deshacer" in again.content.decode()


def test_without_javascript_the_undo_is_offered_after_the_redirect(client, attended, staff_a):
    workshop, person, _before = attended
    client.force_login(staff_a)
    response = client.post(reverse("workshops:attendance_remove", args=[workshop.pk]), {"participant": person.pk})
    assert "deshacer=1" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Deshacer" in page
