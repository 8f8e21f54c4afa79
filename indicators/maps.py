"""Choropleth maps of El Salvador's 262 municipalities, drawn on the server as SVG.

No tiles, no scripts, no CDN: the boundaries come from `geography.boundaries`, the figures from
`indicators.figures`, and the markup carries classes only (colours live in `static/css/app.css`),
so the map works offline and under the strict CSP. Every map comes with its "table twin", the
same numbers as a keyboard-accessible table, rendered by `templates/includes/choropleth.html`.

Public API (other apps: the reports page, the home page, the municipality page, the public page
and monthly packs; the profile PDF draws its inset from `geography.boundaries` with ReportLab):

- `choropleth(values, pending=None, *, title, selection=None, decimal=False, pending_included=False,
  department=None, highlight=None, link=True, dom_id="mapa", display=None) -> ChoroplethMap`
  draws any {municipality id: figure} (and {municipality id: pending count}). `selection` is the
  set of municipality ids whose figure the map shows (default: the keys of `values` and
  `pending`); a selected municipality without a figure is in the "sin datos" class. The PESS
  municipalities are outlined, the others greyed; `department` (DIGESTYC code, e.g. "06") zooms
  to that department; `highlight` (a municipality id) outlines one municipality; `link` makes each
  selected PESS municipality a focusable link to its page (off for the public page); `display`
  ({municipality id: text}) replaces the figure shown in the titles and the table twin (e.g. "<5"
  on a public page; classes still come from `values`, so pass what may be shown).
- `indicator_map(key, municipalities, start=None, end=None, *, user=None, review=Review.OFFICIAL,
  department=None, highlight=None, link=True, dom_id="mapa", title=None) -> ChoroplethMap`
  computes the figures of indicator `key` by municipality (`figures_and_pending`, one query per
  source table, scoped to `user`) over `municipalities` (a queryset) and draws them.
- `classify(values, classes=5) -> list[MapClass]`: quantile classes over the positive figures.

`ChoroplethMap.standalone_svg(width=1200)` is the same map as an SVG file of its own (colours in
an embedded `<style>`, no links): for downloads and monthly packs.

Include it in a template with `{% include "includes/choropleth.html" with map=the_map %}` (map,
legend, table twin); `ChoroplethMap.svg` alone is safe markup to place in another template.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from geography import boundaries
from geography.models import Municipality
from indicators import figures as indicator_figures
from indicators.registry import IndicatorKey, Review, is_decimal

CLASSES = 5
NO_DATA = "c0"  # a selected municipality with no figure (or 0)
OUTSIDE = "out"  # not on this map's selection (not PESS, outside the user's scope or the filters)
MIN_ASPECT = 1.0  # a zoomed map is at least as wide as it is high, so neighbours give context

# The map's colours for an SVG file on its own (a download, a monthly pack): pages use the same
# rules from static/css/app.css (tests/indicators/test_maps.py keeps the two in step).
FILLS = {
    "c1": "#ede4f5",
    "c2": "#c9b1e0",
    "c3": "#9f78c6",
    "c4": "#7443a3",
    "c5": "#3f1a63",
    "c0": "#fff8d6",
    "out": "#dfe3e8",
}
STANDALONE_CSS = (
    "svg{background:#e8f0f7}path{stroke:#fff;stroke-width:.7;vector-effect:non-scaling-stroke;stroke-linejoin:round}"
    + "".join(f".{css},.{css} path{{fill:{fill}}}" for css, fill in FILLS.items())
    + ".out.pess{fill:#cfd4db;stroke:#9aa3af;stroke-width:1}"
    + "a.pess path,path.pess:not(.out){stroke:#2e1546;stroke-width:1.5}"
    + ".map-departments{fill:none;stroke:#334155;stroke-width:2}"
    + ".map-highlight{fill:none;stroke:#f59e0b;stroke-width:4}"
)


@dataclass(frozen=True)
class MapClass:
    css: str  # "c1" … "c5"
    low: float | Decimal
    high: float | Decimal
    label: str


@dataclass
class MapRow:
    """One municipality of the map's selection: a row of the table twin."""

    pk: int
    code: str
    name: str
    department: str
    is_pess: bool
    value: int | Decimal
    pending: int | Decimal
    css: str
    class_label: str
    url: str | None
    decimal: bool = False
    shown: str | None = None  # the figure as displayed, when the caller overrides it ("<5")

    @property
    def value_text(self) -> str:
        return self.shown if self.shown is not None else fmt(self.value, self.decimal)

    @property
    def pending_text(self) -> str:
        return fmt(self.pending, self.decimal)


