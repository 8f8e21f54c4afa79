import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_log_in_and_see_their_home_in_spanish(browser_login, live_server, staff_a):
    page = browser_login(staff_a, width=390)
    assert page.url == f"{live_server.url}/talleres/"  # staff land on "Mis talleres"
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text().startswith("Hola")
    assert page.get_by_text("Talleres realizados").is_visible()
