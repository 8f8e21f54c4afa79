"""In headless Chromium: when the attendance page's htmx actions fail (a real server error, no
connection, a 503), the page says so next to the action, keeps what was typed, and "Reintentar"
sends the request again once the server is back."""

import pytest
from playwright.sync_api import expect

from tests import factories
from workshops.models import Attendance, Participant

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The project's URLs plus /test-broken/, a view that raises: a real 500 from the real server.
    pytest.mark.urls("tests.pess_tracker.error_urls"),
]


def test_search_and_add_failures_are_shown_and_retried(browser_login, live_server, office_a, staff_a):
    factories.participant(office_a, first_names="Beatriz", last_names="Alvarado")
    workshop = factories.workshop(office_a)
    # The page's own requests must meet the faked answers below (page.route), not the field app's
    # service worker: this test is about the online page's failure messages.
    page = browser_login(staff_a, width=390, service_workers="block")
    page.goto(f"{live_server.url}/talleres/{workshop.pk}/")
    search = page.locator("#participant-search")

    # 1. Search: the server answers 500 (the request is sent to a view that raises).
    def to_broken(route):
        route.continue_(url=f"{live_server.url}/test-broken/")

    page.route("**/buscar/**", to_broken)
    search.fill("beatriz")
    failure = page.locator("#participant-search-form + .htmx-failure")
    expect(failure).to_be_visible()
    expect(failure).to_contain_text("No se pudo completar la acción")
    expect(failure).to_contain_text("Código de referencia")
    expect(search).to_have_value("beatriz")
    page.unroute("**/buscar/**")
    with page.expect_response("**/buscar/**"):
        failure.get_by_role("button", name="Reintentar").click()
    expect(page.locator("#search-results .result-item")).to_have_count(1)
    expect(failure).to_have_count(0)

    # 1b. Search: the server does not answer at all; htmx gives up after its timeout (20 s in
    # static/js/errors.js, shortened here) and says so.
    page.evaluate("htmx.config.timeout = 700")
    page.route("**/buscar/**", lambda route: None)  # never answered
    search.fill("beatri")
    expect(failure).to_contain_text("tardó demasiado")
    expect(search).to_have_value("beatri")
    page.unroute("**/buscar/**")
    page.evaluate("htmx.config.timeout = 20000")
    # The earlier results are still on screen: wait for the retried search's own answer.
    with page.expect_response("**/buscar/**"):
        failure.get_by_role("button", name="Reintentar").click()
    expect(page.locator("#search-results .result-item")).to_have_count(1)
    expect(failure).to_have_count(0)

    # 2. "Agregar": the connection fails (sendError); nothing is added, the search stays.
    page.route("**/asistencia/agregar/", lambda route: route.abort("connectionfailed"))
    page.locator("#search-results .result-item button[type=submit]").click()
    add_failure = page.locator("#search-results .htmx-failure")
    expect(add_failure).to_contain_text("No hay conexión con el servidor")
    expect(search).to_have_value("beatri")
    expect(page.locator("#attendee-rows tr")).to_have_count(0)
    assert Attendance.objects.filter(workshop=workshop).count() == 0
    page.unroute("**/asistencia/agregar/")
    add_failure.get_by_role("button", name="Reintentar").click()
    expect(page.locator("#attendee-rows tr")).to_have_count(1)
    assert Attendance.objects.filter(workshop=workshop).count() == 1

    # 3. New person: the database is down (503); the typed fields are kept for the retry.
    page.route(
        "**/asistencia/nueva/",
        lambda route: route.fulfill(status=503, headers={"Retry-After": "10"}, body="..."),
    )
    page.fill("#id_first_names", "Gloria")
    page.fill("#id_last_names", "Umaña")
    page.select_option("#id_sex", "F")
    page.select_option("#id_age_group", "30-59")
    page.locator("form.new-participant button[type=submit]").click()
    new_failure = page.locator("form.new-participant + .htmx-failure")
    expect(new_failure).to_contain_text("El servicio se está recuperando")
    expect(page.locator("#id_first_names")).to_have_value("Gloria")
    expect(page.locator("#id_last_names")).to_have_value("Umaña")
    page.unroute("**/asistencia/nueva/")
    new_failure.get_by_role("button", name="Reintentar").click()
    expect(page.locator("#attendee-rows tr")).to_have_count(2)
    assert Participant.objects.filter(last_names="Umaña").count() == 1
