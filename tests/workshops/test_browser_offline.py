"""Offline attendance (issue 15) end to end in headless Chromium, with the real service worker and
IndexedDB on the live server (http://localhost: a secure context, so service workers run).

- Staff take a workshop offline, lose the connection, add 3 existing people and register 2 new
  ones, reload while offline (the service worker serves the page, the queue is in IndexedDB), get
  the connection back: the server holds exactly 5 new attendances, once; a second sync sends nothing.
- An action queued offline against a workshop that a coordinator approves meanwhile is shown as a
  conflict after the sync and changes nothing on the server.
- Logging out clears the device: the offline database and the cached pages are gone.
"""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from api.models import IdempotencyKey
from review.services import approve, submit
from tests import factories
from workshops.models import Attendance, Participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# PESS_SCREENSHOTS=docs/screenshots saves the offline and conflict states (a run never changes
# the committed pictures otherwise).
SHOTS = os.environ.get("PESS_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


DB_NAMES = "async () => (await indexedDB.databases()).map((d) => d.name)"
PRIVATE_CACHES = "async () => (await caches.keys()).filter((n) => n.startsWith('pess-private'))"


def blocking_axe_violations(page) -> list[str]:
    """axe-core on the page as it is now (the offline panel filled in): critical and serious only."""
    violations = Axe().run(page).response["violations"]
    return [f"{v['impact']} {v['id']}" for v in violations if v["impact"] in ("critical", "serious")]


def take_offline(page, live_server, workshop, worker=True):
    page.goto(f"{live_server.url}{workshop.get_absolute_url()}")
    page.get_by_role("button", name="Llevar sin conexión", exact=True).click()
    if worker:
        expect(page.locator("#offline-state")).to_contain_text("Disponible sin conexión")
        page.wait_for_function("async () => { await navigator.serviceWorker.ready; return true; }")
    else:  # with service workers blocked, the page gives up waiting for one after 10 s
        expect(page.locator("#offline-state")).to_contain_text("Disponible sin conexión", timeout=15_000)


def add_from_search(page, text):
    page.fill("#participant-search", text)
    page.locator("#search-results").get_by_role("button", name="Agregar").first.click()


def register(page, first, last, sex, age, institution="Alcaldía Municipal", dui=""):
    page.fill("#id_first_names", first)
    page.fill("#id_last_names", last)
    page.select_option("#id_sex", sex)
    page.select_option("#id_age_group", age)
    page.fill("#id_institution", institution)
    page.fill("#id_dui", dui)
    page.get_by_role("button", name="Registrar y marcar asistencia").click()


def api_posts(page):
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and "/api/v1/" in r.url else None)
    return sent


def test_offline_attendance_survives_a_reload_and_syncs_exactly_once(browser_login, live_server, office_a, staff_a):
    workshop = factories.workshop(office_a, title="Taller en la escuela rural")
    known = [
        factories.participant(office_a, first_names=first, last_names=last)
        for first, last in [("Rosa Elena", "Alfaro"), ("Marta", "Beltrán Ayala"), ("Lucía", "Cañas")]
    ]
    factories.participant(office_a, first_names="Otra", last_names="Persona")
    page = browser_login(staff_a, width=390)
    take_offline(page, live_server, workshop)

    page.context.set_offline(True)
    expect(page.locator("#offline-banner")).to_contain_text("Sin conexión")
    add_from_search(page, "rosa")
    add_from_search(page, "BELTRAN")
    add_from_search(page, "lucia cañas")
    pending = page.locator("#offline-queue li", has_text="pendiente de sincronizar")
    expect(pending).to_have_count(3)  # each action is queued before the form is filled in
    register(page, "Yesenia", "Quintanilla Mejía", "F", "18-29", dui=factories.valid_dui(7001))
    expect(pending).to_have_count(4)
    # A wrong DUI gets the server's own message and nothing is queued.
    register(page, "Wilfredo", "Zepeda", "M", "30-59", dui="12345678-0")
    expect(page.locator("#new-participant .has-error")).to_contain_text("dígito verificador")
    register(page, "Wilfredo", "Zepeda", "M", "30-59")
    expect(pending).to_have_count(5)
    expect(page.locator("#offline-banner")).to_contain_text("Acciones esperando sincronización: 5")
    _shot(page, "offline-attendance-390.png")
    assert blocking_axe_violations(page) == []

    # Reload with no connection: the service worker serves the page, the queue is in IndexedDB.
    page.reload()
    expect(page.locator("h1")).to_have_text("Taller en la escuela rural")
    expect(pending).to_have_count(5)
    expect(page.locator("#offline-queue")).to_contain_text("Yesenia Quintanilla Mejía")
    assert Attendance.objects.filter(workshop=workshop).count() == 0

    # Another page offline: the offline page, which lists the workshops carried on this device.
    page.goto(f"{live_server.url}/talleres/")
    expect(page.locator("h1")).to_have_text("Sin conexión")
    carried = page.locator("#offline-workshops li")
    expect(carried).to_have_text(re.compile(r"Taller en la escuela rural\s+5 pendientes de sincronizar"))
    carried.get_by_role("link").click()
    expect(pending).to_have_count(5)

    sent = api_posts(page)
    page.context.set_offline(False)
    expect(page.locator("#offline-queue li", has_text="sincronizada")).to_have_count(5, timeout=20_000)
    assert len(sent) == 5
    attending = set(Attendance.objects.filter(workshop=workshop).values_list("participant__last_names", flat=True))
    assert attending == {"Alfaro", "Beltrán Ayala", "Cañas", "Quintanilla Mejía", "Zepeda"}
    assert Participant.objects.filter(last_names__in=["Quintanilla Mejía", "Zepeda"]).count() == 2
    assert IdempotencyKey.objects.filter(user=staff_a).count() == 5
    assert {p.pk for p in known} <= set(Attendance.objects.values_list("participant_id", flat=True))

    # A second sync sends nothing.
    page.get_by_role("button", name="Sincronizar ahora").click()
    page.wait_for_timeout(1000)
    assert len(sent) == 5
    assert Attendance.objects.filter(workshop=workshop).count() == 5


