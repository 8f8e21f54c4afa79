"""Account pages: password change and two-factor authentication (TOTP app + backup codes).

Two-factor is available to every user and required for coordinators, managers and
administrators when settings.REQUIRE_2FA is on (pess_tracker.security.TwoFactorMiddleware).
"""

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import events, tokens
from core.errors import DomainError
from core.models import SecurityEventKind
from core.permissions import Action, can
from core.security import HAS_OTP_SESSION_KEY, requires_two_factor

BACKUP_CODE_COUNT = 10


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Código de verificación"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return default


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change: it keeps this session and ends every other session of the user
    (their session hash no longer matches the new password)."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("two_factor")

    def form_valid(self, form):
        response = super().form_valid(form)
        events.record(SecurityEventKind.PASSWORD_CHANGED, request=self.request, user=self.request.user)
        messages.success(self.request, _("Su contraseña fue cambiada. Las demás sesiones abiertas se cerraron."))
        return response


@login_required
def two_factor(request):
    """The user's security page: 2FA status, backup codes and password change."""
    user = request.user
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    static = StaticDevice.objects.filter(user=user, confirmed=True).first()
    remaining = StaticToken.objects.filter(device=static).count() if static else 0
    return render(
        request,
        "registration/two_factor.html",
        {
            "totp": totp,
            "remaining_codes": remaining,
            "required": requires_two_factor(user),
            "codes": request.session.pop("_pess_new_backup_codes", None),
            "may_receive_packs": can(user, Action.RECEIVE_PACKS),
        },
    )


@login_required
def two_factor_setup(request):
    """Add an authenticator app: show its QR code (inline SVG, no external service), confirm a code."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("two_factor")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].replace(" ", "")):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_backup_codes(user)
            otp_login(request, device)
            request.session[HAS_OTP_SESSION_KEY] = True
            request.session["_pess_new_backup_codes"] = codes
            events.record(SecurityEventKind.OTP_CONFIGURED, request=request, user=user)
            messages.success(request, _("La verificación en dos pasos quedó activada."))
            return redirect(_safe_next(request, reverse("two_factor")))
        form.add_error("token", _("El código no es válido. Revise la hora del teléfono e inténtelo de nuevo."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#222", omitsize=False)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": _base32(device.bin_key),
            "required": requires_two_factor(user),
            "next": _safe_next(request, ""),
        },
    )


@login_required
def two_factor_verify(request):
    """Second step of the login: a code from the authenticator app or one backup code."""
    if request.user.is_verified():
        return redirect(_safe_next(request, reverse("home")))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request, reverse("home")))
        events.record(SecurityEventKind.OTP_FAILED, request=request)
        form.add_error("token", _("El código no es válido."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _safe_next(request, "")})


@require_POST
@login_required
def two_factor_backup_codes(request):
    """Replace the user's backup codes with new ones (shown once on the security page)."""
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("two_factor_setup")
    request.session["_pess_new_backup_codes"] = _new_backup_codes(request.user)
    return redirect("two_factor")


def _new_backup_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _base32(key: bytes) -> str:
    import base64

    text = base64.b32encode(key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Nombre del token (para qué lo usará)"), max_length=80)
    days = forms.IntegerField(label=_("Vigencia en días"), min_value=1, max_value=tokens.MAX_DAYS, initial=90)


@login_required
def api_tokens(request):
    """Personal API tokens: create one (its secret is shown once), list and revoke them."""
    user = request.user
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and "revoke" in request.POST:
        if tokens.revoke_token(user=user, token_id=request.POST.get("revoke") or 0):
            messages.success(request, _("El token fue revocado: ya no da acceso."))
        return redirect("api_tokens")
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw = tokens.create_token(
                user=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"], verified=user.is_verified()
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            request.session["_pess_new_api_token"] = raw
            return redirect("api_tokens")
    return render(
        request,
        "registration/api_tokens.html",
        {
            "form": form,
            "tokens": user.api_tokens.all()[:50],
            "new_token": request.session.pop("_pess_new_api_token", None),
        },
    )
