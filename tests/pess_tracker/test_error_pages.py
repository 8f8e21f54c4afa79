"""Error pages: Spanish, a reference code, rendered with the database unreachable, one log record."""

import json
import logging
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection
from django.db.models import F
from django.test import Client, RequestFactory
from django.utils.functional import SimpleLazyObject

from pess_tracker import errors
from pess_tracker.jsonlog import JsonFormatter
from tests import factories

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False  # Django shows its technical pages in development


@pytest.fixture
def records():
    """The JSON lines written on the `pess.errors` logger during the test."""
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JsonFormatter().format(record)))

    handler = Collect()
    logger = logging.getLogger("pess.errors")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


@contextmanager
def database_unreachable(only=None):
    """Every query fails as it does when PostgreSQL is down (`only`: just the queries containing it)."""
    attempts = []

    def refuse(execute, sql, params, many, context):
        if only is None or only in sql:
            attempts.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield attempts


def _signed_in_request(user, path="/talleres/"):
    """A request as the middleware leaves it: a session to load and a user not loaded yet."""
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    request = RequestFactory().get(path)
    request.session = SessionStore(store.session_key)
    request.user = SimpleLazyObject(lambda: get_user(request))
    return request


@pytest.mark.parametrize(
    ("status", "title"),
    [
        (400, "Solicitud no válida"),
        (403, "Acceso no permitido"),
        (404, "Página no encontrada"),
        (500, "Ocurrió un error"),
    ],
)
def test_each_page_renders_in_spanish_without_the_database(staff_a, records, status, title):
    request = _signed_in_request(staff_a)
    with database_unreachable() as attempts:
        response = errors.error_response(request, status)
    body = response.content.decode()
    assert attempts == []  # not one query tried
    assert response.status_code == status
    assert '<html lang="es">' in body and title in body
    reference = REFERENCE.search(body).group()
    assert response["X-Error-Reference"] == reference
    assert 'href="/"' in body  # a way back
    assert [r["reference"] for r in records] == [reference]


def test_handlers_are_the_projects_and_english_follows_the_switch(client):
    client.cookies["django_language"] = "en"
    response = client.get("/no-existe/")
    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="en">' in body and "Page not found" in body and "Reference code" in body


def test_anonymous_404_needs_no_database(client, records):
    with database_unreachable() as attempts:
        response = client.get("/no-existe/?dui=01234567-8")
    assert response.status_code == 404 and attempts == []
    assert "Página no encontrada" in response.content.decode()
    (record,) = records
    assert record["path"] == "/no-existe/" and record["status"] == 404 and record["user_id"] is None
    assert "01234567" not in json.dumps(record)  # no query string, no personal data


def test_csrf_failure_page(records, ref):
    client = Client(enforce_csrf_checks=True)
    with database_unreachable() as attempts:
        response = client.post("/cuenta/ingresar/", {"username": "x", "password": "y"})
    assert response.status_code == 403 and attempts == []
    body = response.content.decode()
    assert "La sesión del formulario expiró" in body and REFERENCE.search(body)
    assert [r["reason"] for r in records] == ["csrf"]


def test_bad_host_is_a_spanish_400_with_one_record(client, records, caplog):
    response = client.get("/", HTTP_HOST="otro.example")
    assert response.status_code == 400
    assert "Solicitud no válida" in response.content.decode()
    (record,) = records
    assert record["status"] == 400 and record["exception"].endswith("DisallowedHost")
    assert "otro.example" in record["detail"]
    # Django's own django.security record is not written as well (our response says it is logged).
    assert not [r for r in caplog.records if r.name.startswith("django.security")]


@pytest.mark.urls("tests.pess_tracker.error_urls")
def test_a_bug_is_one_record_with_reference_user_and_frames_but_no_data(client, staff_a, records, caplog):
    client.force_login(staff_a)
    client.raise_request_exception = False
    response = client.get("/test-broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Ocurrió un error" in body and "Intentar de nuevo" in body
    (record,) = records
    assert record["reference"] == REFERENCE.search(body).group()
    assert record["user_id"] == staff_a.pk and record["path"] == "/test-broken/"
    assert record["exception"] == "builtins.ValueError"
    assert "in broken" in record["traceback"]
    assert "01234567" not in json.dumps(record)
    # Django's own "Internal Server Error" record is not written a second time.
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_database_down_answers_503_with_retry_after(client, staff_a, records, caplog):
    client.force_login(staff_a)
    client.raise_request_exception = False
    with database_unreachable() as attempts:
        response = client.get("/talleres/")
    assert attempts  # the session could not be read
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    body = response.content.decode()
    assert "El servicio se está recuperando" in body and '<html lang="es">' in body
    (record,) = records  # one record, no traceback
    assert record["status"] == 503 and "traceback" not in record
    assert not [r for r in caplog.records if r.name.startswith("django.")]


def test_admin_gets_the_same_pages(client, administrator, records):
    client.force_login(administrator)
    client.raise_request_exception = False
    assert "Página no encontrada" in client.get("/admin/no-existe/").content.decode()
    with database_unreachable():
        response = client.get("/admin/")
    assert response.status_code == 503 and "El servicio se está recuperando" in response.content.decode()


def test_a_session_refresh_lost_to_the_database_does_not_turn_a_page_into_a_400(client, staff_a, records):
    client.force_login(staff_a)
    client.get("/talleres/")  # first visit stores what the session remembers (login time, 2FA)
    # The stored idle expiry is due for its refresh (it is pushed at most once a minute).
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=F("expire_date") - timedelta(minutes=2))
    with database_unreachable(only='UPDATE "django_session"') as attempts:
        response = client.get("/talleres/")
    assert attempts
    assert response.status_code == 200
    assert [r["event"] for r in records] == ["session_not_saved"]


def test_a_statement_timeout_is_not_an_outage():
    class Canceled(Exception):
        pgcode = "57014"

    try:
        try:
            raise Canceled
        except Canceled as cause:
            raise OperationalError("canceling statement due to statement timeout") from cause
    except OperationalError as exc:
        assert not errors.database_is_down(exc)
    assert errors.database_is_down(OperationalError("connection refused"))


def test_a_session_with_new_data_that_cannot_be_saved_is_a_503_not_a_400(client, office_a, staff_a, records):
    workshop = factories.workshop(office_a)
    client.force_login(staff_a)
    client.raise_request_exception = False
    # A pasted sheet's preview is kept in the session: that save must not be lost silently, so the
    # request answers 503 (try again), never "session was deleted" (400) nor a redirect to a
    # preview that is not there.
    text = "Nombres\tApellidos\tSexo\tGrupo de edad\nAna\tPaz\tMujer\t18-29\n"
    with database_unreachable(only='UPDATE "django_session"') as attempts:
        response = client.post(f"/talleres/{workshop.pk}/importar/", {"text": text})
    assert attempts
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert [r["status"] for r in records] == [503]
