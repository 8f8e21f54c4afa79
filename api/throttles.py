"""Throttling per token and per user (rates: settings API_THROTTLE_TOKEN / API_THROTTLE_USER)."""

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from core.models import ApiToken


class TokenThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None


class UserThrottle(UserRateThrottle):
    scope = "user"
