"""The municipal profile: one municipality on one or two A4 pages, as a PDF drawn with ReportLab.

ReportLab is pure Python (plus Pillow's wheels): no system library, no browser, no font files to
install; the PDF's text is real text (searchable, extractable by `pypdf` in the tests) in the
standard Helvetica font, whose encoding covers Spanish.

Contents: name, department, PESS phase, office, plan stage; the period's official figures (approved
records only) against the municipality's yearly targets, with what is pending review beside them,
never inside; the sex × age-group grids of unique participants and people reached (with their "No
registrado" row and "Edad no registrada" column); a monthly bar chart; the map inset (the
department, the municipality highlighted, drawn from `geography.boundaries`); thematic-table
meetings of the period and open follow-up actions; the date it was generated and "Solo registros
aprobados" on every page.

Public API (pages, export jobs and the monthly packs call these; `user` scopes every query):

- `build_profile(municipality, period, user) -> Profile`: the data, no drawing.
- `profile_pdf(municipality, period, user) -> bytes`: one municipality.
- `department_bundle_pdf(department, period, user, progress=None) -> bytes`: every PESS
  municipality of `department` that `user` may see, each starting on a new page with its own
  bookmark; `progress(done)` is called after each municipality (export jobs).
- `bundle_municipalities(department, user)`: the municipalities a bundle contains, in order.

`period` is an `indicators.periods.Period`, or None for all periods. Run inside `scope(user)` (a
request does; an export job enters its owner's scope).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.graphics import shapes
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from geography import boundaries
from geography.models import Municipality, PessPhase, TerritorialOffice
from indicators import figures as indicators
from indicators import periods, registry
from indicators.disaggregation import GRID_AGE_GROUPS, GRID_SEXES, AgeGroup
from indicators.figures import IndicatorKey as K
from municipalities.models import FollowUpAction, FollowUpStatus, MunicipalPlan, TableMeeting
from review.models import ReviewState

KEYS = registry.keys("summary")  # the figures of the municipality page, in its order
CHART_KEYS = (K.ATTENDANCES, K.PEOPLE_REACHED)
GRIDS = (
    (K.PARTICIPANTS, gettext_lazy("Participantes únicos por sexo y grupo de edad")),
    (K.PEOPLE_REACHED, gettext_lazy("Personas alcanzadas por sexo y grupo de edad")),
)
AGE_COLUMNS = [*GRID_AGE_GROUPS, AgeGroup.UNKNOWN]
MAX_ACTIONS = 12
MAX_MEETINGS = 12

PURPLE = colors.HexColor("#5b2a86")
PURPLE_LIGHT = colors.HexColor("#ede4f5")
TEAL = colors.HexColor("#0f766e")
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#5f6b7a")
LINE = colors.HexColor("#d9dee5")
PENDING_BG = colors.HexColor("#fff4d6")
HIGHLIGHT = colors.HexColor("#f59e0b")


# --- Data --------------------------------------------------------------------------------------


@dataclass
class FigureRow:
    key: str
    label: str
    value: int | Decimal
    target: Decimal | None
    progress: Decimal | None
    pending: int | Decimal
    decimal: bool


@dataclass
class Grid:
    title: str
    columns: list[str]
    rows: list[tuple[str, list[int], int]]  # (sex, cells by age group, row total); the last row is the total


@dataclass
class Profile:
    municipality: Municipality
    office: str
    phase: str
    plan_stage: str
    period: periods.Period | None
    period_label: str
    target_year: int | None
    generated_at: datetime.datetime
    figures: list[FigureRow]
    grids: list[Grid]
    months: list[tuple[str, dict]]  # ("03/26", {key: value})
    meetings: list[tuple[datetime.date, str, int]]  # approved meetings: date, table, open actions
    meetings_pending: int
    actions: list[FollowUpAction] = field(default_factory=list)
    actions_more: int = 0

    @property
    def totals(self) -> dict[str, int | Decimal]:
        return {row.key: row.value for row in self.figures}


def _months(period: periods.Period | None) -> list[datetime.date]:
    """First days of the months the chart covers: the period's (up to 24), else the 12 up to its end."""
    last = (period.end if period else periods.today()).replace(day=1)
    start = period.start.replace(day=1) if period else None
    if start is None or (last.year - start.year) * 12 + last.month - start.month >= 24:
        start = periods._add_months(last, -11)
    months, day = [], start
    while day <= last:
        months.append(day)
        day = periods._add_months(day, 1)
    return months


