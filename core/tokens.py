"""Personal API tokens: created and revoked by their owner on "Mi cuenta", stored hashed.

A token is `pess_<prefix>_<secret>`; the database keeps the prefix (to list tokens) and the SHA-256
of the whole token, never the token itself, which is shown once when created. A token stops working
at its expiry or when revoked. Roles that need two-factor (core.permissions.needs_two_factor) can
create tokens only from a session verified with 2FA.
"""

import datetime
import hashlib
import secrets

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.models import ApiToken
from core.permissions import needs_two_factor

PREFIX = "pess_"
DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_ACTIVE_TOKENS = 10
# Avoid writing last_used_at on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(*, user, name: str, days: int = DEFAULT_DAYS, verified: bool) -> tuple[ApiToken, str]:
    """A new token for `user` and its secret (shown once). `verified`: the session passed 2FA."""
    name = (name or "").strip()
    if not name:
        raise DomainError("name_required", _("Indique un nombre para el token."), field="name")
    if len(name) > 80:
        raise DomainError("name_too_long", _("El nombre no puede superar 80 caracteres."), field="name")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise DomainError("bad_expiry", _("La vigencia debe ser de 1 a 365 días."), field="days")
    if needs_two_factor(user) and not verified:
        raise DomainError(
            "two_factor_required",
            _("Su función requiere la verificación en dos pasos antes de crear tokens de API."),
        )
    if active_tokens(user).count() >= MAX_ACTIVE_TOKENS:
        raise DomainError("too_many_tokens", _("Ya tiene 10 tokens activos: revoque alguno antes de crear otro."))
    prefix = secrets.token_hex(4)
    raw = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=digest(raw),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return token, raw


def active_tokens(user):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


def revoke_token(*, user, token_id) -> bool:
    """Revoke one of `user`'s own tokens; revoking twice (or another user's token id) changes nothing."""
    return bool(
        ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def authenticate(raw: str) -> ApiToken | None:
    """The active token for this secret (with its user), or None: unknown, expired, revoked, or its
    user inactive."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user", "user__office").filter(digest=digest(raw)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
