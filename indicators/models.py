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


class FigureCell(models.Model):
    """Pre-computed figures of one unit (a PESS municipality, office, department, phase or the
    whole PESS) for one standard period (month, quarter, year) and one set of review states.

    `values` holds every indicator ({key: number}, hours as decimal strings) and the sex ×
    age-group grids ({"grid:<key>": [[sex, age group, n], ...]}). Distinct people are counted
    exactly at each level (computed for the unit, never summed from the level below). Written
    only by `indicators.cells`; read by `indicators.figures` when a request matches a cell.
    A row with level "built" marks that the cells are complete (set by `rebuild_figures`).
    """

    period = models.CharField(max_length=8)  # month | quarter | year ("" for the built marker)
    start = models.DateField(null=True)
    level = models.CharField(max_length=16)  # municipality | office | department | phase | national | built
    unit = models.PositiveIntegerField(default=0)  # the unit's id (phase number; 0 for national)
    bucket = models.CharField(max_length=24)  # approved | submitted | approved_submitted
    values = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "start", "level", "unit", "bucket"], name="figure_cell_unique")
        ]

    def __str__(self):
        return f"{self.level} {self.unit} {self.period} {self.start} {self.bucket}"


class StaleFigures(models.Model):
    """A change that pre-computed figures do not include yet: written in the same transaction as
    the change, removed by the refresh job once the cells it touches are computed again. While a
    row exists, figures that depend on it are computed live, so no page ever shows stale cells."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    # Approved records changed (or may have): official figures too, not only pending ones.
    official = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["municipality", "date"], name="stale_figures_muni_date")]

    def __str__(self):
        return f"{self.municipality_id} {self.date}"
