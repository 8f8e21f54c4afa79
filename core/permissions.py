"""Who may do what: the one permissions table (role × action × record state).

Views, the admin, exports and the API ask `can(user, action, record)`; services call
`require(...)`, which raises a DomainError with a Spanish message. No other module compares
roles. Scope (which office or department a record belongs to) is checked here too, through
`core.scoping`, so "may edit" always implies "may see".

Record state comes from the record itself (duck-typed, so this bottom layer knows no model):
`record.is_approved` and `record.is_period_closed()` (review.models.ReviewableModel).
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.roles import Role
from core.scoping import scope_q


class Action(StrEnum):
    CREATE = "create"  # record field work (workshops, attendance, sessions, meetings, ...)
    EDIT = "edit"  # change a record (locked for staff once approved or its month closed)
    SUBMIT = "submit"  # send a record for review
    REVIEW = "review"  # approve or return a record; confirm a plan stage change
    CLOSE_PERIOD = "close_period"  # close or reopen a municipality's month
    MERGE_PEOPLE = "merge_people"  # merge two participant records
    SEE_PERSONAL_DATA = "see_personal_data"  # names, DUI and contact details of participants
    SET_TARGETS = "set_targets"
    EXPORT = "export"  # figures and pseudonymous raw-record exports
    RECEIVE_PACKS = "receive_packs"  # subscribe to the monthly report pack of one's scope


# The people of an office who do its field work (e.g. listed as present at a thematic-table meeting).
FIELD_TEAM = frozenset({Role.STAFF, Role.COORDINATOR})

# role × action: the actions each role may take at all (scope and record state narrow them further).
TABLE: dict[str, frozenset[Action]] = {
    Role.STAFF: frozenset({Action.CREATE, Action.EDIT, Action.SUBMIT, Action.MERGE_PEOPLE, Action.SEE_PERSONAL_DATA}),
    Role.COORDINATOR: frozenset(
        {
            Action.CREATE,
            Action.EDIT,
            Action.SUBMIT,
            Action.REVIEW,
            Action.CLOSE_PERIOD,
            Action.MERGE_PEOPLE,
            Action.SEE_PERSONAL_DATA,
            Action.EXPORT,
            Action.RECEIVE_PACKS,
        }
    ),
    Role.MANAGER: frozenset({Action.SET_TARGETS, Action.EXPORT, Action.RECEIVE_PACKS}),
    Role.ADMINISTRATOR: frozenset(Action),
}

# Actions whose role needs an office (staff and coordinators act for their office).
NEEDS_OFFICE = frozenset(
    {Action.CREATE, Action.EDIT, Action.SUBMIT, Action.REVIEW, Action.CLOSE_PERIOD, Action.SEE_PERSONAL_DATA}
)

DENIED_MESSAGES = {
    Action.CREATE: _("Su perfil no permite registrar ni modificar datos."),
    Action.EDIT: _("El registro está aprobado o su mes está cerrado: ya no se puede modificar."),
    Action.SUBMIT: _("No tiene permiso para enviar este registro."),
    Action.REVIEW: _("Solo la coordinación departamental puede revisar registros de su departamento."),
    Action.CLOSE_PERIOD: _("Solo la coordinación departamental puede cerrar o reabrir meses de su departamento."),
    Action.MERGE_PEOPLE: _("No tiene permiso para unir estas personas."),
    Action.SEE_PERSONAL_DATA: _("Su perfil no permite ver datos personales."),
    Action.SET_TARGETS: _("Solo la gerencia nacional define metas."),
    Action.EXPORT: _("Su perfil no permite exportar."),
    Action.RECEIVE_PACKS: _("El paquete mensual de informes es para la coordinación departamental y la gerencia."),
}


def role_of(user) -> str | None:
    """The user's effective role; None for anonymous or inactive users. Superusers are administrators."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    return user.role


def in_scope(user, record, model=None) -> bool:
    """May `user` see `record`, a row of `model` (its own class by default; the admin passes the
    model of a historical copy)? Answered in the database through the unscoped base manager with
    the user's own filter, whatever scope is active. An unsaved record has nothing to leak."""
    model = model or type(record)
    q = scope_q(model, user)
    if q is None or getattr(record, "pk", None) is None:
        return True
    return model._base_manager.filter(q, pk=record.pk).exists()


def can(user, action: Action, record=None) -> bool:
    """May `user` take `action` (on `record`, when given)?"""
    role = role_of(user)
    if role is None or action not in TABLE.get(role, ()):
        return False
    if role != Role.ADMINISTRATOR and action in NEEDS_OFFICE and user.office_id is None:
        return False
    if record is None or getattr(record, "pk", None) is None:
        return True
    if role != Role.ADMINISTRATOR and not in_scope(user, record):
        return False
    if action == Action.EDIT and role == Role.STAFF:
        return not is_locked(record)
    if action == Action.SUBMIT:
        return not getattr(record, "is_approved", False) and (role != Role.STAFF or not is_locked(record))
    return True


def is_locked(record) -> bool:
    """Approved records and records of a closed month are read-only for staff."""
    if getattr(record, "is_approved", False):
        return True
    closed = getattr(record, "is_period_closed", None)
    return bool(closed and closed())


def require(user, action: Action, record=None, *, code: str | None = None, message=None) -> None:
    """Raise DomainError unless `can(user, action, record)`."""
    if not can(user, action, record):
        raise DomainError(code or "not_allowed", message or DENIED_MESSAGES[action])


def is_writer(user) -> bool:
    """Staff, coordinators and administrators record field work; managers only read."""
    return can(user, Action.CREATE)


def may_see_personal_data(user) -> bool:
    """The role half of the personal-data rule (core.privacy adds the record's office)."""
    return can(user, Action.SEE_PERSONAL_DATA)


def may_fetch_file(user, owner_id) -> bool:
    """A private file (an export) may be fetched by the user who asked for it and by administrators."""
    role = role_of(user)
    if role is None:
        return False
    return role == Role.ADMINISTRATOR or (owner_id is not None and user.pk == owner_id)


def needs_admin_site(role: str) -> bool:
    """Coordinators, managers and administrators work in the Django admin."""
    return role in (Role.COORDINATOR, Role.MANAGER, Role.ADMINISTRATOR)


def django_flags(role: str) -> dict[str, bool]:
    """The Django flags a role needs: the admin site (is_staff); every permission (administrators)."""
    return {"is_staff": needs_admin_site(role), "is_superuser": role == Role.ADMINISTRATOR}


def needs_two_factor(user) -> bool:
    """Those who work in the admin (coordinators, managers, administrators) use a second factor."""
    return needs_admin_site(role_of(user))


def lands_on_field_pages(user) -> bool:
    """Territorial staff start on their workshop list; everyone else on the dashboard."""
    return role_of(user) == Role.STAFF


def sees_overview_map(user) -> bool:
    """Coordinators, managers and administrators get the programme map on their home page
    (coordinators zoomed to their department); territorial staff work from their lists."""
    return needs_admin_site(role_of(user))
