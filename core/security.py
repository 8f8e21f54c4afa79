"""The cross-cutting security layer: login lockout backend, session lifetime, two-factor
enforcement, no-store caching of personal pages and the record of refused accesses.

Middleware order (settings.MIDDLEWARE): after AuthenticationMiddleware and OTPMiddleware,
SessionLifetimeMiddleware → TwoFactorMiddleware → NoStoreMiddleware → RefusedAccessMiddleware.
"""

import time

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from core.events import client_ip, record
from core.models import SecurityEventKind
from core.permissions import needs_two_factor

__all__ = ["client_ip"]

LOGIN_AT_SESSION_KEY = "_pess_login_at"
HAS_OTP_SESSION_KEY = "_pess_has_otp_device"

# URL names a signed-in but not yet verified user may still open.
TWO_FACTOR_EXEMPT_URL_NAMES = {
    "login",
    "logout",
    "two_factor_verify",
    "two_factor_setup",
    "healthz",
    "readyz",
    "set_language",
    "transparency",
    "admin:logout",
    "admin:jsi18n",
}


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, which needs the request to know the client's address.

    Login views always pass the request. Programmatic calls without one (the test client's
    `login()`, scripts) are not login attempts from the network: they skip the lockout check
    and go on to Django's ModelBackend.
    """

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def requires_two_factor(user) -> bool:
    """Coordinators, managers and administrators must use 2FA when REQUIRE_2FA is on."""
    return bool(settings.REQUIRE_2FA) and needs_two_factor(user)


def has_otp_device(request) -> bool:
    """Whether the signed-in user has a confirmed 2FA device (remembered in the session)."""
    cached = request.session.get(HAS_OTP_SESSION_KEY)
    if cached is None:
        from django_otp import user_has_device

        cached = user_has_device(request.user)
        request.session[HAS_OTP_SESSION_KEY] = cached
    return cached


def _url_name(request) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


class SessionLifetimeMiddleware:
    """Ends a session SESSION_ABSOLUTE_AGE seconds after login, however active it is.

    Idle expiry is Django's own (SESSION_COOKIE_AGE renewed on every request by
    SESSION_SAVE_EVERY_REQUEST). A deactivated user is signed out on their next request by
    Django itself (ModelBackend.get_user refuses inactive users).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            login_at = request.session.get(LOGIN_AT_SESSION_KEY)
            if login_at is None:
                request.session[LOGIN_AT_SESSION_KEY] = now
            elif now - login_at > settings.SESSION_ABSOLUTE_AGE:
                record(SecurityEventKind.SESSION_EXPIRED, request=request, details={"reason": "absolute_age"})
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class TwoFactorMiddleware:
    """Sends a signed-in, unverified user to 2FA: to verify when they have a device, to set one up
    when their role requires it. Covers every page, the admin included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not request.path.startswith(settings.STATIC_URL):
            target = None
            if has_otp_device(request):
                target = "two_factor_verify"
            elif requires_two_factor(user):
                target = "two_factor_setup"
            if target and _url_name(request) not in TWO_FACTOR_EXEMPT_URL_NAMES:
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page served to a signed-in user and on every download:
    they may carry personal data, which must stay out of browser and proxy caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_download = "attachment" in response.get("Content-Disposition", "")
        if is_download or request.user.is_authenticated:
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response


class RefusedAccessMiddleware:
    """Records a security event when a signed-in user is refused (403) or asks for what they
    may not see or does not exist (404: scoped objects of other offices answer 404)."""

    IGNORED_PREFIXES = ("/favicon.ico", "/robots.txt")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in (403, 404)
            and request.user.is_authenticated
            and not request.path.startswith((settings.STATIC_URL, *self.IGNORED_PREFIXES))
        ):
            record(
                SecurityEventKind.ACCESS_REFUSED,
                request=request,
                details={"status": response.status_code, "method": request.method},
            )
        return response
