"""The map in a real browser: no axe violation where it is drawn, and the keyboard reaches a
municipality on the map and opens its page (tests/indicators/test_maps.py checks the markup)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"critical", "serious"}


def _blocking(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['impact']} {v['id']} {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_municipality_page_with_its_inset_at_phone_width(browser_login, live_server, office_a, staff_a):
    municipality = factories.pess_municipality(office_a, 0)
    factories.attendance(factories.workshop(office_a, municipality), factories.participant(office_a))
    factories.approve_all()
    page = browser_login(staff_a, width=390)
    page.goto(f"{live_server.url}{municipality.get_absolute_url()}")
    assert page.locator(".choropleth-svg").count() == 1
    assert page.locator(".map-highlight").count() == 1
    assert _blocking(page) == []


def test_keyboard_reaches_a_municipality_on_the_map_and_opens_it(browser_login, live_server, office_a, manager):
    municipality = factories.pess_municipality(office_a, 0)
    page = browser_login(manager, width=1280)
    page.goto(f"{live_server.url}/")
    assert _blocking(page) == []
    link = page.locator(f'.choropleth-svg a[data-m="{municipality.code}"]')
    assert link.count() == 1
    link.focus()
    assert page.evaluate("document.activeElement.getAttribute('data-m')") == municipality.code
    # The focused municipality is drawn with the focus outline (static CSS, no script).
    stroke = page.evaluate("getComputedStyle(document.activeElement.querySelector('path')).stroke")
    assert stroke == "rgb(245, 158, 11)"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}{municipality.get_absolute_url()}")
    # Tab order: the first map link is reachable by Tab from the map picker's button.
    page.goto(f"{live_server.url}/")
    page.locator(".map-picker button").focus()
    for _ in range(3):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('svg') !== null"):
            break
    assert page.evaluate("document.activeElement.closest('svg') !== null")
