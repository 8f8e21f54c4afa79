"""The permission matrix for the API with personal tokens: every API route × every role × the
objects of two offices (tests/test_permission_matrix.py holds the rules; this file runs the API
rows with `Authorization: Bearer` instead of the session, because token users are authenticated by
DRF after the scoping middleware ran)."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.api.conftest import client_for
from tests.test_permission_matrix import MARKER, ROLES, SEES, _body, _outcome, _requests_for, world  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_api_permission_matrix_with_tokens(role, world):  # noqa: F811
    user = world.users.get(role)
    client = client_for(user)
    failures, checked = [], 0
    for label, method, url, data, expected, options in _requests_for(world, role, user or AnonymousUser()):
        if not url.startswith("/api/"):
            continue
        checked += 1
        if options.get("json"):
            response = getattr(client, method)(url, json.dumps(data), content_type="application/json")
        else:
            response = getattr(client, method)(url, data)
        outcome = _outcome(response, refusals=options.get("refusals", ()))
        if outcome.startswith("error"):
            failures.append(f"{label} {url}: {outcome}")
            continue
        if expected is not None and (outcome == "ok") != expected:
            wanted = "allowed" if expected else "refused"
            failures.append(f"{label} {url}: expected {wanted}, got {response.status_code}")
        body = _body(response)
        for office in ("A", "B"):
            if role not in SEES[office] and MARKER[office] in body:
                failures.append(f"{label} {url}: shows office {office}'s data to {role}")
    assert checked > 30
    assert failures == [], f"{role}:\n  " + "\n  ".join(failures)
