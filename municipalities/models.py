from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import user_reference
from core.scoping import ScopedManager, ScopedQuerySet
from geography.models import Institution, Municipality, TerritorialOffice, ThematicTable
from review.models import ReviewableModel


class TableMeetingQuerySet(ScopedQuerySet):
    def with_action_counts(self):
        """`action_count` and `open_actions` (pending or in progress) per meeting."""
        open_statuses = [FollowUpStatus.PENDING, FollowUpStatus.IN_PROGRESS]
        return self.annotate(
            action_count=Count("follow_up_actions", distinct=True),
            open_actions=Count(
                "follow_up_actions", filter=Q(follow_up_actions__status__in=open_statuses), distinct=True
            ),
        )


class TableMeeting(ReviewableModel):
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipio"), on_delete=models.PROTECT, related_name="thematic_meetings"
    )
    table = models.ForeignKey(
        ThematicTable, verbose_name=_("mesa temática"), on_delete=models.PROTECT, related_name="meetings"
    )
    office = models.ForeignKey(
        TerritorialOffice, verbose_name=_("oficina"), on_delete=models.PROTECT, related_name="thematic_meetings"
    )
    date = models.DateField(_("fecha"))
    isdemu_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("personal ISDEMU presente"), blank=True, related_name="+"
    )
    agreements = models.TextField(_("acuerdos"), blank=True)
    follow_up = models.TextField(_("seguimiento"), blank=True)

    SCOPE_OFFICE = "office"
    SCOPE_DEPARTMENT = "office__department"
    objects = ScopedManager.from_queryset(TableMeetingQuerySet)()
    history = HistoricalRecords(m2m_fields=[isdemu_participants])

    class Meta:
        verbose_name = _("reunión de mesa temática")
        verbose_name_plural = _("reuniones de mesas temáticas")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["municipality", "date"]),
            models.Index(fields=["office", "date"]),
        ]

    def __str__(self):
        return f"{self.table} — {self.municipality} ({self.date:%d/%m/%Y})"

    def get_absolute_url(self):
        return reverse("municipalities:meeting_detail", args=[self.pk])


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    IN_PROGRESS = "in_progress", _("En proceso")
    DONE = "done", _("Cumplido")
    CANCELLED = "cancelled", _("Cancelado")


class FollowUpAction(models.Model):
    meeting = models.ForeignKey(
        TableMeeting, verbose_name=_("reunión"), on_delete=models.CASCADE, related_name="follow_up_actions"
    )
    description = models.CharField(_("acción"), max_length=255)
    responsible = models.CharField(_("responsable"), max_length=160, blank=True)
    due_date = models.DateField(_("fecha límite"), null=True, blank=True)
    status = models.CharField(
        _("estado"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING
    )

    SCOPE_OFFICE = "meeting__office"
    SCOPE_DEPARTMENT = "meeting__office__department"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("acción de seguimiento")
        verbose_name_plural = _("acciones de seguimiento")
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.description


class AssistanceTopic(models.TextChoices):
    GENDER_APPROACH = "gender_approach", _("Enfoque de género")
    EQUALITY_PRINCIPLE = "equality_principle", _("Principio de igualdad y no discriminación")
    LEIV = "leiv", _("LEIV y prevención de violencia contra las mujeres")
    INSTITUTIONAL_POLICY = "institutional_policy", _("Política o plan institucional de género")
    OTHER = "other", _("Otro")


class TechnicalAssistance(ReviewableModel):
    institution = models.ForeignKey(
        Institution, verbose_name=_("institución"), on_delete=models.PROTECT, related_name="assistance"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipio"), on_delete=models.PROTECT, related_name="assistance"
    )
    office = models.ForeignKey(
        TerritorialOffice, verbose_name=_("oficina"), on_delete=models.PROTECT, related_name="assistance"
    )
    date = models.DateField(_("fecha"))
    topic = models.CharField(_("tema"), max_length=32, choices=AssistanceTopic.choices)
    hours = models.DecimalField(_("horas"), max_digits=5, decimal_places=1)
    outcome = models.TextField(_("resultado"), blank=True)

    SCOPE_OFFICE = "office"
    SCOPE_DEPARTMENT = "office__department"
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("asistencia técnica")
        verbose_name_plural = _("asistencias técnicas")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["municipality", "date"]),
            models.Index(fields=["office", "date"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="assistance_hours_positive"),
        ]

    def __str__(self):
        return f"{self.institution.name} — {self.date:%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("municipalities:assistance_detail", args=[self.pk])


