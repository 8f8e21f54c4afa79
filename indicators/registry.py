"""The one registry of indicator definitions: key, label, unit, disaggregation and source records.

The keys and their meaning are defined here. Where each figure comes from is registered by the
app that owns the records (`workshops/indicators.py`, `mobile_windows/indicators.py`,
`municipalities/indicators.py`, called from their AppConfig.ready), so this layer never imports
the field-record apps above it.
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorKey(models.TextChoices):
    WORKSHOPS_HELD = "workshops_held", _("Talleres realizados")
    TRAINING_HOURS = "training_hours", _("Horas de formación")
    ATTENDANCES = "attendances", _("Asistencias a talleres")
    PARTICIPANTS = "participants", _("Participantes únicos")
    PARTICIPANTS_WOMEN = "participants_women", _("Participantes únicas: mujeres")
    PARTICIPANTS_MEN = "participants_men", _("Participantes únicos: hombres")
    WINDOW_SESSIONS = "window_sessions", _("Jornadas de ventanilla móvil")
    PEOPLE_REACHED = "people_reached", _("Personas alcanzadas")
    PEOPLE_REACHED_WOMEN = "people_reached_women", _("Personas alcanzadas: mujeres")
    PEOPLE_REACHED_MEN = "people_reached_men", _("Personas alcanzadas: hombres")
    SCHOOLS_COVERED = "schools_covered", _("Centros escolares cubiertos")
    ASSISTANCE_ACTIONS = "assistance_actions", _("Acciones de asistencia técnica")
    INSTITUTIONS_ASSISTED = "institutions_assisted", _("Instituciones asistidas")
    TABLE_MEETINGS = "table_meetings", _("Reuniones de mesas temáticas")


class Unit(models.TextChoices):
    COUNT = "count", _("número")
    HOURS = "hours", _("horas")
    PEOPLE = "people", _("personas")


@dataclass(frozen=True)
class Source:
    """Where an indicator comes from: records, their municipality path, date path and aggregate.

    `sex_path` / `age_path` lead from a record to the sex and age group of the people it counts
    (set for the indicators that have a sex × age-group grid).
    """

    model: type[models.Model]
    municipality_path: str
    date_path: str
    aggregate: str  # "count" | "sum:<field>" | "distinct:<field>"
    filters: tuple = ()
    sex_path: str | None = None
    age_path: str | None = None

    @property
    def office_path(self) -> str:
        """The office that holds the record (the scoping path every scoped model declares)."""
        return self.model.SCOPE_OFFICE

    def admin_lookups(self) -> set[str]:
        """Changelist lookups that link a figure to its records."""
        lookups = {f"{self.municipality_path}__id__exact", f"{self.date_path}__gte", f"{self.date_path}__lte"}
        return lookups | {f"{path}__exact" for path, _value in self.filters}


@dataclass(frozen=True)
class Indicator:
    key: str
    unit: str
    disaggregated: bool = False  # has a sex × age-group grid
    sources: list = field(default_factory=list)

    @property
    def label(self):
        return IndicatorKey(self.key).label


UNITS = {IndicatorKey.TRAINING_HOURS: Unit.HOURS}
DISAGGREGATED = {IndicatorKey.PARTICIPANTS, IndicatorKey.PEOPLE_REACHED}

_sources: dict[str, Source] = {}


def register(key: str, src: Source) -> None:
    """Called by the app that owns the records, once, from its AppConfig.ready()."""
    _sources[IndicatorKey(key)] = src


def source(key: str) -> Source:
    try:
        return _sources[key]
    except KeyError:
        raise LookupError(f"no source registered for indicator {key!r}") from None


def unit(key: str) -> str:
    return UNITS.get(key, Unit.COUNT)


def is_disaggregated(key: str) -> bool:
    return key in DISAGGREGATED


def lookups_for(model) -> set[str]:
    """Admin changelist lookups that link any figure to `model`'s records."""
    allowed: set[str] = set()
    for src in _sources.values():
        if src.model is model:
            allowed |= src.admin_lookups()
    return allowed
