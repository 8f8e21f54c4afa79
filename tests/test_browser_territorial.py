import re

import pytest

from geography.models import ThematicTable
from municipalities.models import TableMeeting, TechnicalAssistance
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_record_a_session_a_meeting_and_assistance_on_a_phone(browser_login, live_server, office_a, staff_a):
    """At 390 px: the session grid (live total, zero confirmation), a table meeting and a
    technical-assistance action with a new institution, then all three on the municipality page."""
    municipality = factories.pess_municipality(office_a)
    window = factories.window(office_a, municipality)
    table = ThematicTable.objects.order_by("name").first()
    page = browser_login(staff_a, width=390)

    page.goto(f"{live_server.url}/ventanillas/{window.pk}/jornadas/nueva/")
    zero_box = page.locator("[data-zero-confirm]")
    assert page.locator("[data-grid-total]").inner_text() == "0"
    assert zero_box.is_visible()
    page.fill("#id_hours", "3")
    page.check("#id_topic_leiv_rights")
    page.fill("#id_reach_F_1", "12")
    page.fill("#id_reach_M_1", "9")
    page.fill("#id_reach_F_2", "4")
    assert page.locator("[data-grid-total]").inner_text() == "25"
    assert not zero_box.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Guardar jornada").click()
    page.wait_for_url(re.compile(r"/ventanillas/jornadas/\d+/$"))
    assert "Jornada guardada" in page.content()

    page.goto(f"{live_server.url}/municipios/mesas/nueva/?municipio={municipality.pk}")
    page.select_option("#id_table", str(table.pk))
    page.fill("#id_agreements", "Jornada conjunta en centros escolares priorizados")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(re.compile(r"/municipios/mesas/\d+/$"))
    page.fill("#id_description", "Enviar calendario de jornadas")
    page.get_by_role("button", name="Agregar acción").click()
    page.wait_for_load_state()
    assert "Enviar calendario de jornadas" in page.content()

    page.goto(f"{live_server.url}/municipios/asistencia/nueva/?municipio={municipality.pk}")
    page.fill("#id_new_institution_name", "Casa de la Mujer de Prueba")
    page.select_option("#id_topic", "gender_approach")
    page.fill("#id_hours", "2")
    page.fill("#id_outcome", "Ruta de atención revisada")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(re.compile(r"/municipios/asistencia/\d+/$"))

    assert TableMeeting.objects.filter(municipality=municipality).count() == 1
    assert TechnicalAssistance.objects.get().institution.name == "Casa de la Mujer de Prueba"

    page.goto(f"{live_server.url}/municipios/{municipality.pk}/")
    body = page.locator("main").inner_text()
    assert table.name in body
    assert "Casa de la Mujer de Prueba" in body
    assert str(window) in body and "25" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
