from django.db import models
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.querysets import related_aggregate
from core.scoping import ScopedManager, ScopedQuerySet
from indicators.disaggregation import AgeGroup, Sex
from review.models import ReviewableModel


class School(models.Model):
    """A prioritised school (centro escolar) identified by its MINED code."""

    mined_code = models.CharField(_("código MINED"), max_length=10, unique=True)
    name = models.CharField(_("nombre"), max_length=200)
    municipality = models.ForeignKey(
        "geography.Municipality", verbose_name=_("municipio"), on_delete=models.PROTECT, related_name="schools"
    )
    address = models.CharField(_("dirección"), max_length=255, blank=True)
    prioritised = models.BooleanField(_("priorizado PESS"), default=True)

    SCOPE_OFFICE = None
    SCOPE_DEPARTMENT = "municipality__department"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("centro escolar")
        verbose_name_plural = _("centros escolares")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.mined_code})"


class WindowStatus(models.TextChoices):
    PLANNED = "planned", _("Programada")
    ACTIVE = "active", _("Instalada")
    REMOVED = "removed", _("Retirada")


class MobileWindowQuerySet(ScopedQuerySet):
    def with_totals(self):
        """Sessions and people per window as correlated subqueries: no GROUP BY over the whole list,
        so the paginator's COUNT stays cheap (Django drops unused subquery annotations from it)."""
        return self.annotate(
            session_count=related_aggregate(WindowSession.objects.all(), "window"),
            people=related_aggregate(ReachCount.objects.all(), "session__window", Sum("count")),
        )


class MobileWindow(ReviewableModel):
    """A mobile rights-dissemination window installed at a school (or another site)."""

    PERIOD_DATE_FIELD = "installed_on"

    school = models.ForeignKey(
        School,
        verbose_name=_("centro escolar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="windows",
    )
    site_name = models.CharField(_("otro lugar"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        "geography.Municipality", verbose_name=_("municipio"), on_delete=models.PROTECT, related_name="windows"
    )
    office = models.ForeignKey(
        "geography.TerritorialOffice", verbose_name=_("oficina"), on_delete=models.PROTECT, related_name="windows"
    )
    installed_on = models.DateField(_("instalada el"))
    removed_on = models.DateField(_("retirada el"), null=True, blank=True)
    status = models.CharField(_("estado"), max_length=16, choices=WindowStatus.choices, default=WindowStatus.ACTIVE)

    SCOPE_OFFICE = "office"
    SCOPE_DEPARTMENT = "office__department"
    objects = ScopedManager.from_queryset(MobileWindowQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ventanilla móvil")
        verbose_name_plural = _("ventanillas móviles")
        ordering = ["-installed_on", "-pk"]
        indexes = [models.Index(fields=["office", "installed_on"]), models.Index(fields=["municipality"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=F("installed_on")),
                name="window_removed_after_installed",
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=False) | ~Q(site_name=""), name="window_has_school_or_site"
            ),
        ]

    def __str__(self):
        return str(self.school.name if self.school_id else self.site_name)

    def get_absolute_url(self):
        return reverse("mobile_windows:window_detail", args=[self.pk])


class WindowSessionQuerySet(ScopedQuerySet):
    def in_period(self, start, end):
        return self.filter(date__gte=start, date__lte=end)

    def with_people(self):
        """People reached per session, summed in the database (one subquery each, no per-row query)."""
        cells = ReachCount.objects.all()
        return self.annotate(
            people=related_aggregate(cells, "session", Sum("count")),
            women=related_aggregate(cells.filter(sex=Sex.FEMALE), "session", Sum("count")),
            men=related_aggregate(cells.filter(sex=Sex.MALE), "session", Sum("count")),
        )


class WindowSession(ReviewableModel):
    """A day of activity at a window. People reached are counts (ReachCount), never names."""

    MUNICIPALITY_FIELD = "window__municipality"

    window = models.ForeignKey(
        MobileWindow, verbose_name=_("ventanilla"), on_delete=models.PROTECT, related_name="sessions"
    )
    date = models.DateField(_("fecha"))
    hours = models.DecimalField(_("horas"), max_digits=4, decimal_places=1)
    topic_leiv_rights = models.BooleanField(_("derechos de la LEIV"), default=False)
    topic_violence_types = models.BooleanField(_("tipos de violencia"), default=False)
    topic_where_to_seek_help = models.BooleanField(_("dónde buscar ayuda"), default=False)
    topic_other = models.CharField(_("otros temas"), max_length=200, blank=True)
    materials_handed_out = models.PositiveIntegerField(_("materiales entregados"), default=0)
    referrals = models.PositiveIntegerField(_("referencias realizadas"), default=0)
    notes = models.TextField(_("observaciones"), blank=True)

    SCOPE_OFFICE = "window__office"
    SCOPE_DEPARTMENT = "window__office__department"
    objects = ScopedManager.from_queryset(WindowSessionQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("jornada de ventanilla")
        verbose_name_plural = _("jornadas de ventanilla")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["window", "date"]), models.Index(fields=["date"])]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=0), name="session_hours_not_negative"),
            models.CheckConstraint(condition=Q(materials_handed_out__gte=0), name="session_materials_not_negative"),
            models.CheckConstraint(condition=Q(referrals__gte=0), name="session_referrals_not_negative"),
        ]

    def __str__(self):
        return f"{self.window} — {self.date:%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("mobile_windows:session_detail", args=[self.pk])


class ReachCount(models.Model):
    """People reached in a session, one cell of the sex × age-group grid."""

    session = models.ForeignKey(
        WindowSession, verbose_name=_("jornada"), on_delete=models.CASCADE, related_name="reach_counts"
    )
    sex = models.CharField(_("sexo"), max_length=1, choices=Sex.choices)
    age_group = models.CharField(_("grupo de edad"), max_length=8, choices=AgeGroup.choices)
    count = models.PositiveIntegerField(_("personas"))

    SCOPE_OFFICE = "session__window__office"
    SCOPE_DEPARTMENT = "session__window__office__department"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("personas alcanzadas")
        verbose_name_plural = _("personas alcanzadas")
        ordering = ["session", "sex", "age_group"]
        constraints = [
            models.UniqueConstraint(fields=["session", "sex", "age_group"], name="reach_count_one_cell"),
            models.CheckConstraint(condition=Q(count__gte=0), name="reach_count_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_sex_display()} {self.get_age_group_display()}: {self.count}"
