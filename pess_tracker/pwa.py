"""The installable field app (issue 15): web manifest, service worker and offline page, all from
our own origin under the strict content security policy, and a logout that clears the device.

- `/manifest.webmanifest`: name, icons and colours (public: no data).
- `/sw.js`: static/js/sw.js with its configuration in front (the app shell's static URLs, hashed in
  production, and a version derived from their contents, so a new release replaces the shell cache).
  Served from the root so that its scope covers the whole site.
- `/sin-conexion/`: what the service worker shows for a page it cannot fetch; a standalone page
  without the user's name, since it is cached on the device.
- Logout answers with `Clear-Site-Data: "cache", "storage"`: the browser deletes the offline store
  and the cached pages (static/js/pwa.js has already done it before posting the form).
"""

import functools
import hashlib
import json

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

THEME_COLOR = "#5b2a86"  # --purple in static/css/app.css
SHELL_FILES = (
    "css/app.css",
    "css/errors.css",
    "css/checkin.css",
    "js/vendor/htmx-2.0.11.min.js",
    "js/app.js",
    "js/errors.js",
    "js/attendance.js",
    "js/offline_store.js",
    "js/pwa.js",
    "js/offline_attendance.js",
    "icons/pess-192.png",
    "icons/pess-512.png",
)


def _read(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, "rb") as f:
        return f.read()


def _shell_version() -> str:
    digest = hashlib.sha256()
    for path in (*SHELL_FILES, "js/sw.js"):
        digest.update(path.encode())
        digest.update(_read(path))
        digest.update(static(path).encode())
    return digest.hexdigest()[:16]


_cached_version = functools.lru_cache(maxsize=1)(_shell_version)


def shell_version() -> str:
    """Changes whenever a shell file changes (recomputed on each request in development)."""
    return _shell_version() if settings.DEBUG else _cached_version()


@require_GET
def service_worker(request):
    config = {
        "version": shell_version(),
        "shell": [*(static(p) for p in SHELL_FILES), reverse("offline")],
        "offline": reverse("offline"),
        "static": settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL,
    }
    body = f"self.PESS_SW = {json.dumps(config)};\n".encode() + _read("js/sw.js")
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # the browser checks for a new version at each visit
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request):
    data = {
        "name": "PESS Tracker — ISDEMU",
        "short_name": "PESS Tracker",
        "description": _("Talleres y asistencia del ISDEMU en el Plan El Salvador Seguro, también sin conexión."),
        "lang": "es",
        "dir": "ltr",
        "start_url": reverse("workshops:start"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static("icons/pess-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("icons/pess-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("icons/pess-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
def offline(request):
    return render(request, "pess_tracker/offline.html")


class LogoutView(auth_views.LogoutView):
    """Django's logout, plus the instruction to the browser to delete this site's stored data."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
