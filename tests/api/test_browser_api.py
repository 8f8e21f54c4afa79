"""The API documentation (Swagger UI from our own static files) and the tokens page run in a real
browser under the site's strict content security policy, at phone and desktop widths."""

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("PESS_SCREENSHOTS")  # a folder: save screenshots there to look at them


def _watch(page):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


@pytest.mark.parametrize("width", [390, 1280])
def test_api_docs_render_under_the_csp(browser_login, live_server, staff_a, width):
    page = browser_login(staff_a, width=width)
    problems = _watch(page)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock-tag", timeout=30_000)  # Swagger UI drew the operations
    assert page.locator("text=/api/v1/workshops/").first.is_visible()
    assert all(url.startswith(live_server.url) for url in requests), requests  # no CDN
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/api-docs-{width}.png")
    assert problems == [], problems


def test_tokens_page_creates_a_token_in_the_browser(browser_login, live_server, staff_a):
    page = browser_login(staff_a, width=390)
    problems = _watch(page)
    page.goto(f"{live_server.url}/cuenta/tokens/")
    page.fill("#id_name", "Teléfono de campo")
    page.click("button.primary")
    page.wait_for_selector("#new-token")
    assert page.inner_text("#new-token").startswith("pess_")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/api-tokens-390.png", full_page=True)
    assert problems == [], problems
