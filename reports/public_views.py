"""The public transparency page (/transparencia/): no login, official figures only.

The figures come from `reports.public` (cached, computed outside any user's scope, small counts
protected). Each client address may ask PUBLIC_PAGE_THROTTLE times (default 60 a minute; the
address as `core.events.client_ip` reads it behind TRUSTED_PROXY_COUNT proxies), counted in
Django's cache with Django REST framework's own rate limiter (as the API's throttles); beyond
that it gets a 429 in Spanish with Retry-After.
"""

import math

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from rest_framework.throttling import SimpleRateThrottle

from core.events import client_ip
from reports import public


class PublicPageThrottle(SimpleRateThrottle):
    """Requests per client address (the rate is read from the settings at each request)."""

    scope = "public_page"

    def get_rate(self):
        return settings.PUBLIC_PAGE_THROTTLE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


@require_GET
def transparency(request):
    throttle = PublicPageThrottle()
    if not throttle.allow_request(request, None):
        wait = max(1, math.ceil(throttle.wait() or 1))
        response = render(request, "reports/public_throttled.html", {"wait": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response
    years = public.public_years()
    asked = request.GET.get("anio", "")
    notice = ""
    year = years[0]
    if asked:
        if asked.isdigit() and int(asked) in years:
            year = int(asked)
        else:
            notice = _("Solo se publican las cifras de %(a)s y %(b)s: se muestran las de %(a)s.") % {
                "a": years[0],
                "b": years[1],
            }
    data = public.public_figures(year)
    headers = public.headers()
    cards = {
        "events": list(zip(headers["events"], data["national"]["events"], strict=True)),
        "people": [
            (label, cells[0]) for label, cells in zip(headers["people"], data["national"]["people"], strict=True)
        ],
    }
    return render(
        request,
        "reports/public.html",
        {"data": data, "years": years, "year": year, "notice": notice, "headers": headers, "cards": cards},
    )
