"""Reviewable records: the state every field record carries, each transition, and month closings."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import user_reference
from core.scoping import ScopedManager, ScopedQuerySet
from geography.models import Municipality


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Borrador")
    SUBMITTED = "submitted", _("Enviado a revisión")
    APPROVED = "approved", _("Aprobado")
    RETURNED = "returned", _("Devuelto con observaciones")


class ReviewTransition(models.Model):
    """One step of a record's review: who moved it, when, from which state to which, and why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    from_state = models.CharField(_("desde"), max_length=16, choices=ReviewState.choices)
    to_state = models.CharField(_("hacia"), max_length=16, choices=ReviewState.choices)
    comment = models.TextField(_("comentario"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("por"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("fecha y hora"), default=timezone.now)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("transición de revisión")
        verbose_name_plural = _("transiciones de revisión")
        ordering = ["-at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"

    @classmethod
    def scope_q_for(cls, user):
        """Transitions of records the user may see (used by core.scoping.scope_q)."""
        from core.scoping import scope_q

        q = models.Q(pk__in=[])
        for model in reviewable_models():
            record_q = scope_q(model, user)
            visible = model._base_manager.all() if record_q is None else model._base_manager.filter(record_q)
            q |= models.Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=visible.values("pk"),
            )
        return q


class ReviewableModel(models.Model):
    """Fields shared by every record that territorial staff create and coordinators review.

    Subclasses set SCOPE_OFFICE / SCOPE_DEPARTMENT (see core.scoping),
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
    reviewed_by = user_reference(_("revisado por"))
    created_by = user_reference(_("registrado por"))
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

    def is_period_closed(self) -> bool:
        """Is the record's month closed for its municipality? (core.permissions reads this.)"""
        day = self.period_date()
        if day is None:
            return False
        return (
            PeriodClosure._base_manager.filter(reopened_at__isnull=True)
            .filter(municipality_id=self.municipality_id_for_period(), year=day.year, month=day.month)
            .exists()
        )


def reviewable_models() -> list[type[ReviewableModel]]:
    """Every concrete model under review, in a stable order."""
    from django.apps import apps

    return sorted(
        (m for m in apps.get_models() if issubclass(m, ReviewableModel) and not m._meta.proxy),
        key=lambda m: m._meta.label,
    )


class PeriodClosureQuerySet(ScopedQuerySet):
    def closed(self):
        return self.filter(reopened_at__isnull=True)


class PeriodClosure(models.Model):
    """A coordinator's sign-off of a municipality's month; reopening keeps the row with a reason."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipio"), on_delete=models.PROTECT, related_name="period_closures"
    )
    year = models.PositiveSmallIntegerField(_("año"))
    month = models.PositiveSmallIntegerField(_("mes"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cerrado por"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("cerrado el"), default=timezone.now)
    reopened_by = user_reference(_("reabierto por"))
    reopened_at = models.DateTimeField(_("reabierto el"), null=True, blank=True)
    reopen_reason = models.TextField(_("motivo de reapertura"), blank=True)

    SCOPE_OFFICE = None
    SCOPE_DEPARTMENT = "municipality__department"
    objects = ScopedManager.from_queryset(PeriodClosureQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cierre de mes")
        verbose_name_plural = _("cierres de mes")
        ordering = ["-year", "-month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="closure_month_valid"),
            models.UniqueConstraint(
                fields=["municipality", "year", "month"],
                condition=Q(reopened_at__isnull=True),
                name="closure_one_open_per_month",
            ),
        ]

    def __str__(self):
        return f"{self.municipality} {self.month:02d}/{self.year}"

    def get_absolute_url(self):
        return reverse("admin:review_periodclosure_change", args=[self.pk])
