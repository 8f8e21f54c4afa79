"""Errors as JSON: one message per field in the request's language, never a 500 for bad input.

Shape: {"field": ["message", …], …, "code": "stable_code"} for 400 (DRF's own shape plus `code`),
{"detail": "message", "code": …} otherwise. DomainError (core.errors) from a service becomes a 400
on the field it names (403 when it is a refusal of the permissions module, 409 for duplicates).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from indicators.periods import PeriodError

FORBIDDEN_CODES = {"not_allowed", "not_reviewer", "locked", "workshop_locked", "already_approved"}
CONFLICT_CODES = {"possible_duplicate", "dui_taken", "idempotency_conflict"}

# Writes to a workshop that changed meanwhile (an offline device's queue): 409 with what changed, so
# the client shows a conflict and overwrites nothing. Never last-write-wins.
CONFLICT_MESSAGES = {
    "workshop_approved": _(
        "La coordinación aprobó este taller mientras tanto: su asistencia ya no se puede modificar. "
        "Si falta algo, pida a la coordinación que lo devuelva."
    ),
    "period_closed": _(
        "El mes de este taller se cerró mientras tanto: su asistencia ya no se puede modificar. "
        "Si falta algo, pida a la coordinación que reabra el mes."
    ),
    "participant_merged": _(
        "Esta persona se unió con otra ficha (era un duplicado) mientras tanto. Use la ficha que se conservó."
    ),
    "dui_exists": _(
        "Ya hay una persona registrada con ese DUI (quizá desde otro dispositivo). "
        "Agregue a la persona existente o descarte este registro."
    ),
}


def conflict_response(code: str, extra: dict | None = None) -> Response:
    return Response(
        {"detail": str(CONFLICT_MESSAGES[code]), "code": code, **(extra or {})}, status=status.HTTP_409_CONFLICT
    )


def locked_conflict(exc: DomainError, record) -> Response | None:
    """A write refused because `record` is read-only now: 409 `workshop_approved` or `period_closed`
    (what changed), or None when the refusal is of another kind (the role, the scope: 403)."""
    if exc.code not in ("workshop_locked", "locked"):
        return None
    record.refresh_from_db(fields=["review_state"])
    if record.is_approved:
        return conflict_response("workshop_approved")
    if record.is_period_closed():
        return conflict_response("period_closed")
    return None


def domain_error_response(exc: DomainError, extra: dict | None = None) -> Response:
    message = str(exc.message)
    if exc.code in FORBIDDEN_CODES:
        return Response({"detail": message, "code": exc.code}, status=status.HTTP_403_FORBIDDEN)
    if exc.code in CONFLICT_CODES:
        return Response({"detail": message, "code": exc.code, **(extra or {})}, status=status.HTTP_409_CONFLICT)
    return Response({exc.field or "non_field_errors": [message], "code": exc.code}, status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, PeriodError):
        return Response({"period": [str(exc)], "code": "invalid_period"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({**messages, "code": "invalid"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(_("El cuerpo de la solicitud no es JSON válido."))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        codes = exc.get_codes() if hasattr(exc, "get_codes") else None
        response.data.setdefault("code", codes if isinstance(codes, str) else "invalid")
    return response
