"""Export jobs: one row per file a user asked for, with its real progress and where the file is.

The job itself runs through Django's Tasks API (`reports/tasks.py`); `task_id` is the id of the
task result in whichever backend TASKS names. Everything a page or the API shows comes from this
row: state, rows done of total, size, expiry. Files live under `settings.EXPORT_ROOT` (never a
public URL) and are served only by `reports.views_downloads.download`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportState(models.TextChoices):
    QUEUED = "queued", _("En cola")
    RUNNING = "running", _("En curso")
    COMPLETED = "completed", _("Lista")
    FAILED = "failed", _("Fallida")
    CANCELLED = "cancelled", _("Cancelada")
    EXPIRED = "expired", _("Vencida")


ACTIVE_STATES = (ExportState.QUEUED, ExportState.RUNNING)


class ExportJobQuerySet(models.QuerySet):
    def of(self, user):
        """The exports `user` asked for, newest first."""
        return self.filter(owner=user).order_by("-created_at", "-pk")

    def active(self):
        return self.filter(state__in=ACTIVE_STATES)

    def expired(self, now):
        return self.filter(expires_at__lte=now).exclude(state=ExportState.EXPIRED)


class ExportJob(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("usuario"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("contenido"), max_length=32)
    fmt = models.CharField(_("formato"), max_length=8)
    filters = models.JSONField(_("filtros"), default=dict, blank=True)
    description = models.CharField(_("descripción"), max_length=300, blank=True)
    state = models.CharField(_("estado"), max_length=12, choices=ExportState.choices, default=ExportState.QUEUED)
    task_id = models.CharField(_("id de la tarea"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    rows_done = models.PositiveBigIntegerField(_("filas escritas"), default=0)
    rows_total = models.PositiveBigIntegerField(_("filas en total"), null=True, blank=True)
    file_name = models.CharField(_("archivo"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("tamaño"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("solicitada"), auto_now_add=True)
    started_at = models.DateTimeField(_("iniciada"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("último avance"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminada"), null=True, blank=True)
    expires_at = models.DateTimeField(_("vence"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("exportación")
        verbose_name_plural = _("exportaciones")
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["state"])]

    def __str__(self):
        return f"{self.kind}.{self.fmt} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def export_name(self) -> str:
        """The short name used in security events, as the direct exports use: `attendance_xlsx`."""
        return f"{self.kind}_{self.fmt}"

    @property
    def percent(self) -> int:
        if self.state == ExportState.COMPLETED:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(100 * self.rows_done / self.rows_total))

    @property
    def download_name(self) -> str:
        stem = self.kind.replace("_", "-")
        stamp = self.created_at.strftime("%Y%m%d") if self.created_at else ""
        return f"pess-{stem}-{stamp}-{self.pk}.{self.fmt}"


class PackFormat(models.TextChoices):
    XLSX = "xlsx", _("XLSX (hoja de cálculo)")
    CSV = "csv", _("CSV (texto separado por comas)")


class PackSubscription(models.Model):
    """A coordinator's or manager's subscription to the monthly report pack of their scope.

    `since` is when it was (last) switched on: the first pack is the one of the month it falls
    in, built on the 1st of the next month."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("usuario"), on_delete=models.CASCADE, related_name="pack_subscription"
    )
    active = models.BooleanField(_("activa"), default=True)
    table_format = models.CharField(
        _("formato de las cifras"), max_length=8, choices=PackFormat.choices, default=PackFormat.XLSX
    )
    since = models.DateTimeField(_("desde"))
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        verbose_name = _("suscripción al paquete mensual")
        verbose_name_plural = _("suscripciones al paquete mensual")

    def __str__(self):
        return f"{self.user} ({'activa' if self.active else 'inactiva'})"


class MonthlyPack(models.Model):
    """One pack of one subscription for one month: at most one, whatever the number of workers
    or restarts (the unique constraint is the scheduler's lock). The file is an ExportJob's."""

    subscription = models.ForeignKey(
        PackSubscription, verbose_name=_("suscripción"), on_delete=models.CASCADE, related_name="packs"
    )
    month = models.DateField(_("mes"))  # first day of the month the pack covers
    job = models.OneToOneField(
        ExportJob, verbose_name=_("archivo"), on_delete=models.SET_NULL, null=True, blank=True, related_name="pack"
    )
    emailed_at = models.DateTimeField(_("correo enviado"), null=True, blank=True)
    email_to = models.CharField(_("enviado a"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("paquete mensual")
        verbose_name_plural = _("paquetes mensuales")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "month"], name="one_pack_per_subscription_and_month")
        ]

    def __str__(self):
        return f"{self.subscription.user} {self.month:%m/%Y}"
