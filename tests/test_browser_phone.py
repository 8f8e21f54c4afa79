"""At 390 × 844 (a phone), as territorial staff: every action answers where the eyes are (add,
remove with undo, register, a form error), the header stays under 80 px and every tap target on
the main staff pages measures at least 44 × 44 CSS px."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# One pixel of slack: scroll positions are whole pixels while layout is fractional, so an element
# scrolled to the top can sit at -0.2 px depending on the heights above it.
IN_VIEW = """(el) => { const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1; }"""


def phone_login(chromium, live_server, user):
    context = chromium.new_context(viewport=PHONE, locale="es-SV", has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/cuenta/ingresar/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/**")
    return context, page


def in_view(locator) -> bool:
    locator.first.wait_for(state="visible")
    return locator.first.evaluate(IN_VIEW)


def settle(page):
    page.wait_for_timeout(300)  # app.js scrolls 30 ms after htmx's answer


@pytest.fixture
def busy_workshop(office_a):
    workshop = factories.workshop(office_a, title="Taller largo")
    for i in range(25):
        factories.attendance(workshop, factories.participant(office_a, first_names=f"Lista{i}", last_names="Presente"))
    factories.participant(office_a, first_names="Zoila", last_names="Buscada", dui=factories.valid_dui(4321))
    return workshop


def test_every_action_answers_inside_the_viewport(chromium, live_server, staff_a, busy_workshop):
    context, page = phone_login(chromium, live_server, staff_a)
    try:
        page.goto(f"{live_server.url}{busy_workshop.get_absolute_url()}")

        # Add an existing person: two taps after typing (the result's "Agregar").
        page.fill("#participant-search", "zoila")
        page.locator("#search-results").get_by_role("button", name="Agregar").click()
        row = page.locator("#attendee-rows tr", has_text="Zoila Buscada")
        expect(row).to_have_count(1)
        settle(page)
        assert in_view(page.locator("#attendance-summary .messages")), "add: message off-screen"
        assert in_view(row), "add: the new row is off-screen"
        expect(page.locator("#live-region")).to_contain_text("Zoila")

        # Remove, then undo within 10 seconds.
        row.get_by_role("button", name="Quitar").click()
        expect(row).to_have_count(0)
        settle(page)
        message = page.locator("#attendance-summary .messages")
        undo = page.get_by_role("button", name="Deshacer")
        assert in_view(message) and in_view(undo), "remove: message or undo off-screen"
        undo.click()
        expect(row).to_have_count(1)
        settle(page)
        assert in_view(page.locator("#attendance-summary .messages")) and in_view(row), "undo: off-screen"

        # A form error: the first wrong field has the focus, on screen.
        page.fill("#id_first_names", "Nueva")
        page.fill("#id_last_names", "Persona")
        page.select_option("#id_sex", "F")
        page.select_option("#id_age_group", "30-59")
        page.fill("#id_dui", "12345678-0")
        page.get_by_role("button", name="Registrar y marcar asistencia").click()
        dui = page.locator("#id_dui")
        expect(dui).to_be_focused()
        assert in_view(dui), "error: the DUI field is off-screen"

        # Register a new person: the message and the new row are on screen.
        dui.fill("")
        page.get_by_role("button", name="Registrar y marcar asistencia").click()
        new_row = page.locator("#attendee-rows tr", has_text="Nueva Persona")
        expect(new_row).to_have_count(1)
        settle(page)
        assert in_view(page.locator("#attendance-summary .messages")), "register: message off-screen"
        assert in_view(new_row), "register: the new row is off-screen"
    finally:
        context.close()


TARGETS = """() => {
  const selector = 'button, .button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, '
    + 'textarea, label.check, .stack.check label, .site-header a, .pagination a, .subnav a, .todo-item > a';
  return Array.from(document.querySelectorAll(selector))
    .filter((el) => el.offsetParent !== null || el.getClientRects().length)
    .map((el) => { const r = el.getBoundingClientRect();
      return {what: (el.tagName + ' ' + (el.textContent || el.name || el.id || '').trim()).slice(0, 60),
              w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10}; })
    .filter((t) => t.w > 0 && t.h > 0 && (t.w < 44 || t.h < 44));
}"""


def page_problems(page, live_server, urls, more=None) -> list[str]:
    """Each URL at phone size: an answer other than 200, what `more(url)` finds, and a page wider
    than the phone (sideways scrolling)."""
    problems = []
    for url in urls:
        response = page.goto(f"{live_server.url}{url}")
        if response.status != 200:
            problems.append(f"{url}: HTTP {response.status}")
            continue
        if more is not None:
            problems += more(url)
        page_width = page.evaluate("document.documentElement.scrollWidth")
        if page_width > PHONE["width"]:
            problems.append(f"{url}: page is {page_width} px wide")
    return problems


def test_header_and_tap_targets_on_the_main_staff_pages(chromium, live_server, staff_a, office_a):
    workshop = factories.workshop(office_a)
    factories.attendance(workshop, factories.participant(office_a))
    window = factories.window(office_a)
    session = factories.session(window)
    factories.meeting(office_a)
    factories.assistance(office_a)
    pages = [
        "/",
        "/talleres/",
        workshop.get_absolute_url(),
        f"/talleres/{workshop.pk}/editar/",
        f"/talleres/{workshop.pk}/hoja/",
        "/talleres/participantes/",
        "/ventanillas/",
        window.get_absolute_url(),
        session.get_absolute_url(),
        "/municipios/mesas/",
        "/municipios/asistencia/",
        "/municipios/planes/",
        "/municipios/",
    ]
    context, page = phone_login(chromium, live_server, staff_a)

    def header_and_targets(url):
        found = []
        header = page.locator(".site-header").bounding_box()
        if header["height"] > 80:
            found.append(f"{url}: header {header['height']} px")
        small = page.evaluate(TARGETS)
        page.get_by_role("button", name="Menú").click()  # the menu's links, open
        small += page.evaluate(TARGETS)
        return found + [f"{url}: {t['what']!r} {t['w']}×{t['h']}" for t in small]

    try:
        failures = page_problems(page, live_server, pages, header_and_targets)
    finally:
        context.close()
    assert failures == [], "\n".join(sorted(set(failures)))


def test_manager_pages_fit_a_phone_without_sideways_scroll(chromium, live_server, manager, office_a):
    """The reports page's charts are wider than a phone: they scroll inside their card, the page
    itself never scrolls sideways (nor do the other pages managers read)."""
    municipality = factories.pess_municipality(office_a)
    workshop = factories.workshop(office_a, municipality)
    factories.attendance(workshop, factories.participant(office_a))
    pages = [
        "/",
        "/informes/",
        "/informes/?level=municipality&period=year&year=2026",
        "/informes/?period=custom&start=15/02/2026&end=30/11/2026",
        "/municipios/",
        municipality.get_absolute_url(),
        "/transparencia/",
    ]
    context, page = phone_login(chromium, live_server, manager)
    try:
        failures = page_problems(page, live_server, pages)
        page.goto(f"{live_server.url}/informes/")
        chart = page.locator(".chart-scroll").first
        assert chart.evaluate("(el) => el.scrollWidth > el.clientWidth")  # the chart scrolls in its card
    finally:
        context.close()
    assert failures == [], "\n".join(failures)
