"""scope_q is the one place that decides who sees which rows."""

import pytest
from django.contrib.auth.models import AnonymousUser

from geography.models import Municipality, TerritorialOffice
from mobile_windows.models import School, WindowSession
from tests import factories
from workshops.models import Attendance, Participant, Workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(office_a, office_b):
    wa, wb = factories.workshop(office_a), factories.workshop(office_b)
    pa, pb = factories.participant(office_a), factories.participant(office_b)
    factories.attendance(wa, pa)
    factories.attendance(wb, pb)
    factories.session(factories.window(office_a))
    factories.session(factories.window(office_b))
    return wa, wb


def test_staff_see_only_their_office(records, staff_a, office_a):
    wa, _wb = records
    assert list(Workshop.objects.visible_to(staff_a)) == [wa]
    assert set(Participant.objects.visible_to(staff_a).values_list("office", flat=True)) == {office_a.pk}
    assert Attendance.objects.visible_to(staff_a).count() == 1
    assert WindowSession.objects.visible_to(staff_a).count() == 1
    assert list(TerritorialOffice.objects.visible_to(staff_a)) == [office_a]


def test_staff_see_schools_and_municipalities_of_their_department(records, staff_a, office_a):
    assert set(School.objects.visible_to(staff_a).values_list("municipality__department", flat=True)) == {
        office_a.department_id
    }
    assert set(Municipality.objects.visible_to(staff_a).values_list("department", flat=True)) == {
        office_a.department_id
    }


def test_coordinators_see_their_department_only(records, coordinator_x, coordinator_y):
    wa, _wb = records
    assert list(Workshop.objects.visible_to(coordinator_x)) == [wa]
    assert not Workshop.objects.visible_to(coordinator_y).exists()


def test_managers_and_administrators_see_everything(records, manager, administrator):
    assert Workshop.objects.visible_to(manager).count() == 2
    assert Workshop.objects.visible_to(administrator).count() == 2


def test_anonymous_inactive_and_officeless_users_see_nothing(records, staff_a, ref):
    assert not Workshop.objects.visible_to(AnonymousUser()).exists()
    staff_a.is_active = False
    assert not Workshop.objects.visible_to(staff_a).exists()
    orphan = factories.user("staff", None)
    assert not Workshop.objects.visible_to(orphan).exists()
