"""The public transparency page's figures (/transparencia/): official figures only, for everyone.

    public_figures(year)      # cached: {"year", "computed_at", "national", "departments": [...]}
    public_years()            # the years the page offers: this year and the previous one
    compute(year)             # the same, computed now (the cache calls it)

It runs outside any user's scope: the figures are computed inside `scopes_disabled()` here, for
the PESS municipalities, counting approved records only (`Review.OFFICIAL`: nothing submitted,
nothing draft or returned). People counts (participants, people reached and their women / men /
no registrado parts) go through `reports.disclosure`: 0–4 is "<5", complementary cells are
reserved, and a hidden value is never stored here (only its status), so not even the cache holds
it. Counts of events (workshops, window sessions, technical assistance, table meetings) are shown
as they are: they count activities, not people. Nothing names a person or an institution.

The result is plain data (and the map, an activity count by municipality: `MAP_KEY`) kept in
Django's cache under a key that depends on the year and the language only (never on a user), for
PUBLIC_FIGURES_CACHE_SECONDS (10 minutes by default).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.scoping import scopes_disabled
from geography.models import Department, Municipality
from indicators import figures as indicators
from indicators import maps, periods, registry
from indicators.registry import IndicatorKey as K
from indicators.registry import Review
from reports import disclosure

CACHE_VERSION = 1
STALE_FACTOR = 6  # figures stay in the cache this many times their freshness, to be served while refreshed
# Indicators of people, each with its women's, men's and sex-not-recorded parts (registry order).
PEOPLE_KEYS = (K.PARTICIPANTS, K.PEOPLE_REACHED)
# Headline counts of activities (not of people): shown without suppression.
EVENT_KEYS = tuple(key for key in registry.keys("headline") if key not in PEOPLE_KEYS)
# The map shows an activity count: its classes and table give exact figures per municipality,
# which a people count must not (its small cells are protected).
MAP_KEY = K.WORKSHOPS_HELD
PART_NAMES = ("women", "men", "unknown")


def public_years(today=None) -> list[int]:
    year = (today or periods.today()).year
    return [year, year - 1]


def cache_key(year: int) -> str:
    """The year's key: the same for every visitor (signed in or not); per language, because the
    map's title and legend are words."""
    return f"pess:public-figures:v{CACHE_VERSION}:{year}:{translation.get_language() or settings.LANGUAGE_CODE}"


def public_figures(year: int) -> dict:
    """The page's figures for `year` (one of `public_years()`), from the cache when fresh.

    Figures older than PUBLIC_FIGURES_CACHE_SECONDS are computed again by one request (a lock
    in the cache) while the others keep serving the previous ones, whose date the page shows:
    a busy public page never computes the national figures many times at once. Only when
    nothing is cached at all does every request wait for the computation.
    """
    key = cache_key(year)
    fresh_for = settings.PUBLIC_FIGURES_CACHE_SECONDS
    data = cache.get(key)
    if data is not None:
        if timezone.now() - data["computed_at"] < datetime.timedelta(seconds=fresh_for):
            return data
        if not cache.add(f"{key}:refreshing", 1, timeout=120):
            return data  # another request is computing them
    try:
        data = compute(year)
        cache.set(key, data, fresh_for * STALE_FACTOR)
    finally:
        cache.delete(f"{key}:refreshing")
    return data


def compute(year: int) -> dict:
    """Official figures of `year` by PESS municipality, department and for the nation, protected."""
    period = periods.year(year)
    keys = [*EVENT_KEYS, *(k for key in PEOPLE_KEYS for k in (key, *registry.parts(key)))]
    # A public page belongs to no user: the whole database is read on purpose, official figures only.
    with scopes_disabled():
        municipalities = list(
            Municipality.objects.pess().select_related("department").order_by("department__name", "name")
        )
        ids = [m.pk for m in municipalities]
        departments = {d.pk: d for d in Department.objects.filter(pk__in={m.department_id for m in municipalities})}
        args = (keys, ids, period.start, period.end)
        by_municipality = indicators.figures(*args, by="municipality", review=Review.OFFICIAL)
        by_department = indicators.figures(*args, by="department", review=Review.OFFICIAL)
        national = indicators.figures(*args, review=Review.OFFICIAL)
    zero = dict.fromkeys(keys, 0)
    rows = {("nation",): national}
    children: dict = {("nation",): []}
    for department in sorted(departments.values(), key=lambda d: d.name):
        unit = ("department", department.pk)
        rows[unit] = by_department.get(department.pk, zero)
        children[("nation",)].append(unit)
        children[unit] = []
    for municipality in municipalities:
        unit = ("municipality", municipality.pk)
        rows[unit] = by_municipality.get(municipality.pk, zero)
        children[("department", municipality.department_id)].append(unit)
    people = {key: _protected(key, rows, children) for key in PEOPLE_KEYS}

    def row(unit, name, code=""):
        return {
            "pk": unit[-1] if len(unit) > 1 else None,
            "name": name,
            "code": code,
            "events": [int(rows[unit][key] or 0) for key in EVENT_KEYS],
            "people": [people[key][unit] for key in PEOPLE_KEYS],
        }

    workshops = {m.pk: int(rows[("municipality", m.pk)][MAP_KEY] or 0) for m in municipalities}
    the_map = maps.choropleth(
        workshops,
        title=_("%(indicator)s por municipio PESS, %(year)s") % {"indicator": K(MAP_KEY).label, "year": year},
        selection=set(workshops),
        link=False,  # municipality pages need a login
        dom_id="mapa-publico",
    )
    return {
        "year": year,
        "computed_at": timezone.now(),
        "map": the_map,
        "national": row(("nation",), "El Salvador"),
        "departments": [
            {
                **row(unit, departments[unit[1]].name, departments[unit[1]].iso_code),
                "municipalities": [
                    row(child, m.name, m.code) for child, m in _municipalities_of(children[unit], municipalities)
                ],
            }
            for unit in children[("nation",)]
        ],
    }


def _municipalities_of(units, municipalities):
    by_pk = {m.pk: m for m in municipalities}
    return [(unit, by_pk[unit[1]]) for unit in units]


def _protected(key: str, rows: dict, children: dict) -> dict:
    """{unit: [cell for the total, women, men, no registrado]} of indicator `key`, each cell
    {"value": int or None, "status": shown | small | reserved}; hidden values are dropped."""
    columns = (key, *registry.parts(key))
    values = {(unit, column): int(figures[column] or 0) for unit, figures in rows.items() for column in columns}
    relations = disclosure.hierarchy(list(rows), children, columns[1:], key)
    status = disclosure.protect(values, relations)
    return {
        unit: [
            {
                "value": values[(unit, column)] if status[(unit, column)] == disclosure.SHOWN else None,
                "status": status[(unit, column)],
            }
            for column in columns
        ]
        for unit in rows
    }


def headers() -> dict:
    """Column labels of the page (indicators' own labels)."""
    return {
        "events": [registry.indicator(key).short_label for key in EVENT_KEYS],
        "people": [registry.indicator(key).label for key in PEOPLE_KEYS],
    }
