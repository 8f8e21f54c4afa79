import pytest
from rest_framework.test import APIClient

from core import tokens


def token_for(user, days=30) -> str:
    _token, raw = tokens.create_token(user=user, name="pruebas", days=days, verified=True)
    return raw


def client_for(user, language=None) -> APIClient:
    """An API client authenticated with a fresh personal token of `user` (None: anonymous)."""
    client = APIClient()
    headers = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token_for(user)}"
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    client.credentials(**headers)
    return client


@pytest.fixture
def api(db):
    return client_for
