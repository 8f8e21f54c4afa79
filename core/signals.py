"""Receivers that turn authentication signals into security events (connected in apps.ready)."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django_otp import user_has_device

from core import events
from core.models import SecurityEventKind
from core.security import HAS_OTP_SESSION_KEY, LOGIN_AT_SESSION_KEY


@receiver(user_logged_in, dispatch_uid="pess_security_login")
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_SESSION_KEY] = time.time()
        # Known once per login, so later requests need no device query.
        request.session[HAS_OTP_SESSION_KEY] = user_has_device(user)
    events.record(SecurityEventKind.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="pess_security_logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        events.record(SecurityEventKind.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="pess_security_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # `credentials` has the password already masked by Django; only the username is kept.
    events.record(
        SecurityEventKind.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username") or "")[:150],
    )


@receiver(user_locked_out, dispatch_uid="pess_security_lockout")
def on_lockout(sender, request, username, ip_address, **kwargs):
    events.record(SecurityEventKind.LOCKOUT, request=request, username=str(username or "")[:150])