def _office_name(municipality) -> str:
    office = (
        TerritorialOffice._base_manager.filter(department_id=municipality.department_id).order_by("pk").first()
    )  # the department's office: reference data, named whoever asks
    return office.name if office else "—"


def build_profile(municipality, period: periods.Period | None, user) -> Profile:
    """The profile's data for `municipality` over `period`, within what `user` may see."""
    start, end = (period.start, period.end) if period else (None, None)
    only = Municipality._base_manager.filter(pk=municipality.pk)
    official, pending = indicators.figures_and_pending(KEYS, only, start, end, user=user)
    target_year = period.start.year if period and period.start.year == period.end.year else None
    targets = indicators.targets_by(only, target_year, KEYS, None) if target_year else {}
    figures = []
    for key in KEYS:
        value, target = official[key], targets.get(key)
        figures.append(
            FigureRow(
                key,
                str(K(key).label),
                value,
                target,
                indicators.progress(value, target),
                pending[key],
                registry.is_decimal(key),
            )
        )

    grids = []
    for key, title in GRIDS:
        cells = indicators.grid(key, only, start, end, user=user)
        rows, column_totals = [], [0] * len(AGE_COLUMNS)
        for sex in GRID_SEXES:
            values = [cells.get((sex, age), 0) for age in AGE_COLUMNS]
            column_totals = [a + b for a, b in zip(column_totals, values, strict=True)]
            rows.append((str(sex.label), values, sum(values)))
        rows.append((_("Total"), column_totals, sum(column_totals)))
        grids.append(Grid(str(title), [str(AgeGroup(a).label) for a in AGE_COLUMNS], rows))

    months = _months(period)
    series = indicators.figures(list(CHART_KEYS), only, months[0], _month_end(months[-1]), by="month", user=user)
    by_month = {(g.date() if isinstance(g, datetime.datetime) else g): v for g, v in series.items()}
    month_rows = [(m.strftime("%m/%y"), by_month.get(m, dict.fromkeys(CHART_KEYS, 0))) for m in months]

    meetings_qs = TableMeeting.objects.visible_to(user).filter(municipality=municipality)
    if period:
        meetings_qs = meetings_qs.filter(date__range=(start, end))
    approved = list(
        meetings_qs.filter(review_state=ReviewState.APPROVED)
        .select_related("table")
        .with_action_counts()
        .order_by("-date", "-pk")[: MAX_MEETINGS + 1]
    )
    meetings_pending = meetings_qs.filter(review_state=ReviewState.SUBMITTED).count()
    open_actions = (
        FollowUpAction.objects.visible_to(user)
        .filter(
            meeting__municipality=municipality,
            meeting__review_state=ReviewState.APPROVED,
            status__in=(FollowUpStatus.PENDING, FollowUpStatus.IN_PROGRESS),
        )
        .select_related("meeting__table")
        .order_by("due_date", "pk")
    )
    actions = list(open_actions[: MAX_ACTIONS + 1])
    actions_more = open_actions.count() - MAX_ACTIONS if len(actions) > MAX_ACTIONS else 0

    plan = MunicipalPlan.objects.visible_to(user).filter(municipality=municipality).first()
    if plan is None:
        plan_stage = _("Sin plan registrado")
    else:
        plan_stage = str(plan.get_stage_display())
        if plan.stage_date:
            plan_stage += f" ({plan.stage_date:%d/%m/%Y})"
        if plan.review_state != ReviewState.APPROVED:
            plan_stage += " · " + _("registro no aprobado aún")

    return Profile(
        municipality=municipality,
        office=_office_name(municipality),
        phase=(
            str(PessPhase(municipality.pess_phase).label)
            + (f" ({_('desde')} {municipality.pess_entry_date:%d/%m/%Y})" if municipality.pess_entry_date else "")
            if municipality.pess_phase
            else _("No priorizado")
        ),
        plan_stage=plan_stage,
        period=period,
        period_label=period.label if period else _("todo el periodo"),
        target_year=target_year,
        generated_at=timezone.localtime(),
        figures=figures,
        grids=grids,
        months=month_rows,
        meetings=[(m.date, m.table.name, m.open_actions) for m in approved[:MAX_MEETINGS]],
        meetings_pending=meetings_pending,
        actions=actions[:MAX_ACTIONS],
        actions_more=actions_more,
    )


