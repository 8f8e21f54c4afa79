"""The production security layer: deploy check, health probes, lockout, 2FA, sessions, headers,
security events and the field-level privacy rule."""

import json
import logging
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import events
from core.models import SecurityEvent, SecurityEventKind
from core.privacy import can_see_personal_data, masked
from core.security import LOGIN_AT_SESSION_KEY
from pess_tracker import views
from pess_tracker.jsonlog import JsonFormatter
from pess_tracker.sessions import SessionStore
from tests import factories

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(databases=[])
def test_check_deploy_is_clean_with_production_environment():
    """DEBUG=False, a strong key and hosts from the environment: `check --deploy` has no warning."""
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "k" * 20 + "-production-only-" + "Zq8#x!" * 6,
        "ALLOWED_HOSTS": "pess.isdemu.gob.sv",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "issues" in output  # "System check identified no issues"


@pytest.mark.django_db(databases=[])
def test_production_refuses_the_development_secret_key():
    env = {**os.environ, "DEBUG": "False", "SECRET_KEY": "", "ALLOWED_HOSTS": "x"}
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


# --- Health probes ---


def test_readyz_is_ready_without_login(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert "Set-Cookie" not in response.headers


def test_readyz_answers_503_while_a_migration_is_pending(client, monkeypatch):
    monkeypatch.setattr(views, "_migrations_known_applied", False)
    # The latest migration of an app (a leaf of the graph), as a new release would bring it.
    MigrationRecorder.Migration.objects.filter(app="core").order_by("-name").first().delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "migrations"}


# --- Login lockout and passwords ---


