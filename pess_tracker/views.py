from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.permissions import sees_overview_map
from geography.models import Municipality
from indicators import figures as indicators
from indicators import maps, periods, registry
from review.todo import todo_for

MAP_KEY = indicators.IndicatorKey.PARTICIPANTS


@login_required
def home(request):
    """This year's official figures over the PESS municipalities the user may see, with what is
    still pending review beside each (never inside); for coordinators, managers and
    administrators, the map of one indicator (`?indicador=`, unique participants by default),
    zoomed to the coordinator's department."""
    period = periods.this_year()
    user = request.user
    municipalities = Municipality.objects.visible_to(user).pess()
    keys = indicators.IndicatorKey.values
    official, pending = indicators.figures_and_pending(keys, municipalities, period.start, period.end, user=user)
    rows = [
        {"label": label, "value": official[key], "pending": pending[key], "part": registry.indicator(key).part_of}
        for key, label in indicators.IndicatorKey.choices
    ]
    overview = None
    map_key = request.GET.get("indicador") or MAP_KEY
    if map_key not in keys:
        map_key = MAP_KEY
    if sees_overview_map(user):
        department = user.office.department.code if user.office_id and not user.is_national else None
        overview = maps.indicator_map(
            map_key,
            municipalities,
            period.start,
            period.end,
            user=user,
            department=department,
            dom_id="mapa-inicio",
            title=f"{indicators.IndicatorKey(map_key).label} ({period.label})",
        )
    return render(
        request,
        "pess_tracker/home.html",
        {
            "period": period,
            "indicator_rows": rows,
            "municipality_count": municipalities.count(),
            "todo": todo_for(user),
            "overview_map": overview,
            "map_key": map_key,
            "map_choices": indicators.IndicatorKey.choices,
        },
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
