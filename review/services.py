"""Review of field records: draft → submitted → approved / returned, with every step recorded.

The abstract model carries the state; these functions are the only write path for transitions,
so each one is checked (core.permissions), atomic and recorded as a ReviewTransition.
"""

import calendar
import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, assign_and_save
from core.permissions import Action, can, require
from review.models import PeriodClosure, ReviewState, ReviewTransition, reviewable_models


def can_edit(record, user) -> bool:
    """May `user` change `record`? Staff lose the right once it is approved or its month closed."""
    return can(user, Action.EDIT, record)


def check_editable(record, by) -> None:
    require(by, Action.EDIT, record, code="locked")


def save_record(record, fields: dict) -> None:
    """`core.errors.assign_and_save` for a reviewable record. Who created and reviewed it is set by
    the services from the signed-in user, never typed in, so validation skips those (a query each)."""
    before = figure_point(record) if record.pk is not None else None
    assign_and_save(record, fields, exclude=["created_by", "reviewed_by"])
    if record.review_state in COUNTED:
        records_changed([before, figure_point(record)], official=record.review_state == ReviewState.APPROVED)


# Figures count submitted and approved records (official: approved; pending: submitted).
COUNTED = frozenset({ReviewState.SUBMITTED, ReviewState.APPROVED})
# Callables (points, official=...) -> None told, inside the transaction of a change, that what the figures count
# changed at these (municipality id, date) points. The indicators app registers the one that keeps
# its pre-computed figures current (indicators.cells.mark_stale).
CHANGE_LISTENERS: list = []


def register_change_listener(listener) -> None:
    if listener not in CHANGE_LISTENERS:
        CHANGE_LISTENERS.append(listener)


def records_changed(points, official: bool = True) -> None:
    """Tell the listeners that figures changed at these (municipality id, date) points.

    `official`: approved records changed (or may have); False when only submitted ones did."""
    points = [p for p in points if p is not None]
    for listener in CHANGE_LISTENERS:
        listener(points, official=official)


def figure_point(record) -> tuple:
    """(municipality id, date) that place a record in the figures."""
    *path, last = record.MUNICIPALITY_FIELD.split("__")
    holder = record
    for part in path:
        holder = getattr(holder, part, None)
        if holder is None:
            return (None, None)
    return (getattr(holder, f"{last}_id", None), getattr(record, record.PERIOD_DATE_FIELD, None))


def _transition(record, *, to_state: str, by, comment: str = "") -> ReviewTransition:
    from_state = record.review_state
    now = timezone.now()
    record.review_state = to_state
    fields = ["review_state", "updated_at"]
    if to_state == ReviewState.SUBMITTED:
        record.submitted_at = now
        fields.append("submitted_at")
    if to_state in (ReviewState.APPROVED, ReviewState.RETURNED):
        record.reviewed_at = now
        record.reviewed_by = by
        record.review_comment = comment
        fields += ["reviewed_at", "reviewed_by", "review_comment"]
    record.save(update_fields=fields)
    if from_state in COUNTED or to_state in COUNTED:
        records_changed([figure_point(record)], official=ReviewState.APPROVED in (from_state, to_state))
    return ReviewTransition.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        by=by,
        at=now,
    )


# Rules a record must meet before it is sent for review, per model: callables
# (record, reason) -> None that raise DomainError. The apps above register theirs in their
# AppConfig.ready() (e.g. workshops: a workshop without attendees needs a stated reason).
SUBMIT_RULES: dict[type, list] = {}


def register_submit_rule(model, rule) -> None:
    rules = SUBMIT_RULES.setdefault(model, [])
    if rule not in rules:
        rules.append(rule)


