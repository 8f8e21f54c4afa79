"""How API requests say who they are: a personal token (core.tokens) or the site's session with CSRF."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from core import tokens


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer pess_…`: a token that is unknown, expired or revoked is refused (401)."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Encabezado Authorization mal formado."))
        token = tokens.authenticate(parts[1].decode("latin-1"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("El token no es válido, venció o fue revocado."))
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser session (the site's own JavaScript); writes need the CSRF token, as on the pages."""


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Token personal creado en Mi cuenta."}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
