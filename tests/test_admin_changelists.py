"""Every admin changelist loads, and its query count does not grow with rows (10 vs 200)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import events
from core.models import SecurityEvent, User
from geography.models import Department, Institution, Municipality, TerritorialOffice, ThematicTable
from indicators.models import MunicipalProgress, Target
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession
from municipalities.models import FollowUpAction, MunicipalPlan, PlanStageChange, TableMeeting, TechnicalAssistance
from review.models import PeriodClosure, ReviewTransition
from review.services import submit
from tests import factories
from workshops.models import Attendance, Participant, Workshop

pytestmark = pytest.mark.django_db

REFERENCE = {Department, Municipality, TerritorialOffice, ThematicTable}


def _make(model, start, n, office, user):
    """Create n rows of `model` in `office` (through the factories' real write paths)."""
    munis = list(Municipality.objects.pess().filter(department=office.department_id))
    for i in range(start, start + n):
        m = munis[i % len(munis)]
        if model is Workshop:
            factories.workshop(office, m)
        elif model is Participant:
            factories.participant(office)
        elif model is Attendance:
            factories.attendance(factories.workshop(office, m), factories.participant(office))
        elif model is School:
            factories.school(m)
        elif model is MobileWindow:
            factories.window(office, m)
        elif model in (WindowSession, ReachCount):
            factories.session(factories.window(office, m))
        elif model in (TableMeeting, FollowUpAction):
            factories.follow_up(factories.meeting(office, m))
        elif model is Institution:
            factories.institution(m)
        elif model is TechnicalAssistance:
            factories.assistance(office, m)
        elif model in (MunicipalPlan, PlanStageChange):
            # One plan per municipality: spread over all municipalities of the country.
            muni = Municipality.objects.order_by("code")[i]
            factories.stage_change(factories.plan(office, muni), user)
        elif model is Target:
            factories.target(Municipality.objects.order_by("code")[i % 262], year=2000 + i // 262)
        elif model is PeriodClosure:
            factories.closure(m, user, year=2000 + i // 12, month=i % 12 + 1)
        elif model is ReviewTransition:
            submit(record=factories.workshop(office, m), by=user, reason="Lista en papel")
        elif model is MunicipalProgress:
            # Indicators and targets are annotated: more records must not mean more queries.
            factories.attendance(factories.workshop(office, m), factories.participant(office))
            factories.session(factories.window(office, m))
            factories.target(m, year=2100 + i)
        elif model is User:
            factories.user("staff", office)
        elif model is SecurityEvent:
            events.record("login", user=user, details={"n": i})
        else:  # pragma: no cover - a new model must be added here
            raise AssertionError(f"no factory for {model}")


def _changelist_queries(client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# Third-party admins (django-axes lockouts, django-otp devices, django-tasks-db results) are theirs,
# not ours to budget.
THIRD_PARTY_APPS = ("auth", "axes", "otp_totp", "otp_static", "django_tasks_database")
ADMIN_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label not in THIRD_PARTY_APPS), key=lambda m: m._meta.label
)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_changelist_query_count_does_not_grow_with_rows(client, model, office_a, administrator):
    """Guards against N+1 from list_display columns (missing list_select_related)."""
    client.force_login(administrator)
    if model in REFERENCE:
        before = _changelist_queries(client, model)  # reference data: already hundreds of rows
        assert before < 20
        return
    _make(model, 0, 10, office_a, administrator)
    small = _changelist_queries(client, model)
    _make(model, 10, 190, office_a, administrator)
    large = _changelist_queries(client, model)
    assert large == small, f"{model._meta.label}: {small} queries at 10 rows, {large} at 200"


# QR check-in links and entries are handled on the workshop's attendance page only: an entry is
# what a member of the public typed, confirmed, merged or rejected there by the workshop's staff,
# and nothing about it is edited elsewhere.
NOT_IN_ADMIN = {"workshops.CheckInLink", "workshops.CheckInEntry"}


def test_every_project_model_is_in_the_admin():
    from django.apps import apps

    ours = {"pess_tracker", "municipalities", "workshops", "mobile_windows"}
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in ours
        and not m._meta.label.split(".")[1].startswith("Historical")
        and m not in admin.site._registry
        and m._meta.label not in NOT_IN_ADMIN
    ]
    assert missing == []
