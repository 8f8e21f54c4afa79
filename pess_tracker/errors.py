"""Error pages and the one log record per failure (400, 403, 404, 500, CSRF, database down).

Django turns an exception raised anywhere in the middleware stack or a view into a response by
calling these handlers (`handler400`…`handler500` in urls.py, `CSRF_FAILURE_VIEW`), so this is the
one place that sees every failure. Each page:

- renders WITHOUT the database: no context processor runs (the template gets a plain context) and
  the user is shown only if it was already loaded; a test renders every page with queries failing;
- carries a short reference code, written in the page and in the log record;
- is in the language the user chose (cookie), Spanish otherwise.

A database that is down or restarting (OperationalError / InterfaceError anywhere in the chain of
the exception) answers 503 "el servicio se está recuperando" with Retry-After instead of 500 or
400. A cancelled statement (statement_timeout) stays a 500: the database is up.

One log record per failure on the `pess.errors` logger (JSON): reference, status, method, path
(no query string), user id, exception class and the traceback's frames (file, line, function,
source line) without the exception's message, which may quote data (a DUI in an IntegrityError).
Django's own "Internal Server Error"/"Not Found" record is suppressed (`_has_been_logged`), so a
failure is not logged twice.
"""

from __future__ import annotations

import logging
import secrets
import traceback

from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.utils import translation
from django.utils.functional import empty
from django.utils.translation import gettext_lazy as _

from pess_tracker.middleware import chosen_language

logger = logging.getLogger("pess.errors")

RETRY_AFTER_SECONDS = 10
QUERY_CANCELED = "57014"  # PostgreSQL: statement_timeout or a cancel request

PAGES = {
    400: (
        _("Solicitud no válida"),
        _("La página no pudo entender lo que se envió. Vuelva atrás e inténtelo de nuevo."),
    ),
    403: (_("Acceso no permitido"), _("No tiene permiso para ver esta página o realizar esta acción.")),
    404: (_("Página no encontrada"), _("La página que busca no existe o ya no está disponible.")),
    500: (
        _("Ocurrió un error"),
        _("Algo falló de nuestro lado y no se guardó nada de esta acción. Inténtelo de nuevo en un momento."),
    ),
    503: (
        _("El servicio se está recuperando"),
        _("La base de datos no responde en este momento. Espere unos segundos y vuelva a intentarlo."),
    ),
}
CSRF_TITLE = _("La sesión del formulario expiró")
CSRF_TEXT = _(
    "El formulario estuvo abierto demasiado tiempo o las cookies están desactivadas. "
    "Vuelva a cargar la página e inténtelo de nuevo."
)


def new_reference() -> str:
    """A short code a user can read out on the phone: 8 characters, no 0/O or 1/I confusion."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "".join(secrets.choice(alphabet) for _i in range(8))
    return f"{code[:4]}-{code[4:]}"


def database_is_down(exc: BaseException | None) -> bool:
    """Whether the exception (or one it came from) says the database cannot be reached."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OperationalError | InterfaceError):
            cause = exc.__cause__
            return getattr(cause, "pgcode", None) != QUERY_CANCELED
        exc = exc.__cause__ or exc.__context__
    return False


def _loaded_user_id(request):
    """The user's id if it is already known; never a query (the database may be the problem)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return getattr(user, "pk", None)


def _frames(exc: BaseException | None) -> str:
    """The traceback's frames only: where it failed, not the values it failed on."""
    if exc is None or exc.__traceback__ is None:
        return ""
    return "".join(traceback.format_tb(exc.__traceback__)).rstrip()


def log_failure(request, *, status: int, reference: str, exc: BaseException | None = None, reason: str = ""):
    """The one log record of a failure: reference, status, path, user id; no personal data."""
    event = {
        "event": "http_error",
        "reference": reference,
        "status": status,
        "method": request.method,
        "path": request.path,
        "user_id": _loaded_user_id(request),
    }
    if reason:
        event["reason"] = reason
    if exc is not None:
        event["exception"] = f"{type(exc).__module__}.{type(exc).__qualname__}"
        if status == 500:  # a bug: where it happened; an outage or a 4xx needs no traceback
            event["traceback"] = _frames(exc)
        if isinstance(exc, SuspiciousOperation):  # about headers and hosts, not people
            event["detail"] = str(exc)[:200]
    level = logging.ERROR if status >= 500 else logging.WARNING
    logger.log(level, "%s %s %s [ref %s]", status, request.method, request.path, reference, extra={"event": event})


def error_response(request, status: int, *, exc: BaseException | None = None, reason: str = "") -> HttpResponse:
    """Render the error page for `status` without touching the database, and log it once."""
    if status in (400, 500) and database_is_down(exc):
        status = 503
    reference = getattr(request, "_error_reference", None)
    if reference is None:
        reference = request._error_reference = new_reference()
        log_failure(request, status=status, reference=reference, exc=exc, reason=reason)
    # else: an outer middleware failed again on the same cause (the user it could not load while
    # the database is down): same reference, no second record.
    title, text = (CSRF_TITLE, CSRF_TEXT) if reason == "csrf" else PAGES[status]
    with translation.override(chosen_language(request)):
        context = {
            # A plain context: no context processor runs, so nothing here can query. `user` is
            # None so the layout shows no personal menu (it would need the session and the user).
            "request": request,
            "user": None,
            "csrf_token": get_token(request),
            "status": status,
            "title": title,
            "text": text,
            "reference": reference,
            "retry": request.method == "GET" and status in (500, 503),
        }
        body = loader.get_template("pess_tracker/error.html").render(context)
    response = HttpResponse(body, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response["X-Error-Reference"] = reference
    response._has_been_logged = True  # Django's log_response: this failure has its record already
    return response


def bad_request(request, exception=None):
    return error_response(request, 400, exc=exception)


def permission_denied(request, exception=None):
    return error_response(request, 403, exc=exception)


def page_not_found(request, exception=None):
    return error_response(request, 404, exc=exception)


def server_error(request):
    import sys

    return error_response(request, 500, exc=sys.exc_info()[1])


def csrf_failure(request, reason=""):
    return error_response(request, 403, reason="csrf")
