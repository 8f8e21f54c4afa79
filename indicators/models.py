from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import ScopedManager
from geography.models import Municipality, TerritorialOffice
from indicators.registry import IndicatorKey


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


class MunicipalProgress(Municipality):
    """The admin's progress view of a PESS municipality (indicators against targets); no table of its own."""

    class Meta:
        proxy = True
        verbose_name = _("avance municipal")
        verbose_name_plural = _("avance municipal")
