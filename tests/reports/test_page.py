"""The reports page: login, scoping, a CSP-friendly document and a constant number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.disaggregation import AgeGroup, Sex
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/informes/"


def test_url_and_login_required(client):
    assert reverse("reports:report") == URL
    response = client.get(URL)
    assert response.status_code == 302 and "/cuenta/ingresar/" in response["Location"]


def test_page_shows_tables_charts_and_export_links(known, manager, client):
    client.force_login(manager)
    html = client.get(URL, {"year": 2026}).content.decode()
    assert "Talleres de formación por departamento" in html
    assert "Participantes únicos por sexo y grupo de edad" in html
    assert "Comparación con el periodo anterior (2025)" in html
    assert "Avance hacia las metas de 2026" in html
    assert html.count("<svg") == 3  # two charts and the map (tests/indicators/test_maps.py)
    # Exports are background jobs: forms posting the page's filters (reports.jobs).
    assert 'action="/informes/descargas/solicitar/"' in html
    assert '<input type="hidden" name="year" value="2026">' in html and 'name="kind" value="attendance"' in html
    # A strict Content-Security-Policy will be enforced: no inline scripts, styles or handlers.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r'\sstyle="|\son[a-z]+="', html)


def test_coordinator_page_has_nothing_of_other_departments(known, coordinator_y, client):
    client.force_login(coordinator_y)
    html = client.get(URL, {"year": 2026, "level": "municipality"}).content.decode()
    assert "Santa Ana" in html
    assert known["m1"].name not in html and "San Salvador" not in html


def test_bad_filters_show_errors_not_a_report(manager, client):
    client.force_login(manager)
    response = client.get(URL, {"period": "custom", "start": "10/03/2026", "end": "01/03/2026"})
    assert response.status_code == 200
    assert "La fecha de fin es anterior a la de inicio." in response.content.decode()
    assert "report" not in response.context


def _grow(office_a, office_y, n):
    """More records everywhere: workshops with attendance, sessions, assistance, meetings, plans."""
    for i in range(n):
        for office in (office_a, office_y):
            m = factories.pess_municipality(office, i % 2)
            day = datetime.date(2026, 1 + i % 12, 3)
            w = factories.workshop(office, m, start_date=day, end_date=day)
            for _j in range(3):
                factories.attendance(w, factories.participant(office, sex=Sex.MALE, age_group=AgeGroup.YOUTH))
            factories.session(factories.window(office, m), date=datetime.date(2026, 2, 1 + i))
            factories.assistance(office, m)
            factories.meeting(office, m)
            factories.target(m, 2026 + 1 + i, "workshops_held", 3)


@pytest.mark.parametrize("level", ["department", "municipality"])
def test_query_count_is_constant(known, manager, office_a, office_y, client, level):
    """Guards N+1 queries per group row, per indicator or per month: figures are grouped in the
    database (one query per source model and grouping), never looped over municipalities."""
    client.force_login(manager)
    params = {"year": 2026, "level": level}
    client.get(URL, params)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL, params).status_code == 200
    _grow(office_a, office_y, 4)
    factories.plan(office_a, factories.pess_municipality(office_a, 0))
    with CaptureQueriesContext(connection) as large:
        assert client.get(URL, params).status_code == 200
    assert len(small) == len(large)