def test_an_action_queued_against_a_workshop_approved_meanwhile_is_a_conflict(
    browser_login, live_server, office_a, staff_a, coordinator_x
):
    workshop = factories.workshop(office_a, title="Taller aprobado mientras tanto")
    already = factories.participant(office_a, first_names="Inés", last_names="Presente")
    factories.attendance(workshop, already)
    late = factories.participant(office_a, first_names="Carmen", last_names="Tardía")
    page = browser_login(staff_a, width=1280)
    take_offline(page, live_server, workshop)

    page.context.set_offline(True)
    add_from_search(page, "carmen")
    page.locator("#attendee-rows tr", has_text="Inés Presente").get_by_role("button", name="Quitar").click()
    expect(page.locator("#offline-queue li", has_text="pendiente de sincronizar")).to_have_count(2)
    expect(page.locator("#attendee-rows tr.offline-removed")).to_have_count(1)
    _shot(page, "offline-pending-1280.png")

    submit(record=workshop, by=staff_a)
    approve(record=workshop, by=coordinator_x)

    page.context.set_offline(False)
    conflicts = page.locator("#offline-queue li", has_text="conflicto")
    expect(conflicts).to_have_count(2, timeout=20_000)
    expect(conflicts.first).to_contain_text("La coordinación aprobó este taller")
    expect(conflicts.first.get_by_role("button", name="Descartar")).to_be_visible()
    expect(page.locator("#offline-banner")).to_contain_text("Acciones con conflicto: 2")
    _shot(page, "offline-conflict-1280.png")
    assert blocking_axe_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 900})
    _shot(page, "offline-conflict-390.png")
    assert list(Attendance.objects.filter(workshop=workshop).values_list("participant_id", flat=True)) == [already.pk]
    assert not Attendance.objects.filter(participant=late).exists()

    # Discarding a conflict removes it from the device.
    conflicts.first.get_by_role("button", name="Descartar").click()
    expect(conflicts).to_have_count(1)


STORED_WORKSHOPS = """() => new Promise((resolve) => { const r = indexedDB.open('pess-offline');
  r.onsuccess = () => { const g = r.result.transaction('workshops').objectStore('workshops').getAll();
    g.onsuccess = () => { r.result.close(); resolve(g.result.map((w) => w.workshop.title)); }; }; })"""
CACHED_PAGES = """async () => { const c = await caches.open('pess-private-v1');
  return (await c.keys()).map((r) => new URL(r.url).pathname); }"""


def test_dropping_a_workshop_and_logging_out_clear_the_device(browser_login, live_server, office_a, staff_a):
    workshop = factories.workshop(office_a, title="Taller llevado")
    factories.participant(office_a, first_names="Dato", last_names="Privado")
    page = browser_login(staff_a)
    take_offline(page, live_server, workshop)
    assert page.evaluate(STORED_WORKSHOPS) == ["Taller llevado"]
    assert page.evaluate(CACHED_PAGES) == [workshop.get_absolute_url()]

    # "Dejar de llevar sin conexión" deletes the workshop's data and its stored page.
    page.get_by_role("button", name="Dejar de llevar sin conexión").click()
    expect(page.get_by_role("button", name="Llevar sin conexión", exact=True)).to_be_visible()
    expect(page.locator("#offline-state")).to_have_text("")
    assert page.evaluate(STORED_WORKSHOPS) == []
    assert page.evaluate(CACHED_PAGES) == []

    page.get_by_role("button", name="Llevar sin conexión", exact=True).click()
    expect(page.locator("#offline-state")).to_contain_text("Disponible sin conexión")
    assert "pess-offline" in page.evaluate(DB_NAMES)
    assert page.evaluate(PRIVATE_CACHES) == ["pess-private-v1"]

    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(re.compile(r"/cuenta/ingresar/"))
    assert "pess-offline" not in page.evaluate(DB_NAMES)
    assert page.evaluate(PRIVATE_CACHES) == []