@transaction.atomic
def submit(*, record, by, reason: str = "") -> ReviewTransition | None:
    """Staff send a draft or returned record for review. Submitting twice is harmless.

    `reason` explains something unusual the coordinator should know (required by some rules,
    see SUBMIT_RULES); it is kept as the transition's comment."""
    if record.review_state == ReviewState.SUBMITTED:
        return None
    if record.review_state == ReviewState.APPROVED:
        raise DomainError("already_approved", _("El registro ya fue aprobado."))
    require(by, Action.SUBMIT, record)
    reason = (reason or "").strip()
    for rule in SUBMIT_RULES.get(type(record), ()):
        rule(record, reason)
    return _transition(record, to_state=ReviewState.SUBMITTED, by=by, comment=reason)


def _check_reviewer(record, by):
    if not can(by, Action.REVIEW):
        raise DomainError("not_reviewer", _("Solo la coordinación departamental puede revisar."))
    require(by, Action.REVIEW, record, message=_("El registro no pertenece a su departamento."))


@transaction.atomic
def approve(*, record, by, comment: str = "") -> ReviewTransition | None:
    """A coordinator approves a record; it becomes read-only for staff. Idempotent."""
    _check_reviewer(record, by)
    if record.review_state == ReviewState.APPROVED:
        return None
    return _transition(record, to_state=ReviewState.APPROVED, by=by, comment=comment)


@transaction.atomic
def return_for_changes(*, record, by, comment: str) -> ReviewTransition:
    """A coordinator sends a record back to staff with a comment they will see."""
    _check_reviewer(record, by)
    if not comment.strip():
        raise DomainError("comment_required", _("Indique el motivo de la devolución."))
    return _transition(record, to_state=ReviewState.RETURNED, by=by, comment=comment.strip())


def transitions_for(record):
    return ReviewTransition.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    ).select_related("by")


# --- Period closing: a coordinator's sign-off of one municipality's month ---


def _month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])


def records_of_month(*, municipality, year: int, month: int, user=None) -> dict:
    """{model: queryset} of every reviewable record of `municipality` dated in that month."""
    start, end = _month_bounds(year, month)
    result = {}
    for model in reviewable_models():
        qs = model.objects.filter(
            **{
                model.MUNICIPALITY_FIELD: municipality,
                f"{model.PERIOD_DATE_FIELD}__gte": start,
                f"{model.PERIOD_DATE_FIELD}__lte": end,
            }
        )
        result[model] = qs if user is None else qs.visible_to(user)
    return result


def _check_closer(municipality, by):
    if not can(by, Action.CLOSE_PERIOD):
        raise DomainError("not_reviewer", _("Solo la coordinación departamental puede cerrar o reabrir meses."))
    require(by, Action.CLOSE_PERIOD, municipality, message=_("El municipio no pertenece a su departamento."))


@transaction.atomic
def close_period(*, municipality, year: int, month: int, by):
    """Approve every record of the municipality's month at once and record the closure."""
    _check_closer(municipality, by)
    if not 1 <= month <= 12:
        raise DomainError("bad_month", _("Mes no válido."))
    if PeriodClosure.objects.closed().filter(municipality=municipality, year=year, month=month).exists():
        raise DomainError("already_closed", _("Ese mes ya está cerrado."))
    for qs in records_of_month(municipality=municipality, year=year, month=month).values():
        for record in qs.exclude(review_state=ReviewState.APPROVED).select_for_update():
            _transition(record, to_state=ReviewState.APPROVED, by=by, comment=str(_("Cierre de mes")))
    closure = PeriodClosure(municipality=municipality, year=year, month=month, closed_by=by)
    closure.full_clean()
    closure.save()
    return closure


@transaction.atomic
def reopen_period(*, closure, by, reason: str):
    """Reopen a closed month; the closure row stays, with who, when and why."""
    _check_closer(closure.municipality, by)
    if closure.reopened_at is not None:
        raise DomainError("not_closed", _("Ese mes ya fue reabierto."))
    if not reason.strip():
        raise DomainError("reason_required", _("Indique el motivo de la reapertura."))
    closure.reopened_by = by
    closure.reopened_at = timezone.now()
    closure.reopen_reason = reason.strip()
    closure.save(update_fields=["reopened_by", "reopened_at", "reopen_reason"])
    return closure
