"""Pre-computed figures ("cells") for the standard periods, kept current by the services.

Every page asks `indicators.figures` for figures; when the request is for a standard period (a
calendar month, quarter or year, or a run of whole months by month) over whole units (PESS
municipalities, a department's or a phase's PESS municipalities, the whole PESS), and the user
sees everything in them, the answer is read from `FigureCell` rows instead of aggregating the
records. Anything else (a custom range, part of a department, a territorial staff member's own
office) is computed live, as is any request that a recent change touches before the cells include
it. So cells change speed, never figures.

- Levels: municipality, office, department, phase and national, each over PESS municipalities.
  Distinct counts (people, schools, institutions) are computed for each unit and period from the
  records, never summed from the level below.
- Buckets: approved (official), submitted (pending review) and both together (the "incluir
  pendientes" option), each computed on its own, since distinct counts do not add up.
- Freshness: every service that changes what a figure counts (a review transition, an edit of a
  counted record, attendance added to or removed from a counted workshop, a merge of people)
  calls `mark_stale` in its own transaction. That writes a `StaleFigures` row and queues the
  `refresh_figures` task; until the task has recomputed the cells the row touches, figures over
  that municipality and date are computed live.
- `rebuild` recomputes everything from scratch and reports the cells that differed.
- `batched()`: within it (one page being built), reads of the same level and period share one
  query, which fetches every unit and bucket of that level once.
"""

import calendar
import contextlib
import contextvars
import datetime
import weakref
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, Q, QuerySet
from django.utils import timezone

from geography.models import Municipality, TerritorialOffice
from indicators.models import FigureCell, StaleFigures
from indicators.registry import IndicatorKey, Review, is_decimal, source
from indicators.registry import keys as indicator_keys

BUCKETS: dict[str, tuple[str, ...]] = {
    "approved": Review.OFFICIAL.states,
    "submitted": Review.PENDING.states,
    "approved_submitted": Review.WITH_PENDING.states,
}
BUCKET_OF_STATES = {tuple(sorted(states)): name for name, states in BUCKETS.items()}
LEVELS = ("municipality", "office", "department", "phase", "national")
KINDS = ("month", "quarter", "year")
BUILT = "built"  # the level of the marker row: cells are complete


# --- Periods ---------------------------------------------------------------------------------


