"""Security events: the one write path for `SecurityEvent` rows and the "pess.security" JSON log.

Other apps call `record_export` when they serve an export:

    from core.events import record_export
    record_export(request.user, {"year": 2026, "office": 3}, rows=1234, request=request, export="attendance_xlsx")

`filters` is a flat dict of the filters the user chose (keys and values are stored as text);
keys that may carry personal data (DUI, names, contact, e-mail, phone) are dropped, never stored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.models import SecurityEvent, SecurityEventKind

logger = logging.getLogger("pess.security")

# Filter or detail keys never stored or logged: they could carry personal data.
PERSONAL_KEYS = ("dui", "contact", "contacto", "phone", "telefono", "email", "correo", "name", "nombre", "password")
MAX_VALUE_LENGTH = 200


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the right X-Forwarded-For hop set by a trusted proxy.

    With TRUSTED_PROXY_COUNT = n > 0, the n-th address from the right of X-Forwarded-For is the
    one our outermost trusted proxy saw (anything to its left could be forged by the client).
    """
    if request is None:
        return None
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None


def clean_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Drop keys that could carry personal data; keep short text values and numbers."""
    cleaned: dict[str, Any] = {}
    for key, value in (details or {}).items():
        key = str(key)
        if any(word in key.lower() for word in PERSONAL_KEYS):
            continue
        if isinstance(value, bool | int | float) or value is None:
            cleaned[key] = value
        elif isinstance(value, list | tuple | set):
            cleaned[key] = [str(v)[:MAX_VALUE_LENGTH] for v in value][:50]
        else:
            cleaned[key] = str(value)[:MAX_VALUE_LENGTH]
    return cleaned


def record(
    kind: str,
    *,
    request=None,
    user=None,
    username: str = "",
    details: Mapping[str, Any] | None = None,
) -> SecurityEvent:
    """Store one security event and write it to the JSON security log."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    if user is not None and not getattr(user, "pk", None):
        user = None
    username = (username or (user.get_username() if user is not None else ""))[:150]
    event = SecurityEvent.objects.create(
        kind=kind,
        at=timezone.now(),
        user=user,
        username=username,
        ip_address=client_ip(request),
        path=(request.path[:300] if request is not None else ""),
        details=clean_details(details),
    )
    logger.info(
        "security event %s",
        kind,
        extra={
            "event": {
                "event": kind,
                "user_id": event.user_id,
                "username": event.username,
                "ip": event.ip_address,
                "path": event.path,
                "details": event.details,
            }
        },
    )
    return event


def record_export(
    user,
    filters: Mapping[str, Any],
    rows: int,
    *,
    request=None,
    export: str = "",
    outcome: str = "",
    job: int | None = None,
) -> SecurityEvent:
    """Record that `user` exported `rows` rows with `filters` (export: a short name of the export).

    Background exports (reports.jobs) also say what happened — `outcome` is "requested",
    "completed" (with its row count), "failed", "cancelled" or "downloaded" — and which job.
    """
    details = {"export": export, "rows": int(rows), **{f"filter:{k}": v for k, v in (filters or {}).items()}}
    if outcome:
        details["outcome"] = outcome
    if job is not None:
        details["job"] = int(job)
    return record(SecurityEventKind.EXPORT, request=request, user=user, details=details)
