"""Who sees what: scoping that fails closed.

Each scoped model says how it reaches a territorial office and a department:

    class Workshop(ReviewableModel):
        SCOPE_OFFICE = "office"                  # path to TerritorialOffice, or None
        SCOPE_DEPARTMENT = "office__department"  # path to Department

- managers, administrators and superusers see everything;
- departmental coordinators see their office's department;
- territorial staff see their office (or, for models with no office, their department);
- anyone else (anonymous, inactive, no office) sees nothing.

A model whose default manager is a `ScopedManager` can only be queried inside a scope:

- `scope(user)` (entered for every request by `ScopeMiddleware`) filters every query of every
  scoped model to what `user` may see, so a forgotten `visible_to` cannot leak;
- `scopes_disabled()` is the explicit, visible opt-out for management commands, background jobs,
  migrations, the admin's own plumbing and cross-office duplicate checks;
- outside both, any query raises `ScopeError`: nothing is ever returned by default.

Related-object access (`attendance.workshop`) goes through Django's base manager, which is not
scoped: it follows a row the code already holds.
"""

import contextlib
import contextvars

from django.db import models
from django.db.models import BooleanField, Expression, Q

_DISABLED = object()
_current = contextvars.ContextVar("pess_scope", default=None)


class ScopeError(Exception):
    """A scoped model was queried outside `scope(user)` or `scopes_disabled()`."""


@contextlib.contextmanager
def scope(user):
    """Every query of a scoped model inside sees only what `user` may see."""
    token = _current.set(user)
    try:
        yield
    finally:
        _current.reset(token)


@contextlib.contextmanager
def scopes_disabled():
    """Queries inside see every row. Use where a whole-database view is meant, and say why."""
    token = _current.set(_DISABLED)
    try:
        yield
    finally:
        _current.reset(token)


def current_scope():
    """The user whose scope is active, `None` when scopes are disabled; raises outside both."""
    value = _current.get()
    if value is None:
        raise ScopeError("Consulta fuera de un ámbito: use scope(user) o scopes_disabled().")
    return None if value is _DISABLED else value


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


def loaded_in_scope(user, obj) -> bool:
    """May `user` see `obj`? Answered from the fields already loaded (no query for office and
    department paths, so it is safe in list rows whose queryset selected the path)."""
    q = scope_q(type(obj), user)
    if q is None:
        return True
    if getattr(type(obj), "scope_q_for", None) is not None or not user.is_active or user.office_id is None:
        with scopes_disabled():  # the filter is the user's own scope, stated explicitly
            return type(obj)._base_manager.filter(q, pk=obj.pk).exists()
    office_path = getattr(obj, "SCOPE_OFFICE", None)
    if user.is_territorial_staff and office_path:
        return _loaded_id(obj, office_path) == user.office_id
    return _loaded_id(obj, obj.SCOPE_DEPARTMENT) == user.office.department_id


def _loaded_id(obj, path: str):
    *parts, last = path.split("__")
    for part in parts:
        obj = getattr(obj, part)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id")


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Narrow to what `user` may see (explicit; the active scope applies in any case)."""
        q = scope_q(self.model, user)
        return self if q is None else self.filter(q)


class ScopeGuard(Expression):
    """A WHERE condition decided when the query runs, not when it is built.

    Querysets built outside any scope (a ModelForm's choices, built at import time) carry this
    guard: compiled inside `scope(user)` it becomes `pk IN (rows the user may see)`, inside
    `scopes_disabled()` a no-op, and anywhere else it raises ScopeError.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, model):
        super().__init__()
        self.model = model

    def get_group_by_cols(self):
        return []

    def as_sql(self, compiler, connection):
        user = current_scope()
        q = None if user is None else scope_q(self.model, user)
        if q is None:
            return "1 = 1", []
        visible = self.model._base_manager.filter(q).values("pk")
        sub_sql, sub_params = visible.query.get_compiler(connection=connection).as_sql()
        alias = compiler.query.get_initial_alias()
        col_sql, col_params = compiler.compile(self.model._meta.pk.get_col(alias))
        return f"{col_sql} IN ({sub_sql})", (*col_params, *sub_params)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    """The default manager of every scoped model: filtered by the active scope, or guarded."""

    def get_queryset(self):
        qs = super().get_queryset()
        value = _current.get()
        if value is None:  # no scope yet: decide when the query runs (ScopeGuard)
            return qs.filter(ScopeGuard(self.model))
        if value is _DISABLED:
            return qs
        q = scope_q(self.model, value)
        return qs if q is None else qs.filter(q)


def scoped_models() -> list[type[models.Model]]:
    """Every concrete model whose default manager is scoped (for tests and the permission matrix)."""
    from django.apps import apps

    return [m for m in apps.get_models() if isinstance(m._default_manager, ScopedManager) and not m._meta.proxy]


class ScopeMiddleware:
    """Runs each request inside its user's scope (anonymous users see no scoped row)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope(request.user):
            return self.get_response(request)
