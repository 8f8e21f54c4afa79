"""The strict content security policy breaks nothing: pages and the Django admin log no CSP violation."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_admin_and_account_pages_run_under_the_csp(browser_login, live_server, administrator, office_a):
    page = browser_login(administrator)
    problems = _watch(page)
    for path in (
        "/",
        "/admin/",
        "/admin/workshops/workshop/",
        "/admin/workshops/workshop/add/",
        "/admin/core/user/add/",
        "/admin/core/securityevent/",
        "/cuenta/seguridad/configurar/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert page.locator(".qr-code svg").is_visible()
    csp = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert csp == [], csp
    assert problems == [], problems
    # The watcher itself works: an inline script is refused and reported.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = '1'; document.body.append(s); }")
    page.wait_for_timeout(200)
    assert any("Content Security Policy" in p for p in problems), problems
