from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from geography.models import Municipality
from indicators import figures as indicators
from indicators import periods, registry


@login_required
def home(request):
    """This year's official figures over the PESS municipalities the user may see, with what is
    still pending review beside each (never inside)."""
    period = periods.this_year()
    municipalities = Municipality.objects.visible_to(request.user).pess()
    keys = indicators.IndicatorKey.values
    official, pending = indicators.figures_and_pending(
        keys, municipalities, period.start, period.end, user=request.user
    )
    rows = [
        {"label": label, "value": official[key], "pending": pending[key], "part": registry.indicator(key).part_of}
        for key, label in indicators.IndicatorKey.choices
    ]
    return render(
        request,
        "pess_tracker/home.html",
        {"period": period, "indicator_rows": rows, "municipality_count": municipalities.count()},
    )


@require_GET
def healthz(request):
    """Liveness: the process answers. No login, no personal data."""
    return JsonResponse({"status": "ok"})


_migrations_known_applied = False


@require_GET
def readyz(request):
    """Readiness: the database answers and no migration is pending (503 otherwise). No login, no data."""
    global _migrations_known_applied
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        if not _migrations_known_applied:
            # Building the migration graph is slow; once everything is applied it stays applied
            # for the life of this process (new migrations come with new code, hence a restart).
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return JsonResponse({"status": "unavailable", "reason": "migrations"}, status=503)
            _migrations_known_applied = True
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "reason": "database"}, status=503)
    return JsonResponse({"status": "ready"})
