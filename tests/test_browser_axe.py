"""axe-core (axe-playwright-python) on every main page of each role: staff pages at 390 px, the
admin and the reports at desktop size. No critical or serious violation, and no rule excluded."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from review.services import submit
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
BLOCKING = {"critical", "serious"}


def _login(chromium, live_server, user, width, height):
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="es-SV")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/cuenta/ingresar/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/**")
    return context, page


def _violations(page, url) -> list[str]:
    page.goto(url)
    results = AXE.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            found.append(f"{url}: {violation['impact']} {violation['id']} ({len(violation['nodes'])}) {targets}")
    return found


@pytest.fixture
def world(office_a, staff_a):
    workshop = factories.workshop(office_a)
    person = factories.participant(office_a, dui=factories.valid_dui(5555))
    factories.attendance(workshop, person)
    submitted = factories.workshop(office_a, title="Taller enviado")
    factories.attendance(submitted, person)
    submit(record=submitted, by=staff_a)
    window = factories.window(office_a)
    session = factories.session(window)
    meeting = factories.meeting(office_a)
    assistance = factories.assistance(office_a)
    return {
        "workshop": workshop,
        "submitted": submitted,
        "person": person,
        "window": window,
        "session": session,
        "meeting": meeting,
        "assistance": assistance,
    }


def test_staff_pages_at_phone_width(chromium, live_server, staff_a, world):
    w = world["workshop"]
    pages = [
        "/",
        "/talleres/",
        w.get_absolute_url(),
        f"{w.get_absolute_url()}?q=ana",
        "/talleres/nuevo/",
        f"/talleres/{w.pk}/hoja/",
        f"/talleres/{w.pk}/importar/",
        "/talleres/participantes/",
        world["person"].get_absolute_url(),
        "/ventanillas/",
        world["window"].get_absolute_url(),
        world["session"].get_absolute_url(),
        f"/ventanillas/{world['window'].pk}/jornadas/nueva/",
        "/municipios/mesas/",
        world["meeting"].get_absolute_url(),
        "/municipios/asistencia/",
        world["assistance"].get_absolute_url(),
        "/municipios/asistencia/nueva/",
        "/municipios/planes/",
        "/municipios/",
        "/cuenta/seguridad/",
    ]
    context, page = _login(chromium, live_server, staff_a, 390, 844)
    try:
        found = [v for url in pages for v in _violations(page, f"{live_server.url}{url}")]
    finally:
        context.close()
    assert found == [], "\n".join(found)


def test_coordinator_admin_and_reports_at_desktop(chromium, live_server, coordinator_x, world):
    w = world["submitted"]
    pages = [
        "/",
        "/informes/",
        "/admin/",
        "/admin/workshops/workshop/",
        f"/admin/workshops/workshop/{w.pk}/change/",
        f"/admin/workshops/workshop/{w.pk}/history/",
        "/admin/workshops/participant/",
        f"/admin/workshops/participant/{world['person'].pk}/change/",
        "/admin/review/reviewtransition/cola/",
        "/admin/mobile_windows/windowsession/",
        "/admin/municipalities/technicalassistance/",
        "/informes/paquete-mensual/",
        "/transparencia/",
    ]
    context, page = _login(chromium, live_server, coordinator_x, 1366, 900)
    try:
        found = [v for url in pages for v in _violations(page, f"{live_server.url}{url}")]
    finally:
        context.close()
    assert found == [], "\n".join(found)


def test_manager_pages_at_desktop(chromium, live_server, manager, world):
    pages = [
        "/",
        "/informes/",
        "/talleres/participantes/",
        world["person"].get_absolute_url(),
        "/admin/",
        "/admin/workshops/participant/",
        f"/admin/workshops/participant/{world['person'].pk}/change/",
        "/admin/workshops/workshop/",
    ]
    context, page = _login(chromium, live_server, manager, 1366, 900)
    try:
        found = [v for url in pages for v in _violations(page, f"{live_server.url}{url}")]
    finally:
        context.close()
    assert found == [], "\n".join(found)


def test_public_page_without_login_at_phone_width(chromium, live_server, world):
    """The public transparency page, anonymous, at 390 px (its map, tables and notes)."""
    from django.core.cache import cache

    cache.clear()
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="es-SV")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        found = _violations(page, f"{live_server.url}/transparencia/")
        assert page.locator("h1").inner_text() == "Cifras públicas del Plan El Salvador Seguro"
    finally:
        context.close()
    assert found == [], "\n".join(found)
