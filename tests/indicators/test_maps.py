"""The choropleth map (indicators.maps) on the reports page, the home page and the municipality page.

On seeded data: every one of the 262 municipalities is drawn, each selected one in the class its
figure falls in (checked against the legend's bounds, not against the code that assigned it), the
figures are those of indicators.figures, and the table twin carries the same numbers. Scoping: a
coordinator's map carries figures and links only for their department.
"""

import itertools
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.seeder import DemoSeeder
from geography.models import Municipality
from indicators import figures as indicators
from indicators import maps, periods
from indicators.figures import IndicatorKey as K
from indicators.registry import Review
from review import services as review_services
from tests import factories

pytestmark = pytest.mark.django_db


class _MapParser(HTMLParser):
    """Collects the map's drawn municipalities (data-m, classes, title) and the table twin's rows."""

    def __init__(self):
        super().__init__()
        self.drawn: dict[str, dict] = {}
        self.links: dict[str, str] = {}
        self.table: dict[str, dict] = {}
        self.legend: list[tuple[str, str]] = []
        self._title_for = None
        self._row = None
        self._cells: list[str] = []
        self._in_cell = False
        self._in_legend = False
        self._legend_css = None
        self.styles = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.styles += 1
        if "data-m" in attrs and tag in ("a", "path"):
            code = attrs["data-m"]
            self.drawn[code] = {"classes": attrs["class"].split(), "title": ""}
            if tag == "a":
                self.links[code] = attrs["href"]
            self._pending_title = code
        if tag == "title" and getattr(self, "_pending_title", None):
            self._title_for = self._pending_title
        if tag == "tr" and "data-code" in attrs:
            self._row, self._cells = attrs["data-code"], []
        if tag in ("th", "td") and self._row:
            self._in_cell = True
            self._cells.append("")
        if tag == "ul" and "map-legend" in attrs.get("class", ""):
            self._in_legend = True
        if tag == "span" and self._in_legend and "swatch" in attrs.get("class", ""):
            self._legend_css = attrs["class"].split()[1]

    def handle_endtag(self, tag):
        if tag == "title":
            self._title_for = None
            self._pending_title = None
        if tag in ("th", "td"):
            self._in_cell = False
        if tag == "tr" and self._row:
            self.table[self._row] = [c.strip() for c in self._cells]
            self._row = None
        if tag == "ul":
            self._in_legend = False

    def handle_data(self, data):
        if self._title_for:
            self.drawn[self._title_for]["title"] += data
        if self._in_cell:
            self._cells[-1] += data
        if self._in_legend and self._legend_css:
            self.legend.append((self._legend_css, data.strip()))
            self._legend_css = None


def _parse(html: str) -> _MapParser:
    parser = _MapParser()
    parser.feed(html)
    return parser


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _bounds(label: str) -> tuple[Decimal, Decimal]:
    parts = [_number(p) for p in label.split(" – ")]
    return parts[0], parts[-1]


@pytest.fixture
def seeded(ref):
    DemoSeeder("tiny", seed=11, log=lambda _m: None).run()


