"""Scoping fails closed (core.scoping): a scoped model queried outside any scope raises.

The session-wide fixture in tests/conftest.py runs test code with scopes disabled; these tests
leave it explicitly, as production code outside a request would be.
"""

import contextlib

import pytest
from django.test import RequestFactory

from core import scoping
from core.scoping import ScopeError, scope, scope_q, scoped_models, scopes_disabled
from tests import factories


@contextlib.contextmanager
def outside_any_scope():
    token = scoping._current.set(None)
    try:
        yield
    finally:
        scoping._current.reset(token)


EXPECTED_SCOPED = {
    "core.SecurityEvent",
    "geography.Department",
    "geography.Municipality",
    "geography.TerritorialOffice",
    "geography.Institution",
    "review.ReviewTransition",
    "review.PeriodClosure",
    "indicators.Target",
    "municipalities.TableMeeting",
    "municipalities.FollowUpAction",
    "municipalities.TechnicalAssistance",
    "municipalities.MunicipalPlan",
    "municipalities.PlanStageChange",
    "workshops.Workshop",
    "workshops.Participant",
    "workshops.Attendance",
    "workshops.CheckInLink",
    "workshops.CheckInEntry",
    "mobile_windows.School",
    "mobile_windows.MobileWindow",
    "mobile_windows.WindowSession",
    "mobile_windows.ReachCount",
}


def test_every_model_that_belongs_to_an_office_or_department_is_scoped():
    """A new model that reaches an office or department must use ScopedManager (or be listed here)."""
    labels = {m._meta.label for m in scoped_models()}
    assert labels >= EXPECTED_SCOPED
    from django.apps import apps

    for model in apps.get_models():
        declares_scope = getattr(model, "SCOPE_OFFICE", None) or getattr(model, "SCOPE_DEPARTMENT", None)
        if declares_scope and not model._meta.proxy and model._meta.label != "core.User":
            assert model._meta.label in labels, f"{model._meta.label} declares a scope but its manager is unscoped"


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(EXPECTED_SCOPED))
def test_an_unscoped_query_raises(label):
    from django.apps import apps

    model = apps.get_model(label)
    with outside_any_scope():
        with pytest.raises(ScopeError):
            list(model.objects.all())
        with pytest.raises(ScopeError):
            model.objects.count()
        with pytest.raises(ScopeError):
            model.objects.filter(pk=1).exists()


@pytest.mark.django_db
def test_a_queryset_built_outside_a_scope_runs_in_the_scope_active_when_it_is_evaluated(office_a, office_b):
    """ModelForm choices are built at import time: they must follow the request's scope later."""
    from workshops.models import Workshop

    mine = factories.workshop(office_a)
    factories.workshop(office_b)
    staff = factories.user("staff", office_a)
    with outside_any_scope():
        built_early = Workshop.objects.all()
        with scope(staff):
            assert list(built_early.values_list("pk", flat=True)) == [mine.pk]
        with scopes_disabled():
            assert built_early.count() == 2
        with pytest.raises(ScopeError):
            built_early.count()


@pytest.mark.django_db
def test_inside_a_users_scope_a_forgotten_visible_to_cannot_leak(office_a, office_b):
    from mobile_windows.models import MobileWindow
    from workshops.models import Participant, Workshop

    factories.workshop(office_a)
    other = factories.workshop(office_b)
    factories.participant(office_b)
    factories.window(office_b)
    staff = factories.user("staff", office_a)
    with outside_any_scope(), scope(staff):
        assert not Workshop.objects.filter(pk=other.pk).exists()
        assert Workshop.objects.count() == 1
        assert not Participant.objects.exists()
        assert not MobileWindow.objects.exists()
        # the explicit filter agrees with the implicit one
        assert scope_q(Workshop, staff) is not None


@pytest.mark.django_db
def test_every_request_enters_its_users_scope(office_a, office_b):
    from core.scoping import ScopeMiddleware
    from workshops.models import Workshop

    factories.workshop(office_a)
    factories.workshop(office_b)
    staff = factories.user("staff", office_a)
    seen = {}

    def view(request):
        seen["count"] = Workshop.objects.count()
        return None

    request = RequestFactory().get("/")
    request.user = staff
    with outside_any_scope():
        ScopeMiddleware(view)(request)
    assert seen["count"] == 1


@pytest.mark.django_db
def test_anonymous_requests_see_no_scoped_row(office_a):
    from django.contrib.auth.models import AnonymousUser

    from workshops.models import Workshop

    factories.workshop(office_a)
    with outside_any_scope(), scope(AnonymousUser()):
        assert Workshop.objects.count() == 0
