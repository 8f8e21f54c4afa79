"""Throttling per token and per user (rates: settings API_THROTTLE_TOKEN / API_THROTTLE_USER)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from core.models import ApiToken


class SettingsRate:
    """Read the rate from the settings at each request (DRF reads it once, at import)."""

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]


class TokenThrottle(SettingsRate, SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None


class UserThrottle(SettingsRate, UserRateThrottle):
    scope = "user"
