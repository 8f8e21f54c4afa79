"""Settings fail safe: production unless DEBUG=True is asked for, and production refuses to start
without a strong SECRET_KEY and an explicit ALLOWED_HOSTS.

Each test imports the settings in a fresh interpreter whose environment holds only PATH and the
variables named (like `env -i PATH=... python -c ...`). A developer's .env file is not read there:
it is part of the environment these tests leave out.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(databases=[])

BASE_DIR = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "-settings-test-only-" + "Zq8#x!" * 6

IMPORT_SETTINGS = """
import json, os
import environ
environ.Env.read_env = staticmethod(lambda *args, **kwargs: None)  # no .env file: only the given environment
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pess_tracker.settings")
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
values = {name: getattr(settings, name) for name in (
    "DEBUG", "DEMO_MODE", "ALLOWED_HOSTS", "REQUIRE_2FA", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
)}
try:
    import pess_tracker.wsgi  # what gunicorn does: the production start
except ImproperlyConfigured as error:
    values["ImproperlyConfigured"] = str(error)
print(json.dumps(values))
"""


def settings_with(**variables) -> dict:
    """The settings with only these environment variables, and the ImproperlyConfigured message
    with which the WSGI application then refuses to start (if it does)."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_SETTINGS],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **variables},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_no_environment_at_all_it_is_production_and_refuses_to_start():
    """Nothing set: settings.DEBUG is False, and the production start refuses the development key."""
    outcome = settings_with()
    assert outcome["DEBUG"] is False and outcome["DEMO_MODE"] is False
    assert "SECRET_KEY" in outcome["ImproperlyConfigured"]
    assert "DEBUG is off" in outcome["ImproperlyConfigured"]
    assert "ALLOWED_HOSTS" in outcome["ImproperlyConfigured"]


def test_management_commands_refuse_unsafe_production_settings_too():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ALLOWED_HOSTS": "pess.isdemu.gob.sv"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "pess.E001" in result.stderr and "SECRET_KEY" in result.stderr


def test_debug_is_false_unless_set():
    """Only what production must provide: DEBUG stays False, with production's safe defaults."""
    values = settings_with(SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="pess.isdemu.gob.sv")
    assert "ImproperlyConfigured" not in values  # it starts
    assert values == {
        "DEBUG": False,
        "DEMO_MODE": False,
        "ALLOWED_HOSTS": ["pess.isdemu.gob.sv"],
        "REQUIRE_2FA": True,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
    }


@pytest.mark.parametrize("hosts", [None, "", " , "])
def test_production_refuses_to_start_without_allowed_hosts(hosts):
    variables = {"SECRET_KEY": STRONG_KEY}
    if hosts is not None:
        variables["ALLOWED_HOSTS"] = hosts
    outcome = settings_with(**variables)
    assert outcome["ImproperlyConfigured"].startswith("ALLOWED_HOSTS must be set")
    assert outcome["DEBUG"] is False


def test_production_refuses_a_short_secret_key():
    outcome = settings_with(SECRET_KEY="x" * 49, ALLOWED_HOSTS="pess.isdemu.gob.sv")
    assert "SECRET_KEY" in outcome["ImproperlyConfigured"]


@pytest.mark.parametrize("value", ["False", "0", "no"])
def test_debug_false_spelled_out_is_production(value):
    assert "SECRET_KEY" in settings_with(DEBUG=value)["ImproperlyConfigured"]


def test_development_is_asked_for_with_debug_true():
    """DEBUG=True alone (what `make run` and the test suite set): development defaults, demo mode on."""
    values = settings_with(DEBUG="True")
    assert values["DEBUG"] is True and values["DEMO_MODE"] is True
    assert values["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]", "testserver"]
    assert values["REQUIRE_2FA"] is False and values["SECURE_SSL_REDIRECT"] is False


def test_the_test_suite_runs_in_development_mode():
    """pyproject's pytest env sets DEBUG=True before the settings are imported (pytest-env)."""
    from django.conf import settings

    assert os.environ["DEBUG"] == "True"
    assert settings.DEMO_MODE is True and settings.SECURE_SSL_REDIRECT is False


DATABASE_OPTIONS = """
import os
import environ
environ.Env.read_env = staticmethod(lambda *args, **kwargs: None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pess_tracker.settings")
from django.conf import settings
print(settings.DATABASES["default"].get("OPTIONS", {}).get("options", ""))
"""


def database_options(**variables) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", DATABASE_OPTIONS],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DEBUG": "True", **variables},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_postgresql_session_options_are_added_to_those_of_the_database_url():
    result = database_options(
        DATABASE_URL="postgres://pess@127.0.0.1:5432/pess?options=-c%20search_path%3Dpublic",
        DB_STATEMENT_TIMEOUT_MS="55000",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "-c search_path=public -c statement_timeout=55000 -c random_page_cost=1.1"
    kept = database_options(DATABASE_URL="postgres://pess@127.0.0.1:5432/pess", DB_RANDOM_PAGE_COST="")
    assert kept.returncode == 0 and kept.stdout.strip() == ""  # the server's own planner settings


@pytest.mark.parametrize("value", ["1,1", "nan", "-1", "rápido"])
def test_a_wrong_random_page_cost_stops_the_start_and_names_the_setting(value):
    result = database_options(DATABASE_URL="postgres://pess@127.0.0.1:5432/pess", DB_RANDOM_PAGE_COST=value)
    assert result.returncode != 0
    assert "DB_RANDOM_PAGE_COST must be a positive number" in result.stderr
