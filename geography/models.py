from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import ScopedManager, ScopedQuerySet


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


class InstitutionKind(models.TextChoices):
    GOVERNMENT = "government", _("Gubernamental")
    MUNICIPAL = "municipal", _("Municipal")
    SCHOOL = "school", _("Centro escolar")
    NGO = "ngo", _("ONG / sociedad civil")
    COMMUNITY = "community", _("Organización comunitaria")
    DEPARTMENTAL = "departmental", _("Departamental (atiende todo el departamento)")
    NATIONAL = "national", _("Nacional (atiende todo el país)")
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
        from core.text import normalize_name

        # The search key is derived data: keep it in step with the name on every save.
        self.search_name = normalize_name(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("municipalities:institution_detail", args=[self.pk])