def _last_day(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_of(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The month, quarter or year that contains `day`: (first day, last day)."""
    if kind == "month":
        return day.replace(day=1), _last_day(day.year, day.month)
    if kind == "quarter":
        first = 3 * ((day.month - 1) // 3) + 1
        return datetime.date(day.year, first, 1), _last_day(day.year, first + 2)
    return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)


def standard_kind(start, end) -> str | None:
    """ "month", "quarter" or "year" when [start, end] is exactly one; None otherwise."""
    if start is None or end is None:
        return None
    for kind in KINDS:
        if period_of(kind, start) == (start, end):
            return kind
    return None


def _months(start, end) -> list[datetime.date] | None:
    """The first days of the months [start, end] covers, when it is a run of whole months."""
    if start is None or end is None or start.day != 1 or end != _last_day(end.year, end.month) or end < start:
        return None
    months, day = [], start
    while day <= end:
        months.append(day)
        day = _last_day(day.year, day.month) + datetime.timedelta(days=1)
    return months


# --- Units -----------------------------------------------------------------------------------


class _Geography:
    """The PESS municipalities with their department and phase, and the offices (reference data,
    read through the base managers: which units exist is not anyone's personal data)."""

    def __init__(self, selected=None):
        """`selected`: a queryset of municipalities to resolve in the same query (`self.selected`)."""
        rows = Municipality._base_manager.values_list("pk", "department_id", "pess_phase")
        if selected is not None:
            rows = rows.annotate(chosen=Q(pk__in=selected.values("pk")))
        rows = list(rows)
        self.department = {row[0]: row[1] for row in rows if row[2] is not None}
        self.phase = {row[0]: row[2] for row in rows if row[2] is not None}
        self.selected = [row[0] for row in rows if row[3]] if selected is not None else None
        self._offices = None

    def offices_of(self, departments) -> dict[int, int]:
        if self._offices is None:
            self._offices = dict(TerritorialOffice._base_manager.values_list("pk", "department_id"))
        return {pk: d for pk, d in self._offices.items() if d in departments}

    def members(self, level: str, unit: int) -> set[int]:
        """The PESS municipalities whose records a unit counts (an office: its department's)."""
        if level == "municipality":
            return {unit} if unit in self.department else set()
        if level == "department":
            return {m for m, d in self.department.items() if d == unit}
        if level == "office":
            department = self.offices_of(set(self.department.values())).get(unit)
            return {m for m, d in self.department.items() if d == department}
        if level == "phase":
            return {m for m, p in self.phase.items() if p == unit}
        return set(self.department)

    def units_of(self, municipality_id: int) -> dict[str, set[int]]:
        """Every unit whose figures a record of this municipality counts in."""
        department = self.department.get(municipality_id)
        if department is None:
            return {}
        return {
            "municipality": {municipality_id},
            "office": set(self.offices_of({department})),
            "department": {department},
            "phase": {self.phase[municipality_id]},
            "national": {0},
        }


def _level_by(level: str) -> str | None:
    return None if level == "national" else level


# --- Computing cells (live aggregation, per level) --------------------------------------------


def _cell_values(keys, flat: dict, grids: dict) -> dict:
    values = {key: (str(flat[key]) if is_decimal(key) else int(flat[key] or 0)) for key in keys}
    for key, grid in grids.items():
        values[f"grid:{key}"] = sorted(([s, a, int(v)] for (s, a), v in grid.items() if v), key=str)
    return values


def _empty(values: dict) -> bool:
    return not any(
        (v if not isinstance(v, str) else Decimal(v)) for k, v in values.items() if not k.startswith("grid:")
    ) and not any(v for k, v in values.items() if k.startswith("grid:"))


def compute(kind: str, start: datetime.date, level: str, units, geography: _Geography) -> dict:
    """{(bucket, unit): values} of `units` at `level` for the period (live, all buckets at once)."""
    from indicators.figures import _compute_live, _grid_live

    end = period_of(kind, start)[1]
    units = set(units)
    municipalities = set().union(*(geography.members(level, u) for u in units)) if units else set()
    if not municipalities:
        return {}
    keys = list(IndicatorKey.values)
    by = _level_by(level)
    figures = _compute_live(keys, sorted(municipalities), start, end, by, None, BUCKETS)
    grid_keys = indicator_keys("disaggregated")
    grids = {key: _grid_live(key, sorted(municipalities), start, end, by, BUCKETS) for key in grid_keys}
    result = {}
    for bucket in BUCKETS:
        groups = {0: figures[bucket]} if by is None else figures[bucket]
        for unit, flat in groups.items():
            if unit not in units:
                continue
            bucket_grids = {
                key: (grids[key][bucket] if by is None else grids[key][bucket].get(unit, {})) for key in grid_keys
            }
            values = _cell_values(keys, flat, bucket_grids)
            if not _empty(values):
                result[(bucket, unit)] = values
    return result


def _store(kind, start, level, units, computed: dict, now) -> None:
    FigureCell.objects.filter(period=kind, start=start, level=level, unit__in=list(units)).delete()
    FigureCell.objects.bulk_create(
        FigureCell(period=kind, start=start, level=level, unit=unit, bucket=bucket, values=values, computed_at=now)
        for (bucket, unit), values in computed.items()
    )


def _marker(lock: bool = False) -> FigureCell:
    qs = FigureCell.objects.filter(level=BUILT)
    if lock:
        qs = qs.select_for_update()
    marker = qs.first()
    if marker is None:
        marker, _created = FigureCell.objects.get_or_create(
            period="",
            start=None,
            level=BUILT,
            unit=0,
            bucket="",
            defaults={"values": {"built": False}, "computed_at": timezone.now()},
        )
        if lock:
            marker = FigureCell.objects.select_for_update().get(pk=marker.pk)
    return marker


def _data_range() -> tuple[datetime.date, datetime.date] | None:
    from django.db.models import Max, Min

    lows, highs = [], []
    seen = set()
    for key in IndicatorKey.values:
        src = source(key)
        if (src.model, src.date_path) in seen:
            continue
        seen.add((src.model, src.date_path))
        row = src.model._base_manager.aggregate(low=Min(src.date_path), high=Max(src.date_path))
        if row["low"] is not None:
            lows.append(row["low"])
            highs.append(row["high"])
    return (min(lows), max(highs)) if lows else None


def _all_periods(low, high) -> list[tuple[str, datetime.date]]:
    periods = []
    for kind in KINDS:
        day = period_of(kind, low)[0]
        while day <= high:
            periods.append((kind, day))
            day = period_of(kind, day)[1] + datetime.timedelta(days=1)
    return periods


def _all_units(level: str, geography: _Geography) -> set[int]:
    if level == "municipality":
        return set(geography.department)
    if level == "department":
        return set(geography.department.values())
    if level == "office":
        return set(geography.offices_of(set(geography.department.values())))
    if level == "phase":
        return set(geography.phase.values())
    return {0}


def rebuild(write: bool = True, progress=None) -> dict:
    """Compute every cell from the records and compare with the stored ones.

    Returns {"cells": n, "different": [(cell key, stored, computed)...], "missing": n, "extra": n}.
    With `write`, the stored cells are replaced and marked complete; the changes waiting for the
    refresh job that this computation already includes are removed from its queue.
    """
    with transaction.atomic():
        marker = _marker(lock=True)
        waiting = list(StaleFigures.objects.values_list("pk", flat=True))
        geography = _Geography()
        span = _data_range()
        computed: dict = {}
        for kind, start in _all_periods(*span) if span else []:
            for level in LEVELS:
                for (bucket, unit), values in compute(
                    kind, start, level, _all_units(level, geography), geography
                ).items():
                    computed[(kind, start, level, unit, bucket)] = values
            if progress:
                progress(kind, start)
        stored = {
            (c.period, c.start, c.level, c.unit, c.bucket): c.values
            for c in FigureCell.objects.exclude(level=BUILT).iterator()
        }
        different = [(k, stored[k], v) for k, v in computed.items() if k in stored and stored[k] != v]
        report = {
            "cells": len(computed),
            "different": different,
            "missing": sum(1 for k in computed if k not in stored),
            "extra": sum(1 for k in stored if k not in computed),
            "was_built": bool(marker.values.get("built")),
        }
        if write:
            now = timezone.now()
            FigureCell.objects.exclude(level=BUILT).delete()
            FigureCell.objects.bulk_create(
                (
                    FigureCell(period=k[0], start=k[1], level=k[2], unit=k[3], bucket=k[4], values=v, computed_at=now)
                    for k, v in computed.items()
                ),
                batch_size=500,
            )
            StaleFigures.objects.filter(pk__in=waiting).delete()
            marker.values = {"built": True}
            marker.computed_at = now
            marker.save(update_fields=["values", "computed_at"])
    return report


# --- Keeping them current ---------------------------------------------------------------------

COUNTED_STATES = frozenset(Review.WITH_PENDING.states)


def mark_stale(points, official: bool = True) -> int:
    """Record that the figures of these (municipality id, date) points changed; queue the refresh.

    Called by the services inside the transaction of the change (so the mark commits with it, or
    not at all). `official`: approved records changed (or may have); False when only submitted
    ones did, so official figures stay readable from cells meanwhile. Points with no
    municipality or date are ignored."""
    rows = {(m, d) for m, d in points if m is not None and d is not None}
    if not rows:
        return 0
    StaleFigures.objects.bulk_create(StaleFigures(municipality_id=m, date=d, official=official) for m, d in rows)
    from indicators.tasks import refresh_figures

    transaction.on_commit(refresh_figures.enqueue)
    return len(rows)


def refresh() -> int:
    """Recompute the cells the waiting changes touch (the refresh job). Returns the changes done.

    One refresh at a time (the built marker's row lock), so an older computation never overwrites
    a newer one. The changes are read first: their transactions have committed, so the cells
    computed afterwards include them."""
    with transaction.atomic():
        marker = _marker(lock=True)
        waiting = list(StaleFigures.objects.order_by("pk").values_list("pk", "municipality_id", "date"))
        if not waiting:
            return 0
        if marker.values.get("built"):
            geography = _Geography()
            targets: dict = {}
            for _pk, municipality_id, day in waiting:
                for level, units in geography.units_of(municipality_id).items():
                    for kind in KINDS:
                        targets.setdefault((kind, period_of(kind, day)[0], level), set()).update(units)
            now = timezone.now()
            for (kind, start, level), units in targets.items():
                _store(kind, start, level, units, compute(kind, start, level, units, geography), now)
        StaleFigures.objects.filter(pk__in=[row[0] for row in waiting]).delete()
    return len(waiting)


# --- Reading cells ------------------------------------------------------------------------------

_resolved: "weakref.WeakKeyDictionary[QuerySet, tuple]" = weakref.WeakKeyDictionary()


def _ids(municipalities) -> list[int] | None:
    """The ids of a list of municipalities or of their ids (None if it is not a list of them)."""
    try:
        return [getattr(m, "pk", m) for m in municipalities]
    except TypeError:
        return None


def _scope_department(user) -> tuple[bool, int | None]:
    """(may read cells, department the user's scope is limited to)."""
    if user is None or getattr(user, "is_national", False):
        return True, None
    if getattr(user, "is_coordinator", False) and user.is_active and user.office_id is not None:
        return True, user.office.department_id
    return False, None  # territorial staff see their office's records only: computed live


def _single_unit(ids: set[int], geography: _Geography) -> tuple[str, int] | None:
    if ids == set(geography.department):
        return "national", 0
    if len(ids) == 1:
        return "municipality", next(iter(ids))
    departments = {geography.department[m] for m in ids}
    if len(departments) == 1:
        (department,) = departments
        if ids == geography.members("department", department):
            return "department", department
    phases = {geography.phase[m] for m in ids}
    if len(phases) == 1:
        (phase,) = phases
        if ids == geography.members("phase", phase):
            return "phase", phase
    return None


def _plan(ids: set[int], by: str | None, geography: _Geography) -> tuple[str, set[int]] | None:
    """(level, units) of the cells that answer a request over `ids` grouped `by`, or None."""
    if by in (None, "month"):
        unit = _single_unit(ids, geography)
        return (unit[0], {unit[1]}) if unit else None
    if by == "municipality":
        return "municipality", set(ids)
    if by in ("department", "office"):
        departments = {geography.department[m] for m in ids}
        if any(not geography.members("department", d) <= ids for d in departments):
            return None
        if by == "department":
            return "department", departments
        return "office", set(geography.offices_of(departments))
    if by == "phase":
        phases = {geography.phase[m] for m in ids}
        if any(not geography.members("phase", p) <= ids for p in phases):
            return None
        return "phase", phases
    return None


def read(keys, municipalities, start, end, by, user, variants: dict) -> dict | None:
    """The answer of `figures._compute` for the variants cells give exactly ({variant: figures},
    perhaps not every variant asked for: the caller computes the others live), or None."""
    found = _lookup(municipalities, start, end, by, user, variants)
    if found is None:
        return None
    cells, buckets, starts, units = found
    return _shape(keys, cells, buckets, by, starts, units)


def read_grid(key, municipalities, start, end, user, states) -> dict | None:
    """The sex × age-group grid from cells ({(sex, age group): n}), or None (computed live)."""
    found = _lookup(municipalities, start, end, None, user, {"": states})
    if found is None:
        return None
    cells, buckets, starts, units = found
    if "" not in buckets:
        return None
    values = cells.get((starts[0], next(iter(units)), buckets[""]), {})
    return {(sex, age): n for sex, age, n in values.get(f"grid:{key}", [])}


_batch: contextvars.ContextVar[dict | None] = contextvars.ContextVar("figure_cells_batch", default=None)


@contextlib.contextmanager
def batched():
    """Within this block, cell reads of the same level, periods and municipalities share one query
    (every unit and bucket of the level is fetched at the first read). For one page being built:
    what it fetched is forgotten when the block ends, and a change made inside the block is not
    seen by a read that reuses a fetch made before it."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def _fetch(kind, starts, level, ids, units=None, buckets=None) -> list[tuple]:
    """The cells of `level` for `starts` (only `units` and `buckets` when given), the "built"
    marker, and whether a change over `ids` in those periods waits for the refresh (per row)."""
    stale = StaleFigures.objects.filter(
        municipality_id__in=sorted(ids), date__gte=starts[0], date__lte=period_of(kind, starts[-1])[1]
    )
    wanted = Q(period=kind, start__in=starts, level=level)
    if units is not None:
        wanted &= Q(unit__in=sorted(units))
    if buckets is not None:
        wanted &= Q(bucket__in=buckets)
    return list(
        FigureCell.objects.filter(wanted | Q(level=BUILT))
        .annotate(stale=Exists(stale), stale_official=Exists(stale.filter(official=True)))
        .values_list("level", "start", "unit", "bucket", "values", "stale", "stale_official")
    )


def _lookup(municipalities, start, end, by, user, variants: dict):
    """(cells {(start, unit, bucket): values}, {variant: bucket}, period starts, units) or None."""
    buckets = {}
    for name, states in variants.items():
        bucket = BUCKET_OF_STATES.get(tuple(sorted(states)))
        if bucket is None:
            return None
        buckets[name] = bucket
    if by == "month":
        starts = _months(start, end)
        kind = "month"
    else:
        kind = standard_kind(start, end)
        starts = [start] if kind else None
    if not starts:
        return None
    allowed, department = _scope_department(user)
    if not allowed:
        return None
    if isinstance(municipalities, QuerySet):
        # One query per queryset object: a page asks for several figures of the same set.
        if municipalities not in _resolved:
            geography = _Geography(selected=municipalities)  # the set resolved in the same query
            _resolved[municipalities] = (geography, geography.selected)
        geography, ids = _resolved[municipalities]
    else:
        ids = _ids(municipalities)
        if ids is None:
            return None
        geography = _Geography()
    ids = set(ids)
    if department is not None:
        ids = {m for m in ids if geography.department.get(m) == department}
    if not ids or not ids <= set(geography.department):
        return None  # nothing to read, or municipalities outside the PESS: live
    plan = _plan(ids, by, geography)
    if plan is None:
        return None
    level, units = plan
    memo = _batch.get()
    if memo is None:
        rows = _fetch(kind, starts, level, ids, units, set(buckets.values()))
    else:
        # Every unit of a level with few units (the page reads several groupings of it); of the
        # 262 municipalities, only the ones asked for (a one-municipality report's monthly chart
        # must not read the whole country's months).
        wanted = frozenset(units) if level == "municipality" else None
        key = (kind, tuple(starts), level, frozenset(ids), wanted)
        if key not in memo:
            memo[key] = _fetch(kind, starts, level, ids, wanted)
        rows = memo[key]
    marker = [row for row in rows if row[0] == BUILT]
    if not marker or not marker[0][4].get("built"):
        return None  # not built yet
    # A change the cells do not include yet: the buckets it touches are computed live. A change
    # to submitted records only (attendance added to a workshop waiting for review) leaves the
    # approved bucket, the official figures, readable from cells.
    stale_any, stale_official = marker[0][5], marker[0][6]
    buckets = {
        name: bucket for name, bucket in buckets.items() if not (stale_official if bucket == "approved" else stale_any)
    }
    if not buckets:
        return None
    cells = {(row[1], row[2], row[3]): row[4] for row in rows if row[0] != BUILT and row[2] in units}
    return cells, buckets, starts, units


def _value(key, values: dict):
    raw = values.get(key)
    if is_decimal(key):
        return Decimal(raw) if raw is not None else Decimal("0")
    return raw or 0


def _shape(keys, cells: dict, buckets: dict, by, starts, units) -> dict:
    result = {}
    for name, bucket in buckets.items():
        if by is None:
            (start,) = starts
            (unit,) = units
            values = cells.get((start, unit, bucket), {})
            result[name] = {key: _value(key, values) for key in keys}
            continue
        present = {
            (start if by == "month" else unit)
            for (start, unit, b) in cells
            if b in buckets.values() and any(_value(k, cells[(start, unit, b)]) for k in keys)
        }
        grouped = {}
        for group in present:
            start, unit = (group, next(iter(units))) if by == "month" else (starts[0], group)
            values = cells.get((start, unit, bucket), {})
            grouped[group] = {key: _value(key, values) for key in keys}
        result[name] = grouped
    return result
