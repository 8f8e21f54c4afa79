"""The one registry of indicator definitions: key, labels, unit, line of work, target, parts and sources.

The keys and their meaning are defined here. Where each figure comes from is registered by the
app that owns the records (`workshops/indicators.py`, `mobile_windows/indicators.py`,
`municipalities/indicators.py`, called from their AppConfig.ready), so this layer never imports
the field-record apps above it.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorKey(models.TextChoices):
    WORKSHOPS_HELD = "workshops_held", _("Talleres realizados")
    TRAINING_HOURS = "training_hours", _("Horas de formación")
    ATTENDANCES = "attendances", _("Asistencias a talleres")
    PARTICIPANTS = "participants", _("Participantes únicos")
    PARTICIPANTS_WOMEN = "participants_women", _("Participantes únicas: mujeres")
    PARTICIPANTS_MEN = "participants_men", _("Participantes únicos: hombres")
    PARTICIPANTS_SEX_UNKNOWN = "participants_sex_unknown", _("Participantes únicos: sexo no registrado")
    WINDOW_SESSIONS = "window_sessions", _("Jornadas de ventanilla móvil")
    PEOPLE_REACHED = "people_reached", _("Personas alcanzadas")
    PEOPLE_REACHED_WOMEN = "people_reached_women", _("Personas alcanzadas: mujeres")
    PEOPLE_REACHED_MEN = "people_reached_men", _("Personas alcanzadas: hombres")
    PEOPLE_REACHED_SEX_UNKNOWN = "people_reached_sex_unknown", _("Personas alcanzadas: sexo no registrado")
    SCHOOLS_COVERED = "schools_covered", _("Centros escolares cubiertos")
    ASSISTANCE_ACTIONS = "assistance_actions", _("Acciones de asistencia técnica")
    INSTITUTIONS_ASSISTED = "institutions_assisted", _("Instituciones asistidas")
    TABLE_MEETINGS = "table_meetings", _("Reuniones de mesas temáticas")


class Review(models.TextChoices):
    """Which records a figure counts. Official figures count approved records only; what is
    still pending review (submitted) is shown beside them, never inside. Drafts and returned
    records count nowhere."""

    OFFICIAL = "aprobados", _("Solo aprobados")
    WITH_PENDING = "con_pendientes", _("Incluir pendientes de revisión")
    PENDING = "pendientes", _("Solo pendientes de revisión")

    @property
    def states(self) -> tuple[str, ...]:
        return {
            Review.OFFICIAL: ("approved",),
            Review.WITH_PENDING: ("approved", "submitted"),
            Review.PENDING: ("submitted",),
        }[self]

    @classmethod
    def page_choices(cls) -> list[tuple[str, str]]:
        """The two options a page offers (pending alone is shown beside each figure instead)."""
        return [(cls.OFFICIAL.value, cls.OFFICIAL.label), (cls.WITH_PENDING.value, cls.WITH_PENDING.label)]

    @classmethod
    def from_params(cls, params, name: str = "revision") -> "Review":
        """The option chosen on a page (GET parameter `revision`); official unless asked otherwise."""
        value = params.get(name, "") if params is not None else ""
        return cls(value) if value in (cls.OFFICIAL, cls.WITH_PENDING) else cls.OFFICIAL


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
    # "count" | "count:<non-null field>" (the same number, readable from an index that covers the
    # field) | "sum:<field>" | "distinct:<field>"
    aggregate: str
    filters: tuple = ()
    sex_path: str | None = None
    age_path: str | None = None
    review_path: str = "review_state"  # path to the review state of the record that is reviewed

    @property
    def distinct(self) -> bool:
        """Counts distinct people, schools or institutions (not additive across rows)."""
        return self.aggregate.startswith("distinct:")

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
    """What an indicator is, whatever page shows it.

    - `short_label`: the column header where space is short (progress table, monthly table).
    - `line`: the line of work it measures (workshops, windows, assistance, tables).
    - `has_target`: yearly targets are set for it; it counts towards a municipality's progress.
    - `part_of`: the total it is the women's or men's part of (women first, as declared).
    - `summary`: one of the figures that describe a municipality (not a part, not attendances).
    - `headline`: one of the few figures of the municipality index.
    - `disaggregated`: has a sex × age-group grid.
    """

    key: str
    short_label: str
    line: str
    unit: str = Unit.COUNT
    has_target: bool = False
    part_of: str | None = None
    summary: bool = True
    headline: bool = False
    disaggregated: bool = False

    @property
    def label(self):
        return IndicatorKey(self.key).label

    @property
    def is_decimal(self) -> bool:
        """Its values are decimals (hours), not whole counts."""
        return self.unit == Unit.HOURS

    @property
    def tracked(self) -> bool:
        """It has a target, or is a part of one that has (the columns of the progress pages)."""
        return self.has_target or (self.part_of is not None and INDICATORS[self.part_of].has_target)


K = IndicatorKey
WORKSHOPS, WINDOWS, ASSISTANCE, TABLES = "workshops", "windows", "assistance", "tables"
# In display order: every list of indicators follows this order.
INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in (
        Indicator(K.WORKSHOPS_HELD, _("Talleres"), WORKSHOPS, has_target=True, headline=True),
        Indicator(K.TRAINING_HOURS, _("Horas"), WORKSHOPS, unit=Unit.HOURS, has_target=True),
        Indicator(K.ATTENDANCES, _("Asistencias"), WORKSHOPS, summary=False),
        Indicator(K.PARTICIPANTS, _("Participantes"), WORKSHOPS, has_target=True, disaggregated=True),
        Indicator(K.PARTICIPANTS_WOMEN, _("Part. mujeres"), WORKSHOPS, part_of=K.PARTICIPANTS, summary=False),
        Indicator(K.PARTICIPANTS_MEN, _("Part. hombres"), WORKSHOPS, part_of=K.PARTICIPANTS, summary=False),
        Indicator(K.PARTICIPANTS_SEX_UNKNOWN, _("Part. sin sexo"), WORKSHOPS, part_of=K.PARTICIPANTS, summary=False),
        Indicator(K.WINDOW_SESSIONS, _("Jornadas"), WINDOWS, has_target=True, headline=True),
        Indicator(K.PEOPLE_REACHED, _("Alcanzadas"), WINDOWS, has_target=True, headline=True, disaggregated=True),
        Indicator(K.PEOPLE_REACHED_WOMEN, _("Alc. mujeres"), WINDOWS, part_of=K.PEOPLE_REACHED, summary=False),
        Indicator(K.PEOPLE_REACHED_MEN, _("Alc. hombres"), WINDOWS, part_of=K.PEOPLE_REACHED, summary=False),
        Indicator(K.PEOPLE_REACHED_SEX_UNKNOWN, _("Alc. sin sexo"), WINDOWS, part_of=K.PEOPLE_REACHED, summary=False),
        Indicator(K.SCHOOLS_COVERED, _("Centros escolares"), WINDOWS),
        Indicator(K.ASSISTANCE_ACTIONS, _("Asist. técnicas"), ASSISTANCE, has_target=True, headline=True),
        Indicator(K.INSTITUTIONS_ASSISTED, _("Instituciones"), ASSISTANCE),
        Indicator(K.TABLE_MEETINGS, _("Reuniones"), TABLES, has_target=True, headline=True),
    )
}
assert list(INDICATORS) == list(IndicatorKey.values), "one definition per key, in the keys' order"


def indicator(key: str) -> Indicator:
    return INDICATORS[key]


def keys(attribute: str | None = None, **equal) -> list[str]:
    """The keys, in display order, whose `attribute` is true and whose other attributes equal `equal`.

    keys("has_target"), keys("tracked"), keys(line="windows"): a page names the subset it shows.
    """
    return [
        key
        for key, i in INDICATORS.items()
        if (attribute is None or getattr(i, attribute)) and all(getattr(i, k) == v for k, v in equal.items())
    ]


def parts(key: str) -> list[str]:
    """The women's, men's and sex-not-recorded parts of a total (in that order; they add up to it),
    or [] when it has none."""
    return keys(part_of=key)


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
    return INDICATORS[key].unit


def is_decimal(key: str) -> bool:
    return INDICATORS[key].is_decimal


def is_disaggregated(key: str) -> bool:
    return INDICATORS[key].disaggregated


def lookups_for(model) -> set[str]:
    """Admin changelist lookups that link any figure to `model`'s records."""
    allowed: set[str] = set()
    for src in _sources.values():
        if src.model is model:
            allowed |= src.admin_lookups()
    return allowed