def test_reports_map_draws_all_262_with_the_right_class_and_its_table_twin(seeded, manager, client):
    client.force_login(manager)
    response = client.get(reverse("reports:report"), {"year": 2026, "level": "municipality", "chart": K.ATTENDANCES})
    assert response.status_code == 200
    page = _parse(response.content.decode())
    assert len(page.drawn) == 262
    assert page.styles == 0  # strict CSP: classes only

    period = periods.year(2026)
    pess = Municipality.objects.pess()
    official, pending = indicators.figures_and_pending(
        [K.ATTENDANCES], pess, period.start, period.end, by="municipality"
    )
    by_code = {m.code: m for m in Municipality.objects.all()}
    classes = {css: _bounds(label) for css, label in page.legend if re.fullmatch(r"c[1-5]", css)}
    assert classes, "seeded data has approved attendance in 2026"
    positives = 0
    for code, drawn in page.drawn.items():
        municipality = by_code[code]
        if municipality.pess_phase is None:
            assert "out" in drawn["classes"] and "pess" not in drawn["classes"]
            assert code not in page.links and code not in page.table
            continue
        value = official.get(municipality.pk, {}).get(K.ATTENDANCES, 0)
        waiting = pending.get(municipality.pk, {}).get(K.ATTENDANCES, 0)
        assert "pess" in drawn["classes"]
        assert page.links[code] == reverse("municipalities:municipality_detail", args=[municipality.pk])
        assert drawn["title"].startswith(f"{municipality.name}: {value:,}")
        assert ("pendientes" in drawn["title"]) == bool(waiting)
        css = next(c for c in drawn["classes"] if re.fullmatch(r"c[0-5]", c))
        if value == 0:
            assert css == "c0"
        else:
            positives += 1
            low, high = classes[css]
            assert low <= value <= high, (code, value, css, classes)
        # The table twin: same figure, same pending count, same class.
        row = page.table[code]
        assert _number(row[1]) == value
        assert (_number(row[2]) if row[2] else 0) == waiting
    assert positives > 0 and len(page.table) == 50
    # The highest figure is in the top class, the lowest positive one in the first.
    values = [v[K.ATTENDANCES] for v in official.values() if v[K.ATTENDANCES]]
    top = max(classes, key=lambda c: classes[c][1])
    assert classes[top][1] == max(values) and classes["c1"][0] == min(values)


def test_coordinator_map_is_zoomed_and_carries_only_their_department(seeded, office_a, client):
    coordinator = factories.user("coordinator", office_a)
    client.force_login(coordinator)
    response = client.get(reverse("home"))
    page = _parse(response.content.decode())
    by_code = {m.code: m for m in Municipality.objects.select_related("department")}
    department = office_a.department
    assert 0 < len(page.drawn) < 262  # zoomed: only what the department's box shows
    assert {code[:2] for code in page.table} == {department.code}
    assert len(page.table) == Municipality.objects.pess().filter(department=department).count()
    for code, drawn in page.drawn.items():
        if by_code[code].department_id != department.pk:
            assert "out" in drawn["classes"], code
            assert code not in page.links
            assert drawn["title"] == ""  # nothing of other departments but their shape
    period = periods.this_year()
    other = Municipality.objects.pess().exclude(department=department)
    outside = indicators.figures([K.PARTICIPANTS], other, period.start, period.end, by="municipality")
    assert outside  # the seeded data has figures elsewhere, and none of them is on this map
    assert all(by_code[code].department_id == department.pk for code in page.links)


def test_staff_home_has_no_map_and_manager_home_is_national(seeded, staff_a, manager, client):
    client.force_login(staff_a)
    assert 'class="choropleth"' not in client.get(reverse("home")).content.decode()
    client.force_login(manager)
    page = _parse(client.get(reverse("home"), {"indicador": K.PEOPLE_REACHED}).content.decode())
    assert len(page.drawn) == 262 and len(page.table) == 50
    assert "Personas alcanzadas" in client.get(reverse("home"), {"indicador": K.PEOPLE_REACHED}).content.decode()
    # An unknown indicator falls back to the default instead of failing.
    assert client.get(reverse("home"), {"indicador": "nada"}).status_code == 200


def test_municipality_page_inset_highlights_the_municipality(seeded, office_a, client):
    municipality = factories.pess_municipality(office_a, 0)
    client.force_login(factories.user("coordinator", office_a))
    html = client.get(municipality.get_absolute_url()).content.decode()
    page = _parse(html)
    assert 'class="map-highlight"' in html
    assert 'class="m ' in html and "hl" in page.drawn[municipality.code]["classes"]
    assert {code[:2] for code in page.table} == {municipality.department.code}


def test_query_counts_do_not_grow_with_the_data(ref, office_a, client):
    coordinator = factories.user("coordinator", office_a)
    client.force_login(coordinator)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home"))
    DemoSeeder("tiny", seed=3, log=lambda _m: None).run()
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("home"))
    assert len(small) == len(large)


