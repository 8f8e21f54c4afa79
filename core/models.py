from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import Role
from core.scoping import ScopedManager


def user_reference(verbose_name) -> models.ForeignKey:
    """An optional link to the ISDEMU user who did something; a user who is referenced is never deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


class User(AbstractUser):
    """An ISDEMU user: belongs to one territorial office and has one role."""

    role = models.CharField(_("rol"), max_length=16, choices=Role.choices, default=Role.STAFF)
    office = models.ForeignKey(
        "geography.TerritorialOffice",
        verbose_name=_("oficina territorial"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )

    SCOPE_OFFICE = "office"
    SCOPE_DEPARTMENT = "office__department"

    class Meta:
        verbose_name = _("usuario")
        verbose_name_plural = _("usuarios")
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_national(self) -> bool:
        """Managers and administrators see every office."""
        return self.is_superuser or self.role in (Role.MANAGER, Role.ADMINISTRATOR)

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_territorial_staff(self) -> bool:
        return self.role == Role.STAFF


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", _("Ingreso")
    LOGIN_FAILED = "login_failed", _("Ingreso fallido")
    LOCKOUT = "lockout", _("Bloqueo por intentos fallidos")
    LOGOUT = "logout", _("Salida")
    OTP_FAILED = "otp_failed", _("Código de verificación incorrecto")
    OTP_CONFIGURED = "otp_configured", _("Verificación en dos pasos configurada")
    PASSWORD_CHANGED = "password_changed", _("Cambio de contraseña")
    ACCESS_REFUSED = "access_refused", _("Acceso denegado")
    SESSION_EXPIRED = "session_expired", _("Sesión vencida")
    EXPORT = "export", _("Exportación")


class SecurityEvent(models.Model):
    """One security-relevant event: who, when (UTC), from which address, what. Never DUI or contact data.

    Written only through `pess_tracker.events` (which also logs it as JSON on "pess.security").
    """

    kind = models.CharField(_("tipo"), max_length=20, choices=SecurityEventKind.choices)
    at = models.DateTimeField(_("fecha y hora"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
    )
    username = models.CharField(_("nombre de usuario"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("dirección"), null=True, blank=True)
    path = models.CharField(_("ruta"), max_length=300, blank=True)
    details = models.JSONField(_("detalles"), default=dict, blank=True)

    objects = ScopedManager()

    # Coordinators read the events of their department's users; national roles read all.
    SCOPE_OFFICE = "user__office"
    SCOPE_DEPARTMENT = "user__office__department"

    class Meta:
        verbose_name = _("evento de seguridad")
        verbose_name_plural = _("eventos de seguridad")
        ordering = ["-at"]
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.username}"


class ApiToken(models.Model):
    """A personal API token (core.tokens): only the SHA-256 of its secret is stored; the secret is
    shown once. Tokens belong to one user and are always read through that user (no office scope:
    authentication must find a token before any scope exists, like `User`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("usuario"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("nombre"), max_length=80)
    prefix = models.CharField(_("prefijo"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("creado el"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("vence el"))
    revoked_at = models.DateTimeField(_("revocado el"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("último uso"), null=True, blank=True)

    class Meta:
        verbose_name = _("token de API")
        verbose_name_plural = _("tokens de API")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
