"""Personal API tokens: stored hashed, shown once, refused after expiry or revocation; 2FA roles
create them only from a verified session."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core import tokens
from core.errors import DomainError
from core.models import ApiToken
from tests.api.conftest import token_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/workshops/"


def _get(raw):
    return APIClient().get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_token_is_stored_hashed_and_works(staff_a):
    raw = token_for(staff_a)
    stored = ApiToken.objects.get(user=staff_a)
    assert raw not in (stored.digest, stored.prefix, stored.name)
    assert stored.digest == tokens.digest(raw)
    assert _get(raw).status_code == 200


def test_token_cannot_outlive_its_expiry(staff_a):
    _token, raw = tokens.create_token(user=staff_a, name="corto", days=1, verified=True)
    assert _get(raw).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        response = _get(raw)
    assert response.status_code == 401
    assert "venció" in response.json()["detail"]


def test_revoked_token_is_refused(staff_a, staff_b):
    token, raw = tokens.create_token(user=staff_a, name="x", verified=True)
    assert not tokens.revoke_token(user=staff_b, token_id=token.pk)  # not theirs
    assert _get(raw).status_code == 200
    assert tokens.revoke_token(user=staff_a, token_id=token.pk)
    assert _get(raw).status_code == 401


def test_inactive_user_token_is_refused(staff_a):
    raw = token_for(staff_a)
    staff_a.is_active = False
    staff_a.save()
    assert _get(raw).status_code == 401


@pytest.mark.parametrize("raw", ["", "pess_", "pess_abc_def", "otro", "x" * 500])
def test_bad_tokens_are_refused(raw, staff_a):
    response = APIClient().get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_roles_with_two_factor_need_a_verified_session(coordinator_x, manager, staff_a):
    for user in (coordinator_x, manager):
        with pytest.raises(DomainError) as exc:
            tokens.create_token(user=user, name="x", verified=False)
        assert exc.value.code == "two_factor_required"
    tokens.create_token(user=staff_a, name="x", verified=False)  # staff do not need 2FA


def test_tokens_page_creates_shows_once_and_revokes(client, staff_a):
    client.force_login(staff_a)
    url = reverse("api_tokens")
    response = client.post(url, {"name": "Teléfono de campo", "days": 30}, follow=True)
    raw = response.context["new_token"]
    assert raw.startswith("pess_") and raw in response.content.decode()
    assert raw not in client.get(url).content.decode()  # shown once
    token = ApiToken.objects.get(user=staff_a)
    assert _get(raw).status_code == 200
    client.post(url, {"revoke": token.pk})
    assert _get(raw).status_code == 401


def test_tokens_page_refuses_a_coordinator_without_two_factor(client, coordinator_x):
    client.force_login(coordinator_x)
    response = client.post(reverse("api_tokens"), {"name": "x", "days": 30})
    assert response.status_code == 200
    assert "verificación en dos pasos" in response.content.decode()
    assert not ApiToken.objects.filter(user=coordinator_x).exists()


def test_tokens_page_checks_the_expiry(client, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("api_tokens"), {"name": "x", "days": 9999})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()