def _month_end(first: datetime.date) -> datetime.date:
    return periods._add_months(first, 1) - datetime.timedelta(days=1)


# --- Drawing -----------------------------------------------------------------------------------


def _fmt(value, decimal: bool = False) -> str:
    if value is None:
        return "—"
    if decimal or isinstance(value, Decimal):
        number = Decimal(value)
        return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.1f}"
    return f"{int(value):,}"


def _styles():
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontSize=20, leading=24, alignment=TA_LEFT, spaceAfter=2
        ),
        "kicker": ParagraphStyle("kicker", parent=base["Normal"], fontSize=8.5, textColor=PURPLE, leading=11),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=11, leading=13, spaceBefore=6, spaceAfter=3),
        "body": ParagraphStyle("body", parent=base["Normal"], fontSize=8.5, leading=11, textColor=INK),
        "small": ParagraphStyle("small", parent=base["Normal"], fontSize=7.5, leading=9.5, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontSize=8, leading=10),
        "th": ParagraphStyle(
            "th",
            parent=base["Normal"],
            fontName="Helvetica-Bold",
            fontSize=7.2,
            leading=8.5,
            textColor=MUTED,
            alignment=2,
        ),
        "th_left": ParagraphStyle(
            "th_left", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=7.2, leading=8.5, textColor=MUTED
        ),
    }


