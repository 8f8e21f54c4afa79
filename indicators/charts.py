"""Bar-chart geometry computed on the server (SVG: no JavaScript), and the monthly chart of the
municipality detail page. reports.charts draws its bar charts with the same ColumnLayout.
"""

from dataclasses import dataclass

from indicators.registry import IndicatorKey

# The monthly chart's series: one indicator per line of work, with its bar colour (CSS class).
MONTHLY_SERIES = (
    (IndicatorKey.WORKSHOPS_HELD, "pess-bar-a"),
    (IndicatorKey.WINDOW_SESSIONS, "pess-bar-b"),
    (IndicatorKey.ASSISTANCE_ACTIONS, "pess-bar-c"),
)


@dataclass(frozen=True)
class ColumnLayout:
    """Vertical bars in `slots` equal slots across a plot area whose value axis runs from 0 to `top_value`.

    The plot's top-left corner is (left, top); SVG's y axis points down, so a bar of height h
    stands on the baseline at y = top + plot_h - h.
    """

    plot_w: float
    plot_h: float
    slots: int
    top_value: float
    left: float = 0
    top: float = 0

    @property
    def slot(self) -> float:
        return self.plot_w / self.slots

    def height(self, value) -> float:
        return self.plot_h * float(value) / self.top_value

    def x(self, index: int, offset: float = 0) -> float:
        """The left edge of a bar `offset` into slot `index`."""
        return self.left + index * self.slot + offset

    def y(self, height: float) -> float:
        """The top edge of a bar of `height` standing on the baseline."""
        return self.top + self.plot_h - height

    def centre(self, index: int) -> float:
        return self.left + index * self.slot + self.slot / 2


def monthly_chart(months, keys, series=MONTHLY_SERIES, width=600, height=160):
    """A small grouped bar chart of `series` by month; `months` rows hold values in `keys` order."""
    columns = [(keys.index(key), css) for key, css in series]
    top = max([1] + [row["values"][i] for row in months for i, _c in columns])
    layout = ColumnLayout(width, height - 20, 12, top)
    bar = layout.slot / (len(columns) + 1)
    bars, labels = [], []
    for n, row in enumerate(months):
        for j, (i, css) in enumerate(columns):
            value = row["values"][i]
            h = round(layout.height(value), 1)
            bars.append(
                {
                    "x": round(layout.x(n, bar * (j + 0.5)), 1),
                    "y": round(layout.y(h), 1),
                    "w": round(bar - 1, 1),
                    "h": h,
                    "css": css,
                    "title": f"{row['name']}: {value}",
                }
            )
        labels.append({"x": round(layout.centre(n), 1), "y": height - 4, "text": row["name"]})
    legend = [{"css": css, "label": IndicatorKey(key).label} for key, css in series]
    return {"width": width, "height": height, "bars": bars, "labels": labels, "top": top, "legend": legend}