def _login(client, username, password, ip):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_lockout_counts_username_and_address_together(client, staff_a, staff_b, settings):
    """Five failures lock that username from that address only: the office's other users, and the
    same user from another address, still get in; the event is recorded."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, staff_a.username, "incorrecta-de-verdad", "10.1.1.1").status_code == 200
    assert _login(client, staff_a.username, "incorrecta-de-verdad", "10.1.1.1").status_code == 429
    locked = _login(client, staff_a.username, factories.PASSWORD, "10.1.1.1")
    assert locked.status_code == 429
    assert "bloqueado" in locked.content.decode()
    assert _login(client, staff_b.username, factories.PASSWORD, "10.1.1.1").status_code == 302
    client.logout()
    assert _login(client, staff_a.username, factories.PASSWORD, "10.2.2.2").status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKOUT, username=staff_a.username).exists()
    failed = SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED, username=staff_a.username)
    assert failed.count() >= settings.AXES_FAILURE_LIMIT
    assert str(failed.first().ip_address) == "10.1.1.1"
    assert "incorrecta" not in json.dumps(list(failed.values_list("details", flat=True)))


@pytest.mark.parametrize("password", ["corta-123", "password12345", "123456789012345"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("tres-palabras-largas-jicaro")


# --- Two-factor authentication ---


def _totp_token(device):
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()


def test_coordinator_must_set_up_2fa_when_required_including_the_admin(client, coordinator_x, settings):
    settings.REQUIRE_2FA = True
    client.force_login(coordinator_x)
    for path in (reverse("home"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor_setup"))


def test_staff_are_not_forced_to_use_2fa(client, staff_a, settings):
    settings.REQUIRE_2FA = True
    client.force_login(staff_a)
    assert client.get(reverse("home")).status_code == 200


def test_2fa_setup_then_login_needs_a_code_and_a_backup_code_works_once(client, coordinator_x, settings):
    settings.REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no waiting after the deliberately wrong code
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    client.force_login(coordinator_x)
    page = client.get(reverse("two_factor_setup"))
    body = page.content.decode()
    assert "<svg" in body and "<script" not in body.split("<main", 1)[1]
    device = TOTPDevice.objects.get(user=coordinator_x)
    bad = client.post(reverse("two_factor_setup"), {"token": f"{(_totp_token(device) + 1) % 10**6:06d}"})
    assert bad.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    done = client.post(reverse("two_factor_setup"), {"token": f"{_totp_token(device):06d}", "next": "/"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200  # verified in this session
    codes = StaticToken.objects.filter(device__user=coordinator_x)
    assert codes.count() == 10

    other = client.__class__()
    other.force_login(coordinator_x)
    response = other.get(reverse("home"))
    assert response["Location"].startswith(reverse("two_factor_verify"))
    code = codes.first().token
    assert other.post(reverse("two_factor_verify"), {"token": code}).status_code == 302
    assert other.get(reverse("home")).status_code == 200
    third = client.__class__()
    third.force_login(coordinator_x)
    assert third.post(reverse("two_factor_verify"), {"token": code}).status_code == 200  # used up
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.OTP_FAILED, user=coordinator_x).exists()


def test_staff_who_chose_2fa_are_asked_for_it(client, staff_a):
    TOTPDevice.objects.create(user=staff_a, name="app", confirmed=True)
    client.force_login(staff_a)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_verify"))


# --- Sessions ---


def test_sessions_expire_after_inactivity_and_are_renewed_on_each_request(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    assert settings.SESSION_ABSOLUTE_AGE > settings.SESSION_COOKIE_AGE


def stored_expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_the_idle_expiry_is_stored_at_most_once_a_minute_and_changes_are_always_saved(client, staff_a):
    client.force_login(staff_a)
    client.get("/talleres/")  # stores what the session remembers (login time, 2FA)
    stored = stored_expiry(client)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/talleres/").status_code == 200
    assert not [q for q in ctx.captured_queries if 'UPDATE "django_session"' in q["sql"]]
    assert stored_expiry(client) == stored

    # Stored more than a minute ago: the next request pushes it.
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=stored - timedelta(minutes=2))
    client.get("/talleres/")
    assert stored_expiry(client) >= stored

    # A stored expiry later than the new one (the idle timeout was shortened) is brought forward.
    later = stored_expiry(client) + timedelta(minutes=10)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=later)
    client.get("/talleres/")
    assert stored_expiry(client) < later

    # A change to the session is saved however fresh its expiry is.
    store = SessionStore(client.session.session_key)
    store["probe"] = "kept"
    store.save()
    assert SessionStore(client.session.session_key).get("probe") == "kept"


def test_session_ends_after_the_absolute_lifetime_however_active(client, staff_a, settings):
    client.force_login(staff_a)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[LOGIN_AT_SESSION_KEY] = time.time() - settings.SESSION_ABSOLUTE_AGE - 1
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302  # signed out for good
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SESSION_EXPIRED, user=staff_a).exists()


def test_a_deactivated_user_is_signed_out_at_once(client, staff_a):
    client.force_login(staff_a)
    assert client.get(reverse("home")).status_code == 200
    staff_a.is_active = False
    staff_a.save(update_fields=["is_active"])
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_password_change_keeps_this_session_and_ends_the_others(client, staff_a):
    other = client.__class__()
    client.force_login(staff_a)
    other.force_login(staff_a)
    new = "otra-clave-larga-y-rara-77"
    response = client.post(
        reverse("password_change"),
        {"old_password": factories.PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert other.get(reverse("home")).status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.PASSWORD_CHANGED, user=staff_a).exists()


# --- Headers ---


def test_security_headers_and_no_store_on_signed_in_pages(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


def test_downloads_are_never_cached(rf):
    from django.http import HttpResponse

    from core.security import NoStoreMiddleware

    def view(request):
        response = HttpResponse(b"a;b\n")
        response["Content-Disposition"] = 'attachment; filename="x.csv"'
        return response

    request = rf.get("/x")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert "no-store" in NoStoreMiddleware(view)(request)["Cache-Control"]


# --- Security events ---


def test_login_is_recorded_with_address_and_json_log(client, staff_a, caplog):
    with caplog.at_level(logging.INFO, logger="pess.security"):
        _login(client, staff_a.username, factories.PASSWORD, "10.9.9.9")
    event = SecurityEvent.objects.get(kind=SecurityEventKind.LOGIN, user=staff_a)
    assert str(event.ip_address) == "10.9.9.9"
    line = json.loads(JsonFormatter().format(next(r for r in caplog.records if r.name == "pess.security")))
    assert line["event"] == "login" and line["username"] == staff_a.username and line["ip"] == "10.9.9.9"


def test_refused_access_is_recorded(client, staff_a):
    client.force_login(staff_a)
    assert client.get("/admin/core/user/").status_code == 302  # not admin staff: to admin login
    client.get("/no-existe/")
    event = SecurityEvent.objects.get(kind=SecurityEventKind.ACCESS_REFUSED, user=staff_a)
    assert event.details == {"status": 404, "method": "GET"}


def test_record_export_keeps_filters_and_rows_but_no_personal_data(staff_a):
    event = events.record_export(
        staff_a, {"year": 2026, "office": 3, "dui": "01234567-8", "contact": "7777-7777"}, 1234, export="attendance"
    )
    assert event.details == {"export": "attendance", "rows": 1234, "filter:year": 2026, "filter:office": 3}
    assert "01234567" not in json.dumps(event.details)


def test_coordinators_read_their_departments_events_in_the_admin(
    client, staff_a, staff_b, coordinator_x, administrator
):
    events.record("login", user=staff_a)
    events.record("login", user=staff_b)
    url = reverse("admin:core_securityevent_changelist")
    client.force_login(coordinator_x)
    body = client.get(url).content.decode()
    assert staff_a.username in body and staff_b.username not in body
    client.force_login(administrator)
    body = client.get(url).content.decode()
    assert staff_a.username in body and staff_b.username in body
    client.force_login(staff_a)
    assert client.get(url).status_code == 302


# --- Field-level privacy ---


def test_personal_data_is_visible_only_to_roles_that_need_it(
    staff_a, staff_b, coordinator_x, coordinator_y, manager, administrator, office_a
):
    person = factories.participant(office_a)
    assert can_see_personal_data(staff_a, person)
    assert can_see_personal_data(coordinator_x, person)
    assert can_see_personal_data(administrator, person)
    assert not can_see_personal_data(staff_b, person)
    assert not can_see_personal_data(coordinator_y, person)
    assert not can_see_personal_data(manager, person)
    assert masked("01234567-8") == "••••••••-8"
