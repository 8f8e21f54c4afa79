"""Who sees what: the one place where every user-facing query is scoped by role and office.

Each scoped model says how it reaches a territorial office and a department:

    class Workshop(ScopedModel):
        SCOPE_OFFICE = "office"                  # path to TerritorialOffice, or None
        SCOPE_DEPARTMENT = "office__department"  # path to Department

- managers, administrators and superusers see everything;
- departmental coordinators see their office's department;
- territorial staff see their office (or, for models with no office, their department);
- anyone else (anonymous, inactive, no office) sees nothing.
"""

from django.db import models
from django.db.models import Q


def scope_q(model, user) -> Q | None:
    """The filter for `model` rows that `user` may see; None means no restriction."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if getattr(user, "is_national", False):
        return None
    custom = getattr(model, "scope_q_for", None)
    if custom is not None:  # rows that reach an office only indirectly (e.g. through a generic FK)
        return custom(user)
    office_path = getattr(model, "SCOPE_OFFICE", None)
    department_path = getattr(model, "SCOPE_DEPARTMENT", None)
    if office_path is None and department_path is None:
        return None  # a shared registry: every signed-in user may read it
    office_id = getattr(user, "office_id", None)
    if office_id is None:
        return Q(pk__in=[])
    if user.is_territorial_staff and office_path:
        return Q(**{office_path: office_id})
    return Q(**{department_path: user.office.department_id})


def visible_offices(user):
    from municipalities.models import TerritorialOffice

    return TerritorialOffice.objects.visible_to(user)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        q = scope_q(self.model, user)
        return self if q is None else self.filter(q)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass
