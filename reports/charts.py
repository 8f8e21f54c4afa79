"""Charts drawn on the server as SVG: no JavaScript, no CDN, and they print as crisply as text.

Each chart is plain data plus its SVG markup; every text is escaped. Colours come from the
application's palette and keep enough contrast in greyscale print.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from indicators.charts import ColumnLayout

BAR = "#5b2a86"
BAR_LAST = "#0f766e"
INK = "#1f2933"
MUTED = "#5f6b7a"
GRID = "#d9dee5"


@dataclass
class Chart:
    key: str
    title: str
    points: list  # [(label, value)]
    svg: str


def _fmt(value) -> str:
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _nice_max(value) -> float:
    value = float(value or 0)
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def bar_chart_over_time(title: str, points: list[tuple[str, object]]) -> Chart:
    """Vertical bars, one per month, with a labelled value axis."""
    width, height = 560, 300
    left, right, top, bottom = 64, 12, 16, 44
    n = max(len(points), 1)
    top_value = _nice_max(max((float(v) for _label, v in points), default=0))
    layout = ColumnLayout(width - left - right, height - top - bottom, n, top_value, left, top)
    bar_w = max(2.0, layout.slot * 0.7)
    label_every = 1 if n <= 6 else 2 if n <= 12 else 3 if n <= 24 else 6
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="t-time" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="15">',
        f'<title id="t-time">{escape(title)}</title>',
    ]
    for i in range(5):
        value = top_value * i / 4
        y = layout.y(layout.plot_h * i / 4)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{escape(_fmt(value))}</text>'
        )
    for i, (label, value) in enumerate(points):
        h = layout.height(value)
        x = layout.x(i, (layout.slot - bar_w) / 2)
        y = layout.y(h)
        colour = BAR_LAST if i == len(points) - 1 else BAR
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(_fmt(value))}</title></rect>"
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 20}" text-anchor="middle" '
                f'fill="{INK}">{escape(label)}</text>'
            )
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{layout.y(0)}" y2="{layout.y(0)}" stroke="{INK}"/></svg>')
    return Chart("time", title, points, mark_safe("".join(parts)))


def ranking_chart(title: str, points: list[tuple[str, object]]) -> Chart:
    """Horizontal bars, largest first, with the name on the left and the value at the bar's end."""
    row_h, left, right, top = 26, 170, 64, 8
    width = 560
    height = top * 2 + row_h * max(len(points), 1)
    top_value = max((float(v) for _label, v in points), default=0) or 1.0
    plot_w = width - left - right
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="t-rank" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="t-rank">{escape(title)}</title>',
    ]
    if not points:
        parts.append(f'<text x="{width / 2}" y="{top + 16}" text-anchor="middle" fill="{MUTED}">')
        parts.append(escape(_("Sin datos en el periodo elegido.")) + "</text>")
    for i, (label, value) in enumerate(points):
        y = top + i * row_h
        w = plot_w * float(value) / top_value
        name = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" fill="{INK}">{escape(name)}</text>'
            f'<rect x="{left}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row_h - 8}" fill="{BAR}">'
            f"<title>{escape(label)}: {escape(_fmt(value))}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 17}" fill="{INK}">{escape(_fmt(value))}</text>'
        )
    parts.append("</svg>")
    return Chart("ranking", title, points, mark_safe("".join(parts)))
