"""Schemathesis, a client we did not write, against a live server with seeded data: every operation
of the OpenAPI schema, as territorial staff, a departmental coordinator and the national manager.
Checks: no server error, every response valid against the schema, no record of another office or
department (tests/api/schemathesis_checks.py). Bounded (SCHEMATHESIS_MAX_EXAMPLES, default 6;
SCHEMATHESIS_PHASES to override the phases below) so it takes a few minutes on two cores."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from core.models import User
from core.roles import Role
from core.scoping import scopes_disabled
from geography.models import TerritorialOffice
from tests.api.conftest import token_for

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
RATES = {"token": "1000000/hour", "user": "1000000/hour"}


def _rest_framework(settings):
    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}


def _scope_env(user) -> dict:
    if user.is_national:
        return {}
    with scopes_disabled():
        if user.role == Role.STAFF:
            offices = [user.office_id]
        else:
            offices = list(
                TerritorialOffice.objects.filter(department=user.office.department_id).values_list("pk", flat=True)
            )
    return {
        "PESS_ST_OFFICES": ",".join(map(str, offices)),
        "PESS_ST_DEPARTMENTS": str(user.office.department_id),
    }


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_no_schema_violation_no_cross_office_read(live_server, settings, tmp_path):
    call_command("load_reference_data", verbosity=0)
    call_command("seed_demo", size="tiny", verbosity=0)
    settings.REST_FRAMEWORK = _rest_framework(settings)
    failures = []
    # The coverage phase (boundary and invalid values of every parameter, ~2,900 requests, ~5 min on
    # two busy cores) runs for staff, who may write; the other roles get examples and fuzzing.
    roles = {
        "personal.sansalvador": "examples,coverage,fuzzing",
        "coordinacion.santaana": "examples,fuzzing",
        "gerencia": "examples,fuzzing",
    }
    for username, phases in roles.items():
        user = User.objects.get(username=username)
        env = {
            **os.environ,
            **_scope_env(user),
            "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_checks",
            "PYTHONPATH": str(ROOT),
        }
        result = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{live_server.url}/api/v1/schema/",
                "--header",
                f"Authorization: Bearer {token_for(user)}",
                "--checks",
                "not_a_server_error,response_schema_conformance,no_cross_office_read",
                "--phases",
                os.environ.get("SCHEMATHESIS_PHASES", phases),
                "--max-examples",
                os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"),
                "--workers",
                "1",
                "--seed",
                "14",
                "--no-color",
                "--suppress-health-check",
                "all",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=900,
        )
        summary = [line for line in result.stdout.splitlines() if "generated" in line or "Tested:" in line]
        print(username, *summary)  # shown with -s: how much was tried
        if result.returncode != 0:
            failures.append(f"--- {username} ---\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    assert failures == [], "\n".join(failures)


def test_the_cross_office_check_would_catch_a_leak(monkeypatch):
    from tests.api import schemathesis_checks

    monkeypatch.setenv("PESS_ST_OFFICES", "1")
    monkeypatch.delenv("PESS_ST_DEPARTMENTS", raising=False)

    class Response:
        status_code = 200

        def json(self):
            return {"results": [{"id": 1, "office": 1}, {"id": 2, "office": 2}]}

    with pytest.raises(AssertionError, match=r"office \[2\]"):
        schemathesis_checks.no_cross_office_read(None, Response(), None)