def _table_style(header_rows: int = 1, total_row: bool = False) -> TableStyle:
    commands = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("FONT", (0, 0), (-1, header_rows - 1), "Helvetica-Bold", 7.5),
        ("TEXTCOLOR", (0, 0), (-1, header_rows - 1), MUTED),
        ("LINEBELOW", (0, 0), (-1, header_rows - 1), 0.8, INK),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.3, LINE),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if total_row:
        commands += [("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8), ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)]
    return TableStyle(commands)


class _Bookmark(Flowable):
    """An invisible flowable that starts a PDF bookmark (outline entry) where it lands."""

    def __init__(self, key: str, title: str):
        super().__init__()
        self.key, self.title = key, title

    def wrap(self, *_args):
        return (0, 0)

    def draw(self):
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=0)


def map_drawing(municipality_code: str, width: float, height: float) -> shapes.Drawing:
    """The municipality's department, the municipality filled and outlined, neighbours in grey
    (projected polygons of `geography.boundaries`, drawn as ReportLab shapes)."""
    shapes_by_code = boundaries.municipality_shapes()
    own = shapes_by_code[municipality_code]
    x, y, w, h = boundaries.bbox_for(own.department_code)
    scale = min(width / w, height / h)
    x -= (width / scale - w) / 2
    y -= (height / scale - h) / 2
    box = (x, y, width / scale, height / scale)

    def path_of(rings, **style) -> shapes.Path:
        path = shapes.Path(fillMode=shapes.FILL_EVEN_ODD, **style)
        for ring in rings:
            (px, py), rest = ring[0], ring[1:]
            path.moveTo((px - x) * scale, height - (py - y) * scale)
            for qx, qy in rest:
                path.lineTo((qx - x) * scale, height - (qy - y) * scale)
            path.closePath()
        return path

    drawing = shapes.Drawing(width, height)
    clipped = shapes.Group()  # ReportLab does not clip a drawing to its bounds: the first path clips the group
    clip = shapes.Path(isClipPath=1, strokeColor=None, fillColor=None)
    clip.moveTo(0, 0)
    for cx, cy in ((width, 0), (width, height), (0, height)):
        clip.lineTo(cx, cy)
    clip.closePath()
    clipped.add(clip)
    clipped.add(shapes.Rect(0, 0, width, height, fillColor=colors.HexColor("#e8f0f7"), strokeColor=None))
    for code, shape in shapes_by_code.items():
        sx0, sy0, sx1, sy1 = shape.bbox
        if sx1 < box[0] or sx0 > box[0] + box[2] or sy1 < box[1] or sy0 > box[1] + box[3]:
            continue
        in_department = shape.department_code == own.department_code
        fill = PURPLE if code == municipality_code else (colors.white if in_department else colors.HexColor("#dfe3e8"))
        clipped.add(path_of(shape.rings, fillColor=fill, strokeColor=colors.HexColor("#9aa3af"), strokeWidth=0.3))
    department = boundaries.department_shapes()[own.department_code]
    clipped.add(path_of(department.rings, fillColor=None, strokeColor=INK, strokeWidth=0.9))
    clipped.add(path_of(own.rings, fillColor=None, strokeColor=HIGHLIGHT, strokeWidth=1.6))
    drawing.add(clipped)
    drawing.add(shapes.Rect(0, 0, width, height, fillColor=None, strokeColor=LINE, strokeWidth=0.5))
    return drawing


def _chart(profile: Profile, width: float, height: float) -> shapes.Drawing:
    drawing = shapes.Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 34, 30, width - 44, height - 48
    chart.data = [[float(values.get(key, 0) or 0) for _label, values in profile.months] for key in CHART_KEYS]
    chart.categoryAxis.categoryNames = [label for label, _values in profile.months]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 0 if len(profile.months) <= 12 else 45
    chart.categoryAxis.labels.boxAnchor = "n" if len(profile.months) <= 12 else "ne"
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max([max(series) for series in chart.data] + [0])
    if top == 0:
        chart.valueAxis.valueMax = 1
    chart.valueAxis.gridStrokeColor = LINE
    chart.valueAxis.visibleGrid = True
    chart.bars[0].fillColor = PURPLE
    chart.bars[1].fillColor = TEAL
    chart.bars.strokeColor = None
    chart.groupSpacing = 4
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 36, height - 6
    legend.fontName, legend.fontSize = "Helvetica", 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 150
    legend.dx = legend.dy = 7
    legend.colorNamePairs = [(PURPLE, str(K(CHART_KEYS[0]).label)), (TEAL, str(K(CHART_KEYS[1]).label))]
    drawing.add(legend)
    return drawing


def _story(profile: Profile, styles) -> list:
    m = profile.municipality
    s = styles
    content_width = A4[0] - 30 * mm
    story: list = [
        _Bookmark(f"m{m.pk}", m.name),
        Paragraph(escape(_("PERFIL MUNICIPAL · PLAN EL SALVADOR SEGURO · ISDEMU")), s["kicker"]),
        Paragraph(escape(m.name), s["title"]),
        Paragraph(
            escape(
                _("Periodo: %(p)s · Solo registros aprobados (lo pendiente de revisión se indica aparte)")
                % {"p": profile.period_label}
            ),
            s["body"],
        ),
        Spacer(1, 2 * mm),
    ]
    facts = [
        (_("Departamento"), m.department.name),
        (_("Fase PESS"), profile.phase),
        (_("Oficina territorial"), profile.office),
        (_("Plan municipal de prevención"), profile.plan_stage),
        (_("Municipio desde 2024"), m.municipality_2024 or "—"),
        (_("Código oficial"), m.code),
    ]
    facts_table = Table(
        [[Paragraph(f"<b>{escape(str(k))}</b>", s["cell"]), Paragraph(escape(str(v)), s["cell"])] for k, v in facts],
        colWidths=[38 * mm, content_width - 38 * mm - 66 * mm],
    )
    facts_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    inset = map_drawing(m.code, 62 * mm, 46 * mm)
    head = Table([[facts_table, inset]], colWidths=[content_width - 66 * mm, 66 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [head, Spacer(1, 2 * mm)]

    # Official figures against the yearly targets, pending beside.
    target_label = _("Meta anual %(y)s") % {"y": profile.target_year} if profile.target_year else _("Meta anual")
    rows = [[_("Indicador"), _("Cifra oficial"), target_label, _("Avance"), _("Pendiente de revisión")]]
    for row in profile.figures:
        rows.append(
            [
                row.label,
                _fmt(row.value, row.decimal),
                _fmt(row.target, True) if row.target is not None else "—",
                f"{row.progress:,.1f} %" if row.progress is not None else "—",
                f"+{_fmt(row.pending, row.decimal)}" if row.pending else "",
            ]
        )
    figures_table = Table(rows, colWidths=[70 * mm, 28 * mm, 28 * mm, 22 * mm, content_width - 148 * mm])
    style = _table_style()
    style.add("BACKGROUND", (4, 1), (4, -1), PENDING_BG)
    style.add("TEXTCOLOR", (4, 1), (4, -1), colors.HexColor("#6b4e00"))
    figures_table.setStyle(style)
    note = (
        _("Las metas son anuales; el avance es la cifra oficial entre la meta.")
        if profile.target_year
        else _("El periodo abarca más de un año: no se compara con metas anuales.")
    )
    story += [
        Paragraph(escape(_("Cifras oficiales de %(p)s") % {"p": profile.period_label}), s["h2"]),
        figures_table,
        Paragraph(escape(note), s["small"]),
    ]

    # Sex × age-group grids.
    for grid in profile.grids:
        header = [Paragraph(escape(_("Sexo")), s["th_left"])]
        header += [Paragraph(escape(str(label)), s["th"]) for label in (*grid.columns, _("Total"))]
        body = [[sex, *[_fmt(v) for v in values], _fmt(total)] for sex, values, total in grid.rows]
        first = 30 * mm
        table = Table(
            [header, *body], colWidths=[first] + [(content_width - first) / (len(header) - 1)] * (len(header) - 1)
        )
        table.setStyle(_table_style(total_row=True))
        story.append(KeepTogether([Paragraph(escape(grid.title), s["h2"]), table]))

    # Monthly chart.
    story.append(
        KeepTogether(
            [
                Paragraph(escape(_("Por mes (registros aprobados)")), s["h2"]),
                _chart(profile, content_width, 44 * mm),
            ]
        )
    )

    # Thematic tables and follow-up actions.
    story.append(CondPageBreak(30 * mm))
    story.append(Paragraph(escape(_("Reuniones de mesas temáticas del periodo")), s["h2"]))
    if profile.meetings:
        rows = [[_("Fecha"), _("Mesa temática"), _("Acciones abiertas")]]
        rows += [[f"{d:%d/%m/%Y}", Paragraph(escape(t), s["cell"]), str(n)] for d, t, n in profile.meetings]
        table = Table(rows, colWidths=[24 * mm, content_width - 60 * mm, 36 * mm], repeatRows=1)
        style = _table_style()
        style.add("ALIGN", (1, 0), (1, -1), "LEFT")
        table.setStyle(style)
        story.append(table)
    else:
        story.append(Paragraph(escape(_("Sin reuniones aprobadas en el periodo.")), s["body"]))
    if profile.meetings_pending:
        story.append(
            Paragraph(
                escape(_("+%(n)s reuniones pendientes de revisión (no incluidas).") % {"n": profile.meetings_pending}),
                s["small"],
            )
        )
    story.append(Paragraph(escape(_("Acciones de seguimiento pendientes")), s["h2"]))
    if profile.actions:
        rows = [[_("Fecha límite"), _("Acción"), _("Responsable"), _("Estado")]]
        for action in profile.actions:
            rows.append(
                [
                    f"{action.due_date:%d/%m/%Y}" if action.due_date else "—",
                    Paragraph(escape(f"{action.description} ({action.meeting.table.name})"), s["cell"]),
                    Paragraph(escape(action.responsible or "—"), s["cell"]),
                    str(action.get_status_display()),
                ]
            )
        table = Table(rows, colWidths=[22 * mm, content_width - 92 * mm, 46 * mm, 24 * mm], repeatRows=1)
        style = _table_style()
        style.add("ALIGN", (1, 0), (-1, -1), "LEFT")
        table.setStyle(style)
        story.append(table)
        if profile.actions_more:
            story.append(Paragraph(escape(_("… y %(n)s acciones más.") % {"n": profile.actions_more}), s["small"]))
    else:
        story.append(Paragraph(escape(_("Sin acciones de seguimiento pendientes.")), s["body"]))
    return story


def _footer(generated_at: datetime.datetime):
    text = _(
        "Generado el %(d)s · PESS Tracker (ISDEMU) · Solo registros aprobados; lo pendiente de revisión, aparte"
    ) % {"d": f"{generated_at:%d/%m/%Y %H:%M}"}

    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(15 * mm, 9 * mm, text)
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, _("Página %(n)s") % {"n": doc.page})
        canvas.setStrokeColor(PURPLE)
        canvas.setLineWidth(2)
        canvas.line(15 * mm, A4[1] - 10 * mm, A4[0] - 15 * mm, A4[1] - 10 * mm)
        canvas.restoreState()

    return draw


def _render(stories: list[list], title: str, generated_at) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="ISDEMU · PESS Tracker",
        subject=_("Perfil municipal (solo registros aprobados)"),
        creator="PESS Tracker",
        invariant=False,
    )
    story: list = []
    for i, part in enumerate(stories):
        if i:
            story.append(PageBreak())
        story.extend(part)
    footer = _footer(generated_at)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def profile_pdf(municipality, period: periods.Period | None, user) -> bytes:
    """One municipality's profile for `period` as PDF bytes (see the module docstring)."""
    profile = build_profile(municipality, period, user)
    title = _("Perfil municipal: %(m)s (%(p)s)") % {"m": municipality.name, "p": profile.period_label}
    return _render([_story(profile, _styles())], title, profile.generated_at)


def bundle_municipalities(department, user) -> list[Municipality]:
    """The PESS municipalities of `department` that `user` may see, in name order."""
    return list(
        Municipality.objects.visible_to(user)
        .pess()
        .filter(department=department)
        .select_related("department")
        .order_by("name")
    )


def department_bundle_pdf(department, period: periods.Period | None, user, progress=None) -> bytes:
    """One PDF with the profile of every PESS municipality of `department` that `user` may see,
    each from a new page with its own bookmark. `progress(done)` is called after each."""
    styles = _styles()
    stories = []
    generated_at = timezone.localtime()
    for done, municipality in enumerate(bundle_municipalities(department, user), start=1):
        stories.append(_story(build_profile(municipality, period, user), styles))
        if progress is not None:
            progress(done)
    label = period.label if period else _("todo el periodo")
    if not stories:
        stories = [
            [Paragraph(escape(_("Ningún municipio PESS visible en %(d)s.") % {"d": department.name}), styles["body"])]
        ]
    title = _("Perfiles municipales: %(d)s (%(p)s)") % {"d": department.name, "p": label}
    return _render(stories, title, generated_at)