@dataclass
class ChoroplethMap:
    title: str
    dom_id: str
    svg: SafeString
    legend: list[tuple[str, str]]  # (css class, label), the "sin datos" and greyed classes last
    rows: list[MapRow] = field(default_factory=list)
    decimal: bool = False
    pending_included: bool = False
    drawn: int = 0  # municipalities drawn (262 on a national map)

    @property
    def linked(self) -> bool:
        """Its municipalities open their pages (not on the public page, which has no links)."""
        return any(row.url for row in self.rows)

    @property
    def several_departments(self) -> bool:
        return len({row.department for row in self.rows}) > 1

    @property
    def has_pending(self) -> bool:
        return any(row.pending for row in self.rows)

    def row(self, pk: int) -> MapRow | None:
        return next((row for row in self.rows if row.pk == pk), None)

    def standalone_svg(self, width: int = 1200) -> str:
        """The map as an SVG document on its own (a file, not a page): its colours in a `<style>`
        element, a pixel size, and no links (a file has no session to open them with)."""
        svg = str(self.svg)
        svg = re.sub(r'<a href="[^"]*" tabindex="0" ', "<g ", svg).replace("</a>", "</g>")
        _x, _y, w, h = (float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split())
        size = f'width="{width}" height="{round(width * h / w)}" '
        svg = svg.replace("<svg ", f"<svg {size}", 1)
        head = svg.index(">") + 1
        return f'<?xml version="1.0" encoding="UTF-8"?>\n{svg[:head]}<style>{STANDALONE_CSS}</style>{svg[head:]}'


def fmt(value, decimal: bool = False) -> str:
    """A figure as the reports show it: 1,234 or 1,234.5."""
    if value is None:
        return "—"
    if decimal:
        number = Decimal(value)
        return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.1f}"
    return f"{int(value):,}"


def classify(values, classes: int = CLASSES, decimal: bool = False) -> list[MapClass]:
    """Quantile classes over the positive `values`: each class holds about the same number of
    municipalities; fewer classes when there are fewer distinct values. Bounds are actual figures."""
    positives = sorted(v for v in values if v and v > 0)
    if not positives:
        return []
    uppers: list = []
    for k in range(1, classes + 1):
        upper = positives[math.ceil(k * len(positives) / classes) - 1]
        if not uppers or upper > uppers[-1]:
            uppers.append(upper)
    result = []
    previous = None
    for i, upper in enumerate(uppers, start=1):
        low = next(v for v in positives if previous is None or v > previous)
        label = fmt(low, decimal) if low == upper else f"{fmt(low, decimal)} – {fmt(upper, decimal)}"
        result.append(MapClass(f"c{i}", low, upper, label))
        previous = upper
    return result


def class_of(value, classes: list[MapClass]) -> MapClass | None:
    if not value or value <= 0:
        return None
    for map_class in classes:
        if value <= map_class.high:
            return map_class
    return classes[-1] if classes else None


def _reference_rows() -> list[tuple]:
    """(pk, code, name, pess_phase, department code, department name) of every municipality.

    Names and boundaries are public reference data, drawn for every user; figures and links are
    given only for the selection the caller computed within the user's scope. Read through the
    base manager, which is not scoped (one query)."""
    return list(
        Municipality._base_manager.order_by("department__code", "name").values_list(
            "pk", "code", "name", "pess_phase", "department__code", "department__name"
        )
    )


def _zoom_box(department: str) -> tuple[float, float, float, float]:
    x, y, width, height = boundaries.bbox_for(department)
    if width < height * MIN_ASPECT:
        grow = height * MIN_ASPECT - width
        x, width = x - grow / 2, width + grow
    return (round(x, 1), round(y, 1), round(width, 1), round(height, 1))


def _intersects(box, other) -> bool:
    x, y, w, h = box
    x0, y0, x1, y1 = other
    return x0 <= x + w and x1 >= x and y0 <= y + h and y1 >= y


def _title_text(name: str, value, pending, decimal: bool, pending_included: bool, shown: str | None) -> str:
    text = f"{name}: {shown if shown is not None else fmt(value, decimal)}"
    if pending:
        if pending_included:
            text += " " + _("(de ellos %(n)s pendientes de revisión)") % {"n": fmt(pending, decimal)}
        else:
            text += " " + _("(+%(n)s pendientes de revisión)") % {"n": fmt(pending, decimal)}
    return text