class PlanStage(models.TextChoices):
    NOT_STARTED = "not_started", _("Sin iniciar")
    DIAGNOSTIC_IN_PROGRESS = "diagnostic_in_progress", _("Diagnóstico en elaboración")
    DIAGNOSTIC_DONE = "diagnostic_done", _("Diagnóstico concluido")
    PLAN_DRAFTED = "plan_drafted", _("Plan en borrador")
    PLAN_APPROVED = "plan_approved", _("Plan aprobado")


PLAN_STAGE_ORDER = list(PlanStage.values)


class MunicipalPlan(ReviewableModel):
    """A municipality's diagnostic and violence-prevention plan, and ISDEMU's gender actions in it."""

    PERIOD_DATE_FIELD = "stage_date"

    municipality = models.OneToOneField(
        Municipality, verbose_name=_("municipio"), on_delete=models.PROTECT, related_name="plan"
    )
    office = models.ForeignKey(
        TerritorialOffice, verbose_name=_("oficina"), on_delete=models.PROTECT, related_name="plans"
    )
    stage = models.CharField(_("etapa"), max_length=32, choices=PlanStage.choices, default=PlanStage.NOT_STARTED)
    stage_date = models.DateField(_("fecha de la etapa actual"), null=True, blank=True)
    diagnostic_started_on = models.DateField(_("inicio del diagnóstico"), null=True, blank=True)
    diagnostic_done_on = models.DateField(_("diagnóstico concluido el"), null=True, blank=True)
    plan_approved_on = models.DateField(_("plan aprobado el"), null=True, blank=True)
    gender_actions = models.TextField(_("acciones de género incorporadas"), blank=True)

    SCOPE_OFFICE = "office"
    SCOPE_DEPARTMENT = "office__department"
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan municipal de prevención")
        verbose_name_plural = _("planes municipales de prevención")
        ordering = ["municipality__department__code", "municipality__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(diagnostic_done_on__isnull=True)
                | Q(diagnostic_started_on__isnull=True)
                | Q(diagnostic_done_on__gte=F("diagnostic_started_on")),
                name="plan_diagnostic_done_after_start",
            )
        ]

    def __str__(self):
        return _("Plan de %(municipality)s") % {"municipality": self.municipality}

    def get_absolute_url(self):
        return reverse("municipalities:plan_detail", args=[self.pk])


class StageChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Propuesto")
    CONFIRMED = "confirmed", _("Confirmado")
    REJECTED = "rejected", _("Rechazado")


class PlanStageChange(models.Model):
    """Staff propose a plan stage change; a coordinator confirms (or rejects) it."""

    plan = models.ForeignKey(
        MunicipalPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("etapa anterior"), max_length=32, choices=PlanStage.choices)
    to_stage = models.CharField(_("etapa propuesta"), max_length=32, choices=PlanStage.choices)
    date = models.DateField(_("fecha del cambio"))
    note = models.TextField(_("nota"), blank=True)
    status = models.CharField(
        _("estado"), max_length=16, choices=StageChangeStatus.choices, default=StageChangeStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("propuesto por"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("propuesto el"), default=timezone.now)
    decided_by = user_reference(_("decidido por"))
    decided_at = models.DateTimeField(_("decidido el"), null=True, blank=True)

    SCOPE_OFFICE = "plan__office"
    SCOPE_DEPARTMENT = "plan__office__department"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cambio de etapa del plan")
        verbose_name_plural = _("cambios de etapa del plan")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"
