from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pess_tracker.indicators import IndicatorKey
from pess_tracker.review import ReviewableModel
from pess_tracker.scoping import ScopedManager, ScopedQuerySet


class Department(models.Model):
    code = models.CharField(_("código DIGESTYC"), max_length=2, unique=True)
    iso_code = models.CharField(_("código ISO 3166-2"), max_length=5, unique=True)
    name = models.CharField(_("nombre"), max_length=64)
    zone = models.CharField(_("zona"), max_length=16, blank=True)

    SCOPE_OFFICE = None
    SCOPE_DEPARTMENT = "pk"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("departamento")
        verbose_name_plural = _("departamentos")
        ordering = ["code"]

    def __str__(self):
        return self.name


class MunicipalityQuerySet(ScopedQuerySet):
    def pess(self):
        """The PESS-prioritised municipalities (the default for pages and reports)."""
        return self.filter(pess_phase__isnull=False)


class PessPhase(models.IntegerChoices):
    ONE = 1, _("Fase 1")
    TWO = 2, _("Fase 2")
    THREE = 3, _("Fase 3")


class Municipality(models.Model):
    """A municipality as it was before the 2024 reform (a district since 1 May 2024)."""

    department = models.ForeignKey(
        Department, verbose_name=_("departamento"), on_delete=models.PROTECT, related_name="municipalities"
    )
    code = models.CharField(_("código oficial"), max_length=4, unique=True)
    name = models.CharField(_("nombre"), max_length=80)
    municipality_2024 = models.CharField(
        _("municipio desde 2024"),
        max_length=80,
        blank=True,
        help_text=_("Municipio al que pertenece como distrito según el Decreto Legislativo 762."),
    )
    pess_phase = models.PositiveSmallIntegerField(
        _("fase PESS"), choices=PessPhase.choices, null=True, blank=True, db_index=True
    )
    pess_entry_date = models.DateField(_("fecha de ingreso al PESS"), null=True, blank=True)

    SCOPE_OFFICE = None
    SCOPE_DEPARTMENT = "department"
    objects = ScopedManager.from_queryset(MunicipalityQuerySet)()

    class Meta:
        verbose_name = _("municipio")
        verbose_name_plural = _("municipios")
        ordering = ["department__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pess_phase__isnull=True) | Q(pess_phase__in=[1, 2, 3]),
                name="municipality_pess_phase_valid",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("municipalities:municipality_detail", args=[self.pk])

    @property
    def is_pess(self) -> bool:
        return self.pess_phase is not None


class TerritorialOffice(models.Model):
    """An ISDEMU departmental office; every staff member belongs to one."""

    department = models.ForeignKey(
        Department, verbose_name=_("departamento"), on_delete=models.PROTECT, related_name="offices"
    )
    code = models.CharField(
        _("código"), max_length=16, unique=True, help_text=_("Clave estable usada al cargar datos de referencia.")
    )
    name = models.CharField(_("nombre"), max_length=160)
    address = models.CharField(_("dirección"), max_length=255, blank=True)
    phone = models.CharField(_("teléfono"), max_length=32, blank=True)
    email = models.EmailField(_("correo electrónico"), blank=True)
    named_in_source = models.BooleanField(_("nombrada en el documento fuente"), default=False)

    SCOPE_OFFICE = "pk"
    SCOPE_DEPARTMENT = "department"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("oficina territorial")
        verbose_name_plural = _("oficinas territoriales")
        ordering = ["department__code", "name"]

    def __str__(self):
        return self.name


class ThematicTable(models.Model):
    """A PESS thematic table (mesa temática) on which ISDEMU sits."""

    code = models.CharField(_("código"), max_length=64, unique=True)
    name = models.CharField(_("nombre"), max_length=160)

    class Meta:
        verbose_name = _("mesa temática")
        verbose_name_plural = _("mesas temáticas")
        ordering = ["name"]

    def __str__(self):
        return self.name


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


class InstitutionKind(models.TextChoices):
    GOVERNMENT = "government", _("Gubernamental")
    MUNICIPAL = "municipal", _("Municipal")
    SCHOOL = "school", _("Centro escolar")
    NGO = "ngo", _("ONG / sociedad civil")
    COMMUNITY = "community", _("Organización comunitaria")
    OTHER = "other", _("Otra")


class Institution(models.Model):
    """Where participants come from and who receives technical assistance (a shared registry)."""

    name = models.CharField(_("nombre"), max_length=200)
    search_name = models.CharField(max_length=200, editable=False, db_index=True)
    kind = models.CharField(_("tipo"), max_length=16, choices=InstitutionKind.choices, default=InstitutionKind.OTHER)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipio"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="institutions",
    )
    created_at = models.DateTimeField(_("creado el"), default=timezone.now, editable=False)

    # A registry shared by all offices: everyone signed in may read it.
    SCOPE_OFFICE = None
    SCOPE_DEPARTMENT = None
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("institución")
        verbose_name_plural = _("instituciones")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["search_name", "municipality"], name="institution_unique_name_per_municipality"
            )
        ]

    def __str__(self):
        return self.name if not self.municipality_id else f"{self.name} ({self.municipality})"

    def save(self, *args, **kwargs):
        from pess_tracker.text import normalize_name

        # The search key is derived data: keep it in step with the name on every save.
        self.search_name = normalize_name(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("municipalities:institution_detail", args=[self.pk])


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
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decidido por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
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


class Target(models.Model):
    """A yearly planned value for an indicator, for a municipality or for an office."""

    year = models.PositiveSmallIntegerField(_("año"))
    indicator = models.CharField(_("indicador"), max_length=32, choices=IndicatorKey.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipio"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
    )
    office = models.ForeignKey(
        TerritorialOffice,
        verbose_name=_("oficina"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
    )
    value = models.DecimalField(_("meta"), max_digits=12, decimal_places=1)

    SCOPE_OFFICE = None
    SCOPE_DEPARTMENT = None  # targets are plans, not personal data: everyone signed in may read them
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("meta")
        verbose_name_plural = _("metas")
        ordering = ["-year", "indicator"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
            models.CheckConstraint(
                condition=(Q(municipality__isnull=False) & Q(office__isnull=True))
                | (Q(municipality__isnull=True) & Q(office__isnull=False)),
                name="target_municipality_xor_office",
            ),
            models.UniqueConstraint(
                fields=["year", "indicator", "municipality"],
                condition=Q(municipality__isnull=False),
                name="target_unique_per_municipality",
            ),
            models.UniqueConstraint(
                fields=["year", "indicator", "office"],
                condition=Q(office__isnull=False),
                name="target_unique_per_office",
            ),
        ]
        indexes = [models.Index(fields=["year", "indicator"])]

    def __str__(self):
        return f"{self.get_indicator_display()} {self.year}: {self.value}"


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
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reabierto por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
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
        return reverse("admin:municipalities_periodclosure_change", args=[self.pk])


class MunicipalProgress(Municipality):
    """The admin's progress view of a PESS municipality (indicators against targets); no table of its own."""

    class Meta:
        proxy = True
        verbose_name = _("avance municipal")
        verbose_name_plural = _("avance municipal")
