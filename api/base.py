"""What every API view shares: the user's scope, the request's language, filters, pagination and
idempotent creates.

Scope: `core.scoping.ScopeMiddleware` runs before DRF has authenticated a token, so it enters the
anonymous user's scope. `ScopedAPIMixin.perform_authentication` enters `scope(request.user)` as soon
as DRF knows the user, for the rest of the view (handler, serialization, exception handling), and
`finalize_response` leaves it. Nothing in this app filters by office itself: the scoped managers
and core.permissions decide.
"""

import datetime
import hashlib
import json
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, pagination, permissions
from rest_framework.response import Response

from api.models import IdempotencyKey
from core.permissions import DENIED_MESSAGES, Action, can
from core.scoping import scope

MAX_INT = 2**31 - 1


class ScopedAPIMixin:
    """Runs the view inside the authenticated user's scope and in the language the client asked for."""

    def initial(self, request, *args, **kwargs):
        language = _accept_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request):
        user = request.user  # DRF authenticates here (token or session)
        self._scope = scope(user)
        self._scope.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        cm = getattr(self, "_scope", None)
        if cm is not None:
            self._scope = None
            cm.__exit__(None, None, None)
        return response


def _accept_language(request) -> str | None:
    """`Accept-Language: en…` gives English messages; anything else keeps the site's choice (Spanish
    unless the language cookie says otherwise)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    first = header.split(",")[0].split(";")[0].strip().lower()
    if first.startswith("en"):
        return "en"
    if first.startswith("es"):
        return "es"
    return None


class CanWrite(permissions.BasePermission):
    """Writes need the role's CREATE right (core.permissions); record-level checks are the services'."""

    message = DENIED_MESSAGES[Action.CREATE]

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return can(request.user, Action.CREATE)


class Pagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"
    invalid_cursor_message = _("Cursor no válido.")


# --- Filters: query parameters checked and turned into lookups, with a Spanish message each ---


class Filter:
    def __init__(self, name, lookup, kind="int", description="", choices=None):
        self.name, self.lookup, self.kind, self.description, self.choices = name, lookup, kind, description, choices

    def parameter(self) -> OpenApiParameter:
        types = {
            "int": OpenApiTypes.INT,
            "str": OpenApiTypes.STR,
            "date": OpenApiTypes.DATE,
            "datetime": OpenApiTypes.DATETIME,
            "bool": OpenApiTypes.BOOL,
        }
        return OpenApiParameter(
            self.name, types[self.kind], description=str(self.description), enum=self.choices, required=False
        )

    def parse(self, raw: str):
        if "\x00" in raw:  # PostgreSQL refuses NUL characters in text
            raise exceptions.ValidationError({self.name: [_("Valor no válido.")]})
        if self.kind == "int":
            if not raw.isdigit() or int(raw) > MAX_INT:
                raise exceptions.ValidationError({self.name: [_("Debe ser un número entero positivo.")]})
            return int(raw)
        if self.kind == "date":
            value = _parse_date(raw)
            if value is None:
                raise exceptions.ValidationError({self.name: [_("Fecha no válida (aaaa-mm-dd o dd/mm/aaaa).")]})
            return value
        if self.kind == "datetime":
            value = _parse_moment(raw)
            if value is None:
                raise exceptions.ValidationError({self.name: [_("Fecha y hora no válidas (ISO 8601).")]})
            return value
        if self.kind == "bool":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise exceptions.ValidationError({self.name: [_("Debe ser true o false.")]})
            return raw.lower() in ("true", "1")
        if self.choices is not None and raw not in self.choices:
            raise exceptions.ValidationError({self.name: [_("Valor no válido.")]})
        if len(raw) > 200:
            raise exceptions.ValidationError({self.name: [_("Texto demasiado largo.")]})
        return raw


def _parse_date(raw: str):
    try:
        value = parse_date(raw)
    except ValueError:
        return None
    if value is None:
        try:
            value = datetime.datetime.strptime(raw, "%d/%m/%Y").date()
        except ValueError:
            return None
    return value


def _parse_moment(raw: str):
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        day = _parse_date(raw)
        if day is None:
            return None
        value = datetime.datetime.combine(day, datetime.time.min)
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts (+23:58).
        value = value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        return None
    return value if 1900 <= value.year <= 9998 else None


def updated_since(path="updated_at"):
    return Filter(
        "updated_since", f"{path}__gte", "datetime", _("Solo registros cambiados desde este momento (ISO 8601).")
    )


class FilteredMixin:
    """`filters`: the Filters of a list; each given parameter narrows the queryset."""

    filters: list[Filter] = []

    def filter_queryset(self, queryset):
        for f in self.filters:
            raw = self.request.query_params.get(f.name)
            if raw in (None, ""):
                continue
            value = f.parse(raw)
            queryset = f.apply(queryset, value) if hasattr(f, "apply") else queryset.filter(**{f.lookup: value})
        return queryset


# --- Idempotent creates -------------------------------------------------------------------------


def _digest(data) -> str:
    body = {k: v for k, v in data.items() if k != "client_uuid"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def idempotent(request, endpoint: str, create) -> Response:
    """Run `create()` (which returns a Response) once per client UUID: a repeat of the same request
    answers the stored response; the same UUID with another body answers 409.

    The row(s) and the key are written in one transaction: of two concurrent repeats one inserts the
    key, the other rolls back its rows and answers the stored response.
    """
    raw = request.data.get("client_uuid") if isinstance(request.data, dict) else None
    if raw in (None, ""):
        return create()
    try:
        key = uuid.UUID(str(raw))
    except ValueError:
        raise exceptions.ValidationError({"client_uuid": [_("Debe ser un UUID.")]}) from None
    digest = _digest(request.data)
    stored = _stored(request.user, key, endpoint, digest)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            response = create()
            if 200 <= response.status_code < 300:
                with transaction.atomic():
                    IdempotencyKey.objects.create(
                        key=key,
                        user=request.user,
                        endpoint=endpoint,
                        request_digest=digest,
                        status_code=response.status_code,
                        response=json.loads(json.dumps(response.data, default=str)),
                    )
            return response
    except IntegrityError:
        stored = _stored(request.user, key, endpoint, digest)
        if stored is None:
            raise
        return stored


def _stored(user, key, endpoint, digest) -> Response | None:
    found = IdempotencyKey.objects.filter(user=user, key=key).first()
    if found is None:
        return None
    if found.endpoint != endpoint or found.request_digest != digest:
        return Response(
            {
                "detail": str(_("Este client_uuid ya se usó con otra solicitud.")),
                "code": "idempotency_conflict",
            },
            status=409,
        )
    return Response(found.response, status=found.status_code, headers={"Idempotent-Replayed": "true"})
