"""Build a report: the tables and charts the page shows and the exports write, cell for cell.

A report is plain data (tables of typed columns and rows), so the page, the CSV and the XLSX
render the same figures. Every figure comes from indicators.figures (the one definition);
the number of queries is fixed by the filters, not by the amount of data.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from geography.models import PessPhase, TerritorialOffice
from indicators import cells, maps, periods, registry
from indicators import figures as indicators
from indicators.disaggregation import GRID_AGE_GROUPS, GRID_SEXES, AgeGroup
from indicators.figures import IndicatorKey as K
from indicators.registry import Review
from municipalities.models import MunicipalPlan, PlanStage
from reports import charts
from reports.forms import LEVEL_COLUMN, LINE_INDICATORS, LINES, ReportFilters

TEXT, INT, DEC, PCT = "text", "int", "dec", "pct"
AGE_COLUMNS = [*GRID_AGE_GROUPS, AgeGroup.UNKNOWN]
RANKING_SIZE = 15


@dataclass
class Column:
    label: str
    kind: str = INT


@dataclass
class Row:
    cells: list
    style: str = ""  # "" | "subtotal" | "total"


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    note: str = ""


@dataclass
class Report:
    title: str
    description: str
    generated_at: datetime.datetime
    tables: list[Table]
    charts: list[charts.Chart]
    filters: ReportFilters
    map: maps.ChoroplethMap | None = None  # the charted indicator by municipality (page only, not exported)


def _label(key) -> str:
    return str(K(key).label)


def _kind(key) -> str:
    return DEC if registry.is_decimal(key) else INT


def _grouped_rows(filters: ReportFilters, municipality_list, offices) -> list[tuple]:
    """(group value, label, department) for every group the report lists, in display order."""
    level = filters.level
    if level == "municipality":
        return [(m.pk, m.name, m.department) for m in municipality_list]
    if level == "department":
        seen = {}
        for m in municipality_list:
            seen.setdefault(m.department_id, m.department)
        return [(pk, d.name, d) for pk, d in sorted(seen.items(), key=lambda item: item[1].code)]
    if level == "phase":
        phases = sorted({m.pess_phase for m in municipality_list})
        return [(p, str(PessPhase(p).label), None) for p in phases]
    departments = {m.department_id for m in municipality_list}
    return [(o.pk, o.name, None) for o in offices if o.department_id in departments]


def _line_table(line, keys, filters, groups, data, subtotals, total, pending) -> Table:
    columns = [Column(str(LEVEL_COLUMN[filters.level]), TEXT)]
    if filters.level == "municipality":
        columns.insert(0, Column(_("Departamento"), TEXT))
    columns += [Column(_label(k), _kind(k)) for k in keys]
    zero = {k: Decimal(0) if registry.is_decimal(k) else 0 for k in keys}
    rows = []
    previous_department = None
    for value, label, department in groups:
        if filters.level == "municipality" and previous_department and department != previous_department:
            rows.append(_subtotal_row(previous_department, keys, subtotals, zero))
        figures = data.get(value, zero)
        cells = [label] + [figures.get(k, zero[k]) for k in keys]
        if filters.level == "municipality":
            cells.insert(0, department.name)
        rows.append(Row(cells))
        previous_department = department
    if filters.level == "municipality" and previous_department:
        rows.append(_subtotal_row(previous_department, keys, subtotals, zero))
    total_cells = [_("Total")] + [total[k] for k in keys]
    if filters.level == "municipality":
        total_cells.insert(0, "")
    rows.append(Row(total_cells, "total"))
    if any(pending.get(k) for k in keys):
        label = (
            _("De ellos, pendientes de revisión")
            if filters.review == Review.WITH_PENDING
            else _("Pendientes de revisión (no incluidos)")
        )
        pending_cells = [label] + [pending[k] for k in keys]
        if filters.level == "municipality":
            pending_cells.insert(0, "")
        rows.append(Row(pending_cells, "pending"))
    title = _("%(line)s por %(level)s") % {
        "line": dict(LINES)[line],
        "level": str(LEVEL_COLUMN[filters.level]).lower(),
    }
    note = ""
    if any(registry.source(k).distinct for k in keys):
        note = _(
            "Participantes, centros escolares e instituciones se cuentan una sola vez en cada subtotal y en el "
            "total, aunque aparezcan en varias filas; las demás columnas suman exactamente."
        )
    return Table(f"line_{line}", title, columns, rows, note)


def _subtotal_row(department, keys, subtotals, zero) -> Row:
    figures = subtotals.get(department.pk, zero)
    return Row(
        [department.name, _("Subtotal %(name)s") % {"name": department.name}] + [figures.get(k, zero[k]) for k in keys],
        "subtotal",
    )


def _grid_table(key, title, grid) -> Table:
    columns = [Column(_("Sexo"), TEXT)] + [Column(str(AgeGroup(a).label)) for a in AGE_COLUMNS] + [Column(_("Total"))]
    rows = []
    column_totals = [0] * len(AGE_COLUMNS)
    for sex in GRID_SEXES:
        values = [grid.get((sex, a), 0) for a in AGE_COLUMNS]
        column_totals = [t + v for t, v in zip(column_totals, values, strict=True)]
        rows.append(Row([str(sex.label), *values, sum(values)]))
    rows.append(Row([_("Total"), *column_totals, sum(column_totals)], "total"))
    return Table(f"grid_{key}", title, columns, rows)


def _comparison_table(keys, period, previous, current, before) -> Table:
    columns = [
        Column(_("Indicador"), TEXT),
        Column(period.label, DEC),
        Column(previous.label, DEC),
        Column(_("Diferencia"), DEC),
        Column(_("Variación"), PCT),
    ]
    rows = []
    for key in keys:
        now, then = current[key], before[key]
        change = None if not then else (Decimal(now - then) * 100 / Decimal(then)).quantize(Decimal("0.1"))
        rows.append(Row([_label(key), now, then, now - then, change]))
    return Table(
        "comparison",
        _("Comparación con el periodo anterior (%(p)s)") % {"p": previous.label},
        columns,
        rows,
    )


def _targets_table(filters, keys, groups, data, total, targets, target_totals, year) -> Table | None:
    keys = [k for k in keys if k in target_totals]
    if not keys:
        return None
    columns = [Column(str(LEVEL_COLUMN[filters.level]), TEXT)]
    for key in keys:
        columns += [
            Column(_("%(i)s: realizado") % {"i": _label(key)}, _kind(key)),
            Column(_("%(i)s: meta") % {"i": _label(key)}, DEC),
            Column(_("%(i)s: avance") % {"i": _label(key)}, PCT),
        ]
    rows = []
    for value, label, _department in groups:
        cells = [label]
        for key in keys:
            actual = data.get(value, {}).get(key, 0)
            target = targets.get(value, {}).get(key)
            cells += [actual, target, indicators.progress(actual, target)]
        rows.append(Row(cells))
    cells = [_("Total")]
    for key in keys:
        cells += [total[key], target_totals[key], indicators.progress(total[key], target_totals[key])]
    rows.append(Row(cells, "total"))
    return Table(
        "targets",
        _("Avance hacia las metas de %(y)s") % {"y": year},
        columns,
        rows,
        _("Metas anuales de los municipios; el avance es lo realizado entre la meta."),
    )


def _plans_table(filters, groups, user, municipalities) -> Table:
    path = {
        "department": "municipality__department",
        "municipality": "municipality",
        "phase": "municipality__pess_phase",
        "office": "office",
    }[filters.level]
    stages = list(PlanStage)
    counts = {
        row[path]: row
        for row in MunicipalPlan.objects.visible_to(user)
        .filter(municipality__in=municipalities)
        .order_by()
        .values(path)
        .annotate(**{s.value: Count("pk", filter=Q(stage=s.value)) for s in stages}, total=Count("pk"))
    }
    columns = [Column(str(LEVEL_COLUMN[filters.level]), TEXT)] + [Column(str(s.label)) for s in stages]
    columns.append(Column(_("Planes registrados")))
    rows = []
    totals = [0] * (len(stages) + 1)
    for value, label, _department in groups:
        row = counts.get(value, {})
        values = [row.get(s.value, 0) for s in stages] + [row.get("total", 0)]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        rows.append(Row([label, *values]))
    rows.append(Row([_("Total"), *totals], "total"))
    return Table(
        "plans",
        _("Planes municipales de prevención por etapa"),
        columns,
        rows,
        _("Situación actual de cada plan, sin importar el periodo elegido."),
    )


def chart_months(filters: ReportFilters) -> tuple[datetime.date, datetime.date]:
    """The whole months the time chart covers: those the period touches, or the 12 months up to its
    end if shorter. Each bar is a whole calendar month (a bar for part of a month would compare
    unlike things), so the chart reads the pre-computed monthly figures even for a custom range."""
    end = filters.end or periods.today()
    start = filters.start
    if start is None or (end - start).days < 180:
        start = periods._add_months(end.replace(day=1), -11)
    last = periods._add_months(end.replace(day=1), 1) - datetime.timedelta(days=1)
    return start.replace(day=1), last


def build_report(filters: ReportFilters, user) -> Report:
    with cells.batched():  # the figures of one level and period come from one query
        return _build_report(filters, user)


def _build_report(filters: ReportFilters, user) -> Report:
    municipalities = filters.municipalities(user)
    municipality_list = list(municipalities.select_related("department").order_by("department__code", "name"))
    offices = list(TerritorialOffice.objects.visible_to(user).order_by("department__code", "name"))
    groups = _grouped_rows(filters, municipality_list, offices)
    start, end = filters.start, filters.end
    keys = filters.keys
    tables: list[Table] = []

    review = filters.review
    data = (
        indicators.figures(keys, municipalities, start, end, by=filters.level, user=user, review=review) if keys else {}
    )
    total, pending = (
        indicators.figures_and_pending(keys, municipalities, start, end, user=user, review=review) if keys else ({}, {})
    )
    subtotals = {}
    if filters.level == "municipality" and keys:
        subtotals = indicators.figures(keys, municipalities, start, end, by="department", user=user, review=review)

    for line in filters.lines:
        line_keys = [k for k in keys if k in LINE_INDICATORS[line]]
        if line == "plans":
            tables.append(_plans_table(filters, groups, user, municipalities))
            continue
        tables.append(_line_table(line, line_keys, filters, groups, data, subtotals, total, pending))
        if line == "workshops":
            grid = indicators.grid(K.PARTICIPANTS, municipalities, start, end, user=user, review=review)
            tables.append(_grid_table(K.PARTICIPANTS, _("Participantes únicos por sexo y grupo de edad"), grid))
        if line == "windows":
            grid = indicators.grid(K.PEOPLE_REACHED, municipalities, start, end, user=user, review=review)
            tables.append(_grid_table(K.PEOPLE_REACHED, _("Personas alcanzadas por sexo y grupo de edad"), grid))

    if filters.period is not None and keys:
        previous = filters.period.previous()
        before = indicators.figures(keys, municipalities, previous.start, previous.end, user=user, review=review)
        tables.append(_comparison_table(keys, filters.period, previous, total, before))

    if filters.period is not None and filters.period.kind == "year" and keys:
        year = filters.period.start.year
        targets = indicators.targets_by(municipalities, year, keys, filters.level)
        if filters.level == "office":  # a department may have several offices: its targets are in each
            target_totals = indicators.targets_by(municipalities, year, keys, None)
        else:  # each municipality is in one group: the groups add up to the total
            target_totals = {}
            for group in targets.values():
                for key, value in group.items():
                    target_totals[key] = target_totals.get(key, 0) + value
        table = _targets_table(filters, keys, groups, data, total, targets, target_totals, year)
        if table:
            tables.append(table)

    report_charts, report_map = _charts(filters, municipalities, municipality_list, user)
    title = _("Informe de indicadores PESS")
    return Report(title, filters.describe(), timezone.localtime(), tables, report_charts, filters, report_map)


def _charts(filters: ReportFilters, municipalities, municipality_list, user) -> tuple[list, maps.ChoroplethMap]:
    """The two charts and the map of the charted indicator (the ranking and the map share one
    query per source table: figures and pending by municipality)."""
    key = filters.chart
    first, last = chart_months(filters)
    series = indicators.figures([key], municipalities, first, last, by="month", user=user, review=filters.review)
    months = []
    day = first
    while day <= last:
        months.append(day)
        day = periods._add_months(day, 1)
    by_month = {}
    for group, values in series.items():
        month = group.date() if isinstance(group, datetime.datetime) else group
        by_month[month] = values[key]
    points = [(m.strftime("%m/%y"), by_month.get(m, 0)) for m in months]
    label = _label(key)
    period_text = filters.period.label if filters.period else _("todo el periodo")
    ranking, ranking_pending = indicators.figures_and_pending(
        [key], municipalities, filters.start, filters.end, by="municipality", user=user, review=filters.review
    )
    names = {m.pk: m.name for m in municipality_list}
    ranked = sorted(
        ((names[pk], values[key]) for pk, values in ranking.items() if pk in names and values[key]),
        key=lambda item: (-item[1], item[0]),
    )[:RANKING_SIZE]
    departments = {m.department.code for m in municipality_list}
    report_map = maps.choropleth(
        {pk: values[key] for pk, values in ranking.items()},
        {pk: values[key] for pk, values in ranking_pending.items()},
        title=_("%(i)s por municipio (%(p)s)") % {"i": label, "p": period_text},
        selection=names,
        decimal=registry.is_decimal(key),
        pending_included=Review(filters.review) == Review.WITH_PENDING,
        department=departments.pop() if len(departments) == 1 else None,
        highlight=filters.municipality.pk if filters.municipality else None,
        dom_id="mapa-informe",
    )
    return [
        charts.bar_chart_over_time(
            _("%(i)s por mes") % {"i": label},
            points,
        ),
        charts.ranking_chart(
            _("Municipios con más %(i)s (%(p)s)") % {"i": label.lower(), "p": period_text},
            ranked,
        ),
    ], report_map
