"""Staff pages: municipalities, thematic-table meetings, technical assistance, institutions, plans."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from core.permissions import Action, can
from core.permissions import is_writer as can_write
from geography.models import Municipality, TerritorialOffice
from indicators import figures as indicators
from indicators import maps, periods, registry
from indicators.figures import IndicatorKey
from indicators.registry import Review
from mobile_windows.models import MobileWindow, WindowSession
from municipalities.models import (
    MunicipalPlan,
    TableMeeting,
    TechnicalAssistance,
)
from workshops.models import Workshop

# The figures of a municipality's page and of the municipality index (indicators.registry), in display order.
MUNICIPALITY_KEYS = registry.keys("summary")
INDEX_KEYS = registry.keys("headline")
RECENT = 8
INSET_KEY = IndicatorKey.PARTICIPANTS


def _office_name():
    return Subquery(
        TerritorialOffice.objects.filter(department=OuterRef("department")).order_by("pk").values("name")[:1]
    )


def municipality_filter(request, queryset, path="municipality"):
    """?municipio=<pk> narrows a list to one municipality (the user's scope still applies)."""
    value = request.GET.get("municipio", "")
    if value.isdigit():
        return queryset.filter(**{f"{path}_id": int(value)}), int(value)
    return queryset, None


# --- Municipalities -----------------------------------------------------------------------


@login_required
def municipality_list(request):
    period = periods.this_year()
    municipalities = indicators.annotate_municipalities(
        Municipality.objects.visible_to(request.user)
        .pess()
        .select_related("department", "plan")
        .annotate(office_name=_office_name())
        .order_by("department__code", "name"),
        period.start,
        period.end,
        keys=INDEX_KEYS,
    )
    # getattr: a municipality without a plan raises RelatedObjectDoesNotExist (an AttributeError).
    labels = [IndicatorKey(key).label for key in INDEX_KEYS]
    rows = [
        (m, list(zip(labels, [getattr(m, key) for key in INDEX_KEYS], strict=True)), getattr(m, "plan", None))
        for m in municipalities
    ]
    return render(
        request,
        "municipalities/municipality_list.html",
        {"rows": rows, "period": period, "headers": labels},
    )


@login_required
def municipality_detail(request, pk):
    user = request.user
    period = periods.this_year()
    review = Review.from_params(request.GET)
    base = Municipality.objects.visible_to(user).select_related("department").annotate(office_name=_office_name())
    municipality = get_object_or_404(
        indicators.annotate_targets(
            indicators.annotate_municipalities(
                base, period.start, period.end, keys=MUNICIPALITY_KEYS, review=review, pending=True
            ),
            period.start.year,
            keys=MUNICIPALITY_KEYS,
        ),
        pk=pk,
    )
    figures = []
    for key in MUNICIPALITY_KEYS:
        value = getattr(municipality, key)
        target = getattr(municipality, f"target_{key}")
        pending = getattr(municipality, f"pending_{key}")
        figures.append((IndicatorKey(key).label, value, target, indicators.progress(value, target), pending))
    plan = MunicipalPlan.objects.visible_to(user).filter(municipality=municipality).first()
    workshops = list(
        Workshop.objects.visible_to(user).filter(municipality=municipality).order_by("-start_date", "-pk")[:RECENT]
    )
    sessions = list(
        WindowSession.objects.visible_to(user)
        .filter(window__municipality=municipality)
        .select_related("window__school")
        .with_people()[:RECENT]
    )
    windows = list(
        MobileWindow.objects.visible_to(user)
        .filter(municipality=municipality)
        .select_related("school")
        .with_totals()
        .exclude(status="removed")
        .order_by("-installed_on", "-pk")[:RECENT]
    )
    meetings = list(
        TableMeeting.objects.visible_to(user)
        .filter(municipality=municipality)
        .select_related("table")
        .with_action_counts()
        .order_by("-date", "-pk")[:RECENT]
    )
    per_table = (
        TableMeeting.objects.visible_to(user)
        .filter(municipality=municipality)
        .order_by()
        .values("table__name")
        .annotate(n=Count("pk"))
        .order_by("table__name")
    )
    assistance = list(
        TechnicalAssistance.objects.visible_to(user)
        .filter(municipality=municipality)
        .select_related("institution")[:RECENT]
    )
    # The inset: the municipality highlighted among its department's PESS municipalities (those
    # the user may see), coloured by this year's unique participants.
    inset = maps.indicator_map(
        INSET_KEY,
        Municipality.objects.visible_to(user).filter(
            Q(department_id=municipality.department_id, pess_phase__isnull=False) | Q(pk=municipality.pk)
        ),
        period.start,
        period.end,
        user=user,
        review=review,
        department=municipality.department.code,
        highlight=municipality.pk,
        dom_id="mapa-municipio",
        title=_("%(i)s en %(d)s (%(p)s)")
        % {"i": IndicatorKey(INSET_KEY).label, "d": municipality.department.name, "p": period.label},
    )
    return render(
        request,
        "municipalities/municipality_detail.html",
        {
            "review": review,
            "review_choices": Review.page_choices(),
            "municipality": municipality,
            "period": period,
            "figures": figures,
            "plan": plan,
            "workshops": workshops,
            "sessions": sessions,
            "windows": windows,
            "meetings": meetings,
            "per_table": per_table,
            "assistance": assistance,
            "can_write": can_write(user),
            "inset": inset,
            "can_export": can(user, Action.EXPORT),
            "this_year": period.start.year,
            "months": range(1, 13),
        },
    )


# --- Thematic-table meetings --------------------------------------------------------------