def choropleth(
    values: dict,
    pending: dict | None = None,
    *,
    title: str,
    selection=None,
    decimal: bool = False,
    pending_included: bool = False,
    department: str | None = None,
    highlight: int | None = None,
    link: bool = True,
    dom_id: str = "mapa",
    display: dict | None = None,
) -> ChoroplethMap:
    """The map of `values` ({municipality id: figure}); see the module docstring."""
    pending = pending or {}
    selected = set(selection) if selection is not None else set(values) | set(pending)
    rows_ref = _reference_rows()
    shapes = boundaries.municipality_shapes()
    paths = boundaries.municipality_paths()
    classes = classify([values.get(pk) for pk in selected], decimal=decimal)
    box = _zoom_box(department) if department else boundaries.viewbox()

    named_departments = {row[4] for row in rows_ref if row[0] in selected}
    outside_parts, pess_parts, rows = [], [], []
    highlight_path = ""
    drawn = 0
    for pk, code, name, phase, dept_code, dept_name in rows_ref:
        shape = shapes.get(code)
        if shape is None:
            raise boundaries.BoundaryMismatch(f"Municipio sin límites en el mapa: {code} {name}")
        if pk == highlight:
            highlight_path = paths[code]
        if department and not _intersects(box, shape.bbox):
            continue
        drawn += 1
        is_pess = phase is not None
        if pk not in selected:
            note = _("PESS, sin cifras en este mapa") if is_pess else _("no priorizado en el PESS")
            css = f"m {OUTSIDE}" + (" pess" if is_pess else "")
            # Named only within the departments the map is about: a coordinator's map says nothing
            # of other departments beyond their shape.
            label = f"<title>{escape(name)} ({escape(note)})</title>" if dept_code in named_departments else ""
            part = f'<path class="{css}" data-m="{code}" d="{paths[code]}">{label}</path>'
            (pess_parts if is_pess else outside_parts).append(part)
            continue
        value = values.get(pk) or (Decimal(0) if decimal else 0)
        waiting = pending.get(pk) or 0
        map_class = class_of(value, classes)
        css_class = map_class.css if map_class else NO_DATA
        class_label = map_class.label if map_class else _("Sin datos (0)")
        url = reverse("municipalities:municipality_detail", args=[pk]) if link and is_pess else None
        shown = display.get(pk) if display else None
        text = escape(_title_text(name, value, waiting, decimal, pending_included, shown))
        css = f"m {css_class}" + (" pess" if is_pess else "") + (" hl" if pk == highlight else "")
        if url:
            part = (
                f'<a href="{escape(url)}" tabindex="0" class="{css}" data-m="{code}"><title>{text}</title>'
                f'<path d="{paths[code]}"/></a>'
            )
        else:
            part = f'<path class="{css}" data-m="{code}" d="{paths[code]}"><title>{text}</title></path>'
        (pess_parts if is_pess else outside_parts).append(part)
        rows.append(
            MapRow(pk, code, name, dept_name, is_pess, value, waiting, css_class, class_label, url, decimal, shown)
        )

    departments = "".join(
        d
        for code, d in boundaries.department_paths().items()
        if not department or _intersects(box, boundaries.department_shapes()[code].bbox)
    )
    x, y, width, height = box
    title_id = f"{dom_id}-titulo"
    svg = [
        f'<svg class="choropleth-svg" viewBox="{x} {y} {width} {height}" xmlns="http://www.w3.org/2000/svg" '
        f'role="group" aria-labelledby="{title_id}" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{title_id}">{escape(title)}</title>',
        '<g class="map-others">',
        *outside_parts,
        "</g>",
        '<g class="map-pess">',
        *pess_parts,
        "</g>",
        f'<path class="map-departments" d="{departments}"/>',
    ]
    if highlight_path:
        svg.append(f'<path class="map-highlight" d="{highlight_path}"/>')
    svg.append("</svg>")

    legend = [(c.css, c.label) for c in classes]
    legend.append((NO_DATA, _("Sin datos (0)")))
    legend.append((OUTSIDE, _("Fuera del PESS o de este mapa")))
    return ChoroplethMap(
        title=title,
        dom_id=dom_id,
        svg=mark_safe("".join(svg)),
        legend=legend,
        rows=rows,
        decimal=decimal,
        pending_included=pending_included,
        drawn=drawn,
    )


def indicator_map(
    key: str,
    municipalities,
    start=None,
    end=None,
    *,
    user=None,
    review=Review.OFFICIAL,
    department: str | None = None,
    highlight: int | None = None,
    link: bool = True,
    dom_id: str = "mapa",
    title: str | None = None,
) -> ChoroplethMap:
    """The map of indicator `key` over `municipalities` (a queryset of Municipality) for
    [start, end], counting the records `review` selects, scoped to `user`; pending beside."""
    selection = set(municipalities.order_by().values_list("pk", flat=True))
    official, waiting = indicator_figures.figures_and_pending(
        [key], municipalities, start, end, by="municipality", user=user, review=review
    )
    return choropleth(
        {pk: v[key] for pk, v in official.items()},
        {pk: v[key] for pk, v in waiting.items()},
        title=title or str(IndicatorKey(key).label),
        selection=selection,
        decimal=is_decimal(key),
        pending_included=Review(review) == Review.WITH_PENDING,
        department=department,
        highlight=highlight,
        link=link,
        dom_id=dom_id,
    )
