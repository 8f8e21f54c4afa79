"""The public transparency page (/transparencia/): no login, official figures only, small people
counts protected, no personal data, cached and throttled."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geography.models import Municipality
from indicators import figures as indicators
from indicators import registry
from indicators.disaggregation import AgeGroup, Sex
from reports import disclosure, public
from review.services import submit
from tests import factories
from tests.reports.test_disclosure import subtraction_attack

pytestmark = pytest.mark.django_db
URL = "/transparencia/"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The figures and the throttle live in Django's cache: each test starts without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def data(known, office_a):
    """`known` plus a bigger San Salvador municipality: 9 women and 1 man in a workshop, a window
    session of 20 girls; participants with a DUI and a marker in their names."""
    m2 = known["m2"]
    workshop = factories.workshop(
        office_a, m2, start_date=datetime.date(2026, 6, 1), end_date=datetime.date(2026, 6, 1)
    )
    for i in range(10):
        person = factories.participant(
            office_a,
            first_names=f"ZZNOMBRE{i}",
            last_names="ZZAPELLIDO",
            dui=factories.valid_dui(1000 + i),
            sex=Sex.MALE if i == 0 else Sex.FEMALE,
        )
        factories.attendance(workshop, person)
    window = factories.window(office_a, m2)
    factories.session(window, counts={(Sex.FEMALE, AgeGroup.CHILD): 20}, date=datetime.date(2026, 6, 2))
    factories.approve_all()
    return known


def _people_cells(html: str) -> list[str]:
    """The text of every cell of the "Personas" tables and of the national cards."""
    tables = re.findall(r"<caption class=\"visually-hidden\">Personas.*?</table>", html, flags=re.S)
    cells = [c for t in tables for c in re.findall(r'<td class="num">(.*?)</td>', t, flags=re.S)]
    return cells


def test_answers_without_login_with_official_figures(client, data):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cifras al 30/11/2026" in html
    assert "Cifras públicas del Plan El Salvador Seguro" in html
    figures = public.public_figures(2026)
    san_salvador = next(d for d in figures["departments"] if d["code"] == "SV-SS")
    m2 = next(m for m in san_salvador["municipalities"] if m["code"] == data["m2"].code)
    # participants of m2: Ana and the ten people of the new workshop = 11 (10 women, 1 man)
    assert m2["people"][0][0] == {"value": 11, "status": disclosure.SHOWN}
    assert m2["people"][0][1] == {"value": 10, "status": disclosure.SHOWN}
    assert m2["people"][0][2]["status"] == disclosure.SMALL  # 1 man
    assert m2["people"][0][3]["status"] == disclosure.SMALL  # 0 not recorded
    # events are published whole: m2 has w2 and the new workshop
    assert m2["events"][public.EVENT_KEYS.index("workshops_held")] == 2
    # the map: all 262 municipalities drawn, workshops of the PESS ones, no link to login-only pages
    assert figures["map"].drawn == 262 and figures["map"].row(data["m2"].pk).value == 2
    assert 'id="mapa-publico"' in html and "/municipios/" not in html


def test_no_people_count_under_5_is_shown(client, data):
    html = client.get(URL).content.decode()
    cells = _people_cells(html)
    assert cells, "the page has its people tables"
    for text in cells:
        if text in ("&lt;5",) or "<abbr" in text:
            continue
        assert int(text.replace(",", "")) >= 5, text
    assert "&lt;5" in cells and any("<abbr" in c for c in cells)


def test_totals_cannot_reveal_a_suppressed_cell(data):
    """From what the page shows, neither subtraction nor any combination of its totals nor the
    bounds find a hidden value (the true values are computed here, independently of the page)."""
    figures = public.public_figures(2026)
    pess = Municipality.objects.pess()
    units = {("nation",): figures["national"]}
    children = {("nation",): []}
    for department in figures["departments"]:
        unit = ("department", department["code"])
        units[unit] = department
        children[("nation",)].append(unit)
        children[unit] = [("municipality", m["code"]) for m in department["municipalities"]]
        units.update({("municipality", m["code"]): m for m in department["municipalities"]})
    for position, key in enumerate(public.PEOPLE_KEYS):
        columns = (key, *registry.parts(key))
        truth = {
            "nation": indicators.figures(columns, pess, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
            "department": indicators.figures(
                columns, pess, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), by="department"
            ),
            "municipality": indicators.figures(
                columns, pess, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), by="municipality"
            ),
        }
        pk = {("department", m.department.iso_code): m.department_id for m in pess.select_related("department")}
        pk.update({("municipality", m.code): m.pk for m in pess})
        values, status = {}, {}
        for unit, row in units.items():
            true_row = (
                truth["nation"] if unit == ("nation",) else truth[unit[0]].get(pk[unit], dict.fromkeys(columns, 0))
            )
            for column, cell in zip(columns, row["people"][position], strict=True):
                values[(unit, column)] = int(true_row[column])
                status[(unit, column)] = cell["status"]
                assert cell["value"] is None or cell["value"] == values[(unit, column)]
                assert cell["status"] != disclosure.SHOWN or values[(unit, column)] >= 5
        relations = disclosure.hierarchy(list(units), children, columns[1:], key)
        assert subtraction_attack(values, relations, status) == {}
        assert disclosure.recoverable(values, relations, status) == set()


def test_no_personal_data_on_the_page(client, data):
    html = client.get(URL).content.decode()
    assert "ZZNOMBRE" not in html and "ZZAPELLIDO" not in html
    assert factories.valid_dui(1000) not in html and factories.valid_dui(1000).replace("-", "") not in html
    assert "Instituto de prueba" not in html  # an institution's name


def test_the_public_map_does_not_promise_links_it_does_not_have(client, data):
    html = client.get(URL).content.decode()
    assert "Pase el puntero o el foco por un municipio para ver su cifra." in html
    assert "un clic abre su página" not in html
    assert "/municipios/" not in html


def test_a_submitted_record_changes_nothing(client, data, office_a, staff_a):
    before = client.get(URL).content.decode()
    workshop = factories.workshop(
        office_a, data["m1"], start_date=datetime.date(2026, 7, 1), end_date=datetime.date(2026, 7, 1)
    )
    for _i in range(30):
        factories.attendance(workshop, factories.participant(office_a))
    submit(record=workshop, by=staff_a)
    draft = factories.workshop(
        office_a, data["m1"], start_date=datetime.date(2026, 7, 2), end_date=datetime.date(2026, 7, 2)
    )
    factories.attendance(draft, factories.participant(office_a))
    cache.clear()
    after = client.get(URL).content.decode()
    strip = re.compile(r'Cifras al [0-9/ :]+|name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", before) == strip.sub("", after)
    factories.approve_all()  # the same records once approved do change the page
    cache.clear()
    assert strip.sub("", client.get(URL).content.decode()) != strip.sub("", after)


def test_year_selector_offers_this_year_and_the_last(client, data):
    assert public.public_years() == [2026, 2025]
    html = client.get(URL, {"anio": "2025"}).content.decode()
    assert '<option value="2025" selected>' in html
    assert public.public_figures(2025)["year"] == 2025
    html = client.get(URL, {"anio": "2019"}).content.decode()
    assert "Solo se publican las cifras de 2026 y 2025" in html and '<option value="2026" selected>' in html


def test_figures_are_cached_for_everyone(client, data, staff_a):
    with CaptureQueriesContext(connection) as cold:
        client.get(URL)
    with CaptureQueriesContext(connection) as warm:
        client.get(URL)
    figure_queries = [q for q in warm.captured_queries if "workshops_" in q["sql"] or "mobile_windows_" in q["sql"]]
    assert len(cold.captured_queries) > len(warm.captured_queries) and figure_queries == []
    client.force_login(staff_a)  # a signed-in user reads the same cached figures
    with CaptureQueriesContext(connection) as signed_in:
        assert client.get(URL).status_code == 200
    assert not [q for q in signed_in.captured_queries if "workshops_" in q["sql"]]


def test_throttled_per_address_with_a_spanish_429(client, data, settings):
    settings.PUBLIC_PAGE_THROTTLE = "3/minute"
    codes = [client.get(URL, REMOTE_ADDR="10.9.9.9").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get(URL, REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Se recibieron demasiadas solicitudes desde su dirección" in refused.content.decode()
    assert client.get(URL, REMOTE_ADDR="10.9.9.8").status_code == 200  # another address


def test_old_figures_are_computed_again_by_one_request(client, data, settings):
    """After PUBLIC_FIGURES_CACHE_SECONDS the figures are computed again; while one request
    computes them, the others get the previous ones (with their date)."""
    first = public.public_figures(2026)
    later = first["computed_at"] + datetime.timedelta(seconds=settings.PUBLIC_FIGURES_CACHE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        cache.add(f"{public.cache_key(2026)}:refreshing", 1)  # another request is computing
        with CaptureQueriesContext(connection) as stale:
            assert public.public_figures(2026)["computed_at"] == first["computed_at"]
        assert stale.captured_queries == []
        cache.delete(f"{public.cache_key(2026)}:refreshing")
        with CaptureQueriesContext(connection) as refresh:
            again = public.public_figures(2026)
        assert again["computed_at"] == later and refresh.captured_queries
        assert public.public_figures(2026)["computed_at"] == later
