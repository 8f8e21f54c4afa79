"""Review of field records: draft → submitted → approved / returned, with every step recorded.

The abstract model carries the state; the service functions are the only write path for
transitions, so each one is validated, atomic and recorded as a ReviewTransition.
"""

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pess_tracker.models import ReviewState, ReviewTransition
from pess_tracker.scoping import ScopedManager


class ReviewError(Exception):
    """A review transition that is not allowed; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str = ""):
        self.code = code
        self.message = message or code
        super().__init__(self.message)


class ReviewableModel(models.Model):
    """Fields shared by every record that territorial staff create and coordinators review.

    Subclasses set SCOPE_OFFICE / SCOPE_DEPARTMENT (see pess_tracker.scoping),
    PERIOD_DATE_FIELD (the date that places the record in a month) and
    MUNICIPALITY_FIELD (path to its municipality) for period closing.
    """

    PERIOD_DATE_FIELD = "date"
    MUNICIPALITY_FIELD = "municipality"

    review_state = models.CharField(
        _("estado de revisión"),
        max_length=16,
        choices=ReviewState.choices,
        default=ReviewState.DRAFT,
        db_index=True,
    )
    review_comment = models.TextField(_("observaciones de revisión"), blank=True)
    submitted_at = models.DateTimeField(_("enviado el"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("revisado el"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revisado por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrado por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("creado el"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("actualizado el"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        abstract = True

    @property
    def is_approved(self) -> bool:
        return self.review_state == ReviewState.APPROVED

    def period_date(self) -> datetime.date | None:
        return getattr(self, self.PERIOD_DATE_FIELD, None)

    def municipality_id_for_period(self):
        obj = self
        parts = self.MUNICIPALITY_FIELD.split("__")
        for part in parts[:-1]:
            obj = getattr(obj, part)
        return getattr(obj, f"{parts[-1]}_id")


def reviewable_models() -> list[type[ReviewableModel]]:
    """Every concrete model under review, in a stable order."""
    from django.apps import apps

    return sorted(
        (m for m in apps.get_models() if issubclass(m, ReviewableModel) and not m._meta.proxy),
        key=lambda m: m._meta.label,
    )


def is_period_closed(record) -> bool:
    from municipalities.models import PeriodClosure

    day = record.period_date()
    if day is None:
        return False
    return (
        PeriodClosure.objects.closed()
        .filter(municipality_id=record.municipality_id_for_period(), year=day.year, month=day.month)
        .exists()
    )


def can_edit(record, user) -> bool:
    """May `user` change `record`? Staff lose the right once it is approved or its month closed."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == "admin":
        return True
    if user.role == "manager":
        return False
    if not type(record).objects.visible_to(user).filter(pk=record.pk).exists():
        return False
    if user.is_coordinator:
        return True
    return not record.is_approved and not is_period_closed(record)


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
    return ReviewTransition.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        by=by,
        at=now,
    )


@transaction.atomic
def submit(*, record, by) -> ReviewTransition | None:
    """Staff send a draft or returned record for review. Submitting twice is harmless."""
    if record.review_state == ReviewState.SUBMITTED:
        return None
    if record.review_state == ReviewState.APPROVED:
        raise ReviewError("already_approved", _("El registro ya fue aprobado."))
    if not can_edit(record, by):
        raise ReviewError("not_allowed", _("No tiene permiso para enviar este registro."))
    return _transition(record, to_state=ReviewState.SUBMITTED, by=by)


def _check_reviewer(record, by):
    if not (by.is_superuser or by.role == "admin" or by.is_coordinator):
        raise ReviewError("not_reviewer", _("Solo la coordinación departamental puede revisar."))
    if not type(record).objects.visible_to(by).filter(pk=record.pk).exists():
        raise ReviewError("not_allowed", _("El registro no pertenece a su departamento."))


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
        raise ReviewError("comment_required", _("Indique el motivo de la devolución."))
    return _transition(record, to_state=ReviewState.RETURNED, by=by, comment=comment.strip())


def transitions_for(record):
    return ReviewTransition.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    ).select_related("by")


# --- Period closing: a coordinator's sign-off of one municipality's month ---


def _month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    import calendar

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
    from municipalities.models import Municipality

    if not (by.is_superuser or by.role == "admin" or by.is_coordinator):
        raise ReviewError("not_reviewer", _("Solo la coordinación departamental puede cerrar o reabrir meses."))
    if not Municipality.objects.visible_to(by).filter(pk=municipality.pk).exists():
        raise ReviewError("not_allowed", _("El municipio no pertenece a su departamento."))


@transaction.atomic
def close_period(*, municipality, year: int, month: int, by):
    """Approve every record of the municipality's month at once and record the closure."""
    from municipalities.models import PeriodClosure

    _check_closer(municipality, by)
    if not 1 <= month <= 12:
        raise ReviewError("bad_month", _("Mes no válido."))
    if PeriodClosure.objects.closed().filter(municipality=municipality, year=year, month=month).exists():
        raise ReviewError("already_closed", _("Ese mes ya está cerrado."))
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
        raise ReviewError("not_closed", _("Ese mes ya fue reabierto."))
    if not reason.strip():
        raise ReviewError("reason_required", _("Indique el motivo de la reapertura."))
    closure.reopened_by = by
    closure.reopened_at = timezone.now()
    closure.reopen_reason = reason.strip()
    closure.save(update_fields=["reopened_by", "reopened_at", "reopen_reason"])
    return closure
