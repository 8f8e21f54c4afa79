"""Production refuses to start with unsafe settings (pess_tracker/settings.py PRODUCTION_PROBLEMS).

Every management command runs Django's system checks (this one included) before it does anything;
the WSGI and ASGI entry points call `refuse_unsafe_start()` before serving a request.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def production_settings(app_configs=None, **kwargs):
    return [checks.Error(problem, id="pess.E001") for problem in getattr(settings, "PRODUCTION_PROBLEMS", [])]


def refuse_unsafe_start() -> None:
    problems = getattr(settings, "PRODUCTION_PROBLEMS", [])
    if problems:
        raise ImproperlyConfigured(" ".join(problems))
