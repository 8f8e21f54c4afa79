from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from municipalities.models import Municipality
from pess_tracker import indicators, periods


@login_required
def home(request):
    """A minimal dashboard: this year's indicators over the PESS municipalities the user may see."""
    period = periods.this_year()
    municipalities = Municipality.objects.visible_to(request.user).pess()
    totals = indicators.totals(municipalities, period.start, period.end)
    rows = [(label, totals[key]) for key, label in indicators.IndicatorKey.choices]
    return render(
        request,
        "pess_tracker/home.html",
        {"period": period, "indicator_rows": rows, "municipality_count": municipalities.count()},
    )


@require_GET
def healthz(request):
    """Liveness: the process answers. No login, no personal data."""
    return JsonResponse({"status": "ok"})
