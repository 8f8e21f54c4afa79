import contextlib
import datetime
import threading
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test import override_settings
from django.test.testcases import LiveServerThread
from django.utils import translation

from core.roles import Role
from core.scoping import scopes_disabled
from geography.models import Department
from geography.reference_data import load_reference_data
from tests import factories


@pytest.fixture(scope="session", autouse=True)
def _whole_database_view():
    """Test code reads and writes rows of every office, as a command does (core.scoping).

    Requests made through the test client or the browser still run in their user's scope: the
    middleware enters it for each request. tests/core/test_scoping_fails_closed.py leaves this
    fixture's scope to prove that a query outside any scope raises.
    """
    with scopes_disabled():
        yield


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Hashing is deliberately slow in production; tests create many users.

    override_settings (not an assignment) sends setting_changed, which empties Django's cache of
    hashers: the fast one is used even if something hashed a password before this fixture ran.
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# The day every test runs on, whatever the calendar says: the data the tests build (factories,
# hard-coded dates) is in 2025 and 2026, and pages default to "this year" or refuse future dates.
TEST_NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/El_Salvador"))


@pytest.fixture(autouse=True)
def _fixed_clock(request):
    """Python's clock starts at TEST_NOW for each test and runs on from there (tick=True keeps
    timestamps ordered and timeouts working). Browser tests keep the real clock: Chromium checks
    cookie expiry dates against its own clock, which time-machine cannot move. Subprocesses and
    module-scoped fixtures (reference data) also see the real clock: keep dates out of them."""
    if request.node.get_closest_marker("browser"):
        yield
        return
    with time_machine.travel(TEST_NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _spanish_by_default():
    """Each test starts in the default language, and a request made in English (language cookie)
    does not leave English active in this thread for the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def ref(db):
    """Reference data (departments, municipalities, offices, tables, role groups).

    Loaded when missing: a transactional (browser) test flushes the tables it used.
    """
    if not Department.objects.exists():
        load_reference_data()


@pytest.fixture
def office_a(ref):
    return factories.office("SV-SS")  # San Salvador


@pytest.fixture
def office_b(ref):
    return factories.office("SV-LI")  # La Libertad


@pytest.fixture
def office_y(ref):
    return factories.office("SV-SA")  # Santa Ana


@pytest.fixture
def staff_a(office_a):
    return factories.user(Role.STAFF, office_a, first_name="Karla")


@pytest.fixture
def staff_b(office_b):
    return factories.user(Role.STAFF, office_b)


@pytest.fixture
def coordinator_x(office_a):
    return factories.user(Role.COORDINATOR, office_a)


@pytest.fixture
def coordinator_y(office_y):
    return factories.user(Role.COORDINATOR, office_y)


@pytest.fixture
def manager(ref):
    return factories.user(Role.MANAGER, None)


@pytest.fixture
def administrator(ref):
    return factories.user(Role.ADMINISTRATOR, None)


# --- Browser tests (Playwright driving Debian's Chromium; never a downloaded browser) ---
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium; skipped when missing, except in CI (REQUIRE_BROWSER=1) where it must run."""
    import os
    import shutil

    if not shutil.which(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself (fixtures, assertions) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# On in-memory SQLite the live server's threads use the tests' one database connection (Django
# passes it to them: another connection would see another, empty database). One connection must
# not run two statements at once: a page and the requests its service worker makes in the
# background, or a request and the test's own query, then fail now and then ("database table is
# locked", a 503). So the live server handles one request at a time, and the test thread's
# queries wait for the request in progress. PostgreSQL gives each thread its own connection and
# keeps the server concurrent.
_SHARED_CONNECTION_LOCK = threading.RLock()


class _OneRequestAtATimeOnSharedSQLite(ThreadedWSGIServer):
    def set_app(self, application):
        if not self.connections_override:
            return super().set_app(application)

        def one_at_a_time(environ, start_response):
            with _SHARED_CONNECTION_LOCK:
                result = application(environ, start_response)
                try:
                    return list(result)  # the body too is produced under the lock
                finally:
                    if hasattr(result, "close"):
                        result.close()

        return super().set_app(one_at_a_time)


LiveServerThread.server_class = _OneRequestAtATimeOnSharedSQLite


def _waits_for_the_request_in_progress(execute, sql, params, many, context):
    with _SHARED_CONNECTION_LOCK:
        return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def _shared_sqlite_connection_one_statement_at_a_time(request):
    if "live_server" not in request.fixturenames:
        yield
        return
    with contextlib.ExitStack() as stack:
        for connection in connections.all():
            if connection.vendor == "sqlite" and connection.is_in_memory_db():
                stack.enter_context(connection.execute_wrapper(_waits_for_the_request_in_progress))
        yield


@pytest.fixture
def browser_login(chromium, live_server):
    """Open a page at `width` px and log in as `user` through the real login form."""
    pages = []

    def login(user, width=1280, password=factories.PASSWORD, service_workers="allow"):
        # service_workers="block" for tests that fake server answers with page.route(): requests a
        # service worker makes (the field app's, once it controls the page) bypass the routes.
        context = chromium.new_context(
            viewport={"width": width, "height": 900}, locale="es-SV", service_workers=service_workers
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/cuenta/ingresar/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.press("#id_password", "Enter")
        page.wait_for_url(f"{live_server.url}/**")
        pages.append(context)
        return page

    yield login
    for context in pages:
        context.close()