def test_classes_are_quantiles_of_the_positive_figures():
    classes = maps.classify(list(range(0, 101)))
    assert [c.css for c in classes] == ["c1", "c2", "c3", "c4", "c5"]
    assert classes[0].low == 1 and classes[-1].high == 100
    assert all(a.high < b.low for a, b in itertools.pairwise(classes))
    assert maps.class_of(0, classes) is None and maps.class_of(100, classes).css == "c5"
    assert maps.class_of(20, classes).css == "c1" and maps.class_of(21, classes).css == "c2"
    # Fewer distinct figures than classes: one class per figure.
    few = maps.classify([3, 3, 7, 0])
    assert [(c.low, c.high, c.label) for c in few] == [(3, 3, "3"), (7, 7, "7")]
    assert maps.classify([0, None]) == []
    hours = maps.classify([Decimal("1.5"), Decimal("1234.5")], decimal=True)
    assert hours[-1].label == "1,234.5"


def test_map_text_is_escaped_and_public_maps_have_no_links(ref):
    municipality = Municipality.objects.pess().first()
    municipality.name = '<script>alert("x")</script>'
    municipality.save()
    drawn = maps.choropleth({municipality.pk: 5}, {municipality.pk: 2}, title="<b>t</b>", link=False)
    svg = str(drawn.svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;t&lt;/b&gt;" in svg
    assert "<a " not in svg and "(+2 pendientes de revisión)" in svg
    assert drawn.row(municipality.pk).value == 5
    with_pending = maps.choropleth({municipality.pk: 5}, {municipality.pk: 2}, title="t", pending_included=True)
    assert "(de ellos 2 pendientes de revisión)" in str(with_pending.svg)
    assert drawn.legend[-2][0] == "c0"


def test_indicator_map_counts_only_what_review_selects(ref, office_a, staff_a, manager):
    municipality = factories.pess_municipality(office_a, 0)
    approved = factories.workshop(office_a, municipality)
    factories.attendance(approved, factories.participant(office_a))
    factories.approve_all()
    pending = factories.workshop(office_a, municipality)
    factories.attendance(pending, factories.participant(office_a))
    review_services.submit(record=pending, by=staff_a)
    official = maps.indicator_map(K.ATTENDANCES, Municipality.objects.pess(), user=manager)
    assert (official.row(municipality.pk).value, official.row(municipality.pk).pending) == (1, 1)
    both = maps.indicator_map(K.ATTENDANCES, Municipality.objects.pess(), user=manager, review=Review.WITH_PENDING)
    assert both.row(municipality.pk).value == 2


def test_standalone_svg_carries_the_page_colours_and_no_links(ref):
    from pathlib import Path

    from defusedxml import ElementTree

    ids = list(Municipality.objects.pess().values_list("pk", flat=True))
    drawn = maps.choropleth({pk: i for i, pk in enumerate(ids)}, title="Participantes", selection=ids)
    document = drawn.standalone_svg(width=800)
    root = ElementTree.fromstring(document.encode())  # well-formed XML
    assert root.get("width") == "800" and "<a " not in document and "<style>" in document
    assert (
        len(root.findall(".//{http://www.w3.org/2000/svg}path[@data-m]"))
        + len(root.findall(".//{http://www.w3.org/2000/svg}g[@data-m]"))
        == 262
    )
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()
    for name, fill in maps.FILLS.items():
        if name != "out":
            assert f".choropleth-svg .{name}, .choropleth-svg .{name} path {{ fill: {fill}; }}" in css
    assert f".choropleth-svg .out {{ fill: {maps.FILLS['out']}; }}" in css


def test_display_text_replaces_the_figure_shown(ref):
    municipality = Municipality.objects.pess().first()
    drawn = maps.choropleth({municipality.pk: 3}, title="t", display={municipality.pk: "<5"})
    assert f"{municipality.name}: &lt;5</title>" in str(drawn.svg)
    assert drawn.row(municipality.pk).value_text == "<5"