def test_a_dui_registered_meanwhile_by_another_device_is_attached_not_duplicated(
    browser_login, live_server, office_a, staff_a
):
    workshop = factories.workshop(office_a, title="Taller con DUI repetido")
    dui = factories.valid_dui(4455667)
    page = browser_login(staff_a, width=390)
    take_offline(page, live_server, workshop)

    page.context.set_offline(True)
    register(page, "Sonia", "Guardado", "F", "30-59", dui=dui)
    expect(page.locator("#offline-queue li", has_text="pendiente de sincronizar")).to_have_count(1)
    # Meanwhile another device registered the same person (with another spelling).
    existing = factories.participant(office_a, first_names="Sonia Marisol", last_names="Guardado", dui=dui)

    page.context.set_offline(False)
    conflict = page.locator("#offline-queue li", has_text="conflicto")
    expect(conflict).to_contain_text("Ya hay una persona registrada con ese DUI", timeout=20_000)
    assert not Attendance.objects.exists() and Participant.objects.filter(dui=dui).count() == 1
    conflict.get_by_role("button", name="Agregar a Sonia Marisol Guardado").click()
    expect(page.locator("#offline-queue li", has_text="sincronizada")).to_have_count(1, timeout=20_000)
    assert list(Attendance.objects.values_list("workshop_id", "participant_id")) == [(workshop.pk, existing.pk)]
    assert Participant.objects.filter(dui=dui).count() == 1


def test_an_answer_lost_on_the_way_is_retried_with_the_same_uuid_and_applied_once(
    browser_login, live_server, office_a, staff_a
):
    workshop = factories.workshop(office_a, title="Taller con señal intermitente")
    factories.participant(office_a, first_names="Elsa", last_names="Reintento")
    # The answer is lost by a page route, which sees the page's requests only when no service worker
    # stands between (requests a controlling worker lets through are the worker's, not the page's).
    page = browser_login(staff_a, service_workers="block")
    take_offline(page, live_server, workshop, worker=False)
    page.context.set_offline(True)
    add_from_search(page, "elsa")
    expect(page.locator("#offline-queue li", has_text="pendiente de sincronizar")).to_have_count(1)

    bodies, replayed = [], []

    def lose_first_answer(route):
        bodies.append(route.request.post_data_json)
        if len(bodies) == 1:
            route.fetch()  # the server applies it...
            route.abort("connectionreset")  # ...but its answer never arrives
        else:
            response = route.fetch()
            replayed.append(response.headers.get("idempotent-replayed"))
            route.fulfill(response=response)

    page.route("**/api/v1/attendance/", lose_first_answer)
    page.context.set_offline(False)
    expect(page.locator("#offline-queue li", has_text="sincronizada")).to_have_count(1, timeout=20_000)
    assert len(bodies) == 2 and bodies[0]["client_uuid"] == bodies[1]["client_uuid"]
    assert replayed == ["true"]
    assert Attendance.objects.filter(workshop=workshop).count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_another_user_signing_in_on_the_device_clears_the_previous_users_data(
    browser_login, live_server, office_a, staff_a
):
    workshop = factories.workshop(office_a)
    colleague = factories.user(office_obj=office_a)
    page = browser_login(staff_a)
    take_offline(page, live_server, workshop)
    # The session ends without a logout (it expired); someone else signs in on the same browser.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/cuenta/ingresar/")
    page.fill("#id_username", colleague.username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(re.compile(r"/talleres/"))
    page.wait_for_function(
        "async () => !(await indexedDB.databases()).some((d) => d.name === 'pess-offline')", timeout=10_000
    )
    # The private cache is deleted in the same clean-up, which may finish a moment later.
    page.wait_for_function(
        "async () => !(await caches.keys()).some((n) => n.startsWith('pess-private'))", timeout=10_000
    )
    assert page.evaluate(PRIVATE_CACHES) == []


def test_an_action_the_device_cannot_store_says_so_and_keeps_what_was_typed(
    browser_login, live_server, office_a, staff_a
):
    workshop = factories.workshop(office_a, title="Taller con el dispositivo lleno")
    factories.participant(office_a, first_names="Rosa", last_names="Sinespacio")
    page = browser_login(staff_a, width=390)
    take_offline(page, live_server, workshop)
    page.context.set_offline(True)
    # The device refuses every write from now on (storage full, or cleared by the browser).
    page.evaluate("() => { window.PessOffline.put = () => Promise.reject(new Error('QuotaExceededError')); }")

    add_from_search(page, "rosa")
    banner = page.locator("#offline-banner")
    expect(banner).to_contain_text("No se pudo guardar en este dispositivo (QuotaExceededError)")
    expect(page.locator("#participant-search")).to_have_value("rosa")

    register(page, "Marta", "Llena", "F", "30-59")
    expect(banner.locator(".offline-error")).to_have_count(2)
    expect(page.locator("#id_first_names")).to_have_value("Marta")  # the form keeps what was typed
    expect(page.locator("#offline-queue li")).to_have_count(0)
    assert not Attendance.objects.filter(workshop=workshop).exists()
