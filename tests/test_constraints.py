"""The database itself rejects invalid rows (not only the forms)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from indicators.disaggregation import AgeGroup, Sex
from indicators.models import Target
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession
from municipalities.models import TechnicalAssistance
from review.models import PeriodClosure
from tests import factories
from workshops.models import Attendance, Participant, Workshop

pytestmark = pytest.mark.django_db


def _rejected(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_workshop_end_before_start_is_rejected(office_a):
    w = factories.workshop(office_a)
    _rejected(lambda: Workshop.objects.filter(pk=w.pk).update(end_date=w.start_date - datetime.timedelta(days=1)))


def test_workshop_negative_hours_are_rejected(office_a):
    w = factories.workshop(office_a)
    _rejected(lambda: Workshop.objects.filter(pk=w.pk).update(hours=Decimal("-1")))


def test_same_participant_cannot_attend_a_workshop_twice(office_a):
    w = factories.workshop(office_a)
    p = factories.participant(office_a)
    factories.attendance(w, p)
    _rejected(lambda: Attendance.objects.create(workshop=w, participant=p))


def test_dui_is_unique(office_a):
    factories.participant(office_a, dui="12345678-4")
    _rejected(lambda: factories.participant(office_a, dui="12345678-4"))


def test_participants_without_dui_do_not_collide(office_a):
    factories.participant(office_a, dui="")
    factories.participant(office_a, dui=None)
    assert Participant.objects.filter(dui__isnull=True).count() == 2


def test_negative_reach_count_is_rejected(office_a):
    s = factories.session(factories.window(office_a))
    _rejected(lambda: ReachCount.objects.filter(session=s).update(count=-3))


def test_reach_count_cell_is_unique(office_a):
    s = factories.session(factories.window(office_a), counts={(Sex.MALE, AgeGroup.CHILD): 1})
    _rejected(lambda: ReachCount.objects.create(session=s, sex=Sex.MALE, age_group=AgeGroup.CHILD, count=2))


def test_session_negative_materials_are_rejected(office_a):
    s = factories.session(factories.window(office_a))
    _rejected(lambda: WindowSession.objects.filter(pk=s.pk).update(materials_handed_out=-1))


def test_window_removed_before_installed_is_rejected(office_a):
    w = factories.window(office_a)
    _rejected(lambda: MobileWindow.objects.filter(pk=w.pk).update(removed_on=datetime.date(2020, 1, 1)))


def test_window_needs_a_school_or_a_site(office_a):
    m = factories.pess_municipality(office_a)
    _rejected(
        lambda: MobileWindow.objects.create(
            municipality=m, office=office_a, installed_on=datetime.date(2026, 1, 1), school=None, site_name=""
        )
    )


def test_school_mined_code_is_unique(office_a):
    m = factories.pess_municipality(office_a)
    School.objects.create(mined_code="12345", name="A", municipality=m)
    _rejected(lambda: School.objects.create(mined_code="12345", name="B", municipality=m))


def test_assistance_hours_must_be_positive(office_a):
    a = factories.assistance(office_a)
    _rejected(lambda: TechnicalAssistance.objects.filter(pk=a.pk).update(hours=0))


def test_target_belongs_to_a_municipality_or_an_office_not_both(office_a):
    m = factories.pess_municipality(office_a)
    _rejected(
        lambda: Target.objects.create(year=2026, indicator="workshops_held", municipality=m, office=office_a, value=1)
    )
    _rejected(lambda: Target.objects.create(year=2026, indicator="workshops_held", value=1))


def test_target_is_unique_per_year_indicator_and_municipality(office_a):
    m = factories.pess_municipality(office_a)
    factories.target(m)
    _rejected(lambda: factories.target(m))


def test_negative_target_is_rejected(office_a):
    _rejected(lambda: factories.target(factories.pess_municipality(office_a), value=-1))


def test_only_one_open_closure_per_municipality_month(office_a, coordinator_x):
    m = factories.pess_municipality(office_a)
    factories.closure(m, coordinator_x)
    _rejected(lambda: factories.closure(m, coordinator_x))
    _rejected(lambda: PeriodClosure.objects.create(municipality=m, year=2026, month=13, closed_by=coordinator_x))
