"""Staff pages for prioritised schools, mobile windows and their sessions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.permissions import is_writer as can_write
from core.querysets import related_aggregate
from core.records import apply_error, page_of
from indicators import periods
from indicators.disaggregation import GRID_AGE_GROUPS, GRID_SEXES, AgeGroup, Sex
from mobile_windows.forms import SchoolForm, SessionForm, WindowForm
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession, WindowStatus
from mobile_windows.services import create_school, grid_cells, save_session, save_window
from review.services import can_edit
from review.views import submit_for_review


def sessions_with_people(queryset):
    """People reached per session, summed in the database (one subquery each, no per-row query)."""
    cells = ReachCount.objects.all()
    return queryset.annotate(
        people=related_aggregate(cells, "session", Sum("count")),
        women=related_aggregate(cells.filter(sex=Sex.FEMALE), "session", Sum("count")),
        men=related_aggregate(cells.filter(sex=Sex.MALE), "session", Sum("count")),
    )


def windows_with_totals(queryset):
    """Sessions and people per window as correlated subqueries: no GROUP BY over the whole list,
    so the paginator's COUNT stays cheap (Django drops unused subquery annotations from it)."""
    return queryset.annotate(
        session_count=related_aggregate(WindowSession.objects.all(), "window"),
        people=related_aggregate(ReachCount.objects.all(), "session__window", Sum("count")),
    )


# --- Schools ------------------------------------------------------------------------------


@login_required
def school_list(request):
    query = request.GET.get("q", "").strip()
    schools = (
        School.objects.visible_to(request.user)
        .select_related("municipality")
        .annotate(window_count=Count("windows"))
        .order_by("municipality__name", "name", "pk")
    )
    if query:
        schools = schools.filter(Q(name__icontains=query) | Q(mined_code__icontains=query))
    return render(
        request,
        "mobile_windows/school_list.html",
        {"page": page_of(request, schools), "query": query, "can_write": can_write(request.user)},
    )


@login_required
def school_create(request):
    if not can_write(request.user):
        messages.error(request, _("Su perfil no permite registrar datos."))
        return redirect("mobile_windows:school_list")
    form = SchoolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            school = create_school(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Centro escolar «%(name)s» registrado.") % {"name": school.name})
            return redirect("mobile_windows:school_list")
    return render(request, "mobile_windows/school_form.html", {"form": form})


# --- Windows ------------------------------------------------------------------------------


@login_required
def window_list(request):
    status = request.GET.get("status", "")
    windows = windows_with_totals(
        MobileWindow.objects.visible_to(request.user).select_related("school", "municipality", "office")
    ).order_by("-installed_on", "-pk")
    if status in WindowStatus.values:
        windows = windows.filter(status=status)
    return render(
        request,
        "mobile_windows/window_list.html",
        {
            "page": page_of(request, windows),
            "status": status,
            "statuses": WindowStatus.choices,
            "can_write": can_write(request.user),
        },
    )


def _window_form_view(request, window=None):
    if not can_write(request.user) or (window is not None and not can_edit(window, request.user)):
        messages.error(request, _("No puede modificar esta ventanilla."))
        return redirect(window.get_absolute_url() if window else "mobile_windows:window_list")
    initial = {} if window is not None else {"installed_on": periods.today()}
    if window is None and request.GET.get("school"):
        initial["school"] = request.GET["school"]
    form = WindowForm(request.POST or None, instance=window, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_window(by=request.user, window=window, **form.cleaned_data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Ventanilla guardada."))
            return redirect(saved.get_absolute_url())
    return render(request, "mobile_windows/window_form.html", {"form": form, "window": window})


@login_required
def window_create(request):
    return _window_form_view(request)


@login_required
def window_update(request, pk):
    window = get_object_or_404(MobileWindow.objects.visible_to(request.user), pk=pk)
    return _window_form_view(request, window)


@login_required
def window_detail(request, pk):
    window = get_object_or_404(
        MobileWindow.objects.visible_to(request.user).select_related("school", "municipality", "office"), pk=pk
    )
    base = WindowSession.objects.visible_to(request.user).filter(window=window)
    sessions = sessions_with_people(base)
    totals = base.aggregate(
        session_count=Count("pk"), hours=Sum("hours"), materials=Sum("materials_handed_out"), referrals=Sum("referrals")
    )
    cells = {
        (sex, group): total
        for sex, group, total in ReachCount.objects.filter(session__window=window)
        .order_by()
        .values("sex", "age_group")
        .annotate(total=Sum("count"))
        .values_list("sex", "age_group", "total")
    }
    return render(
        request,
        "mobile_windows/window_detail.html",
        {
            "window": window,
            "page": page_of(request, sessions),
            "totals": totals,
            "grid": _grid_table(cells),
            "can_edit": can_edit(window, request.user),
            "can_write": can_write(request.user) and window.status != WindowStatus.REMOVED,
        },
    )


def _grid_table(cells: dict) -> dict:
    """People reached as an age-group × sex table with row and column totals (narrow enough for phones)."""
    rows = []
    for group in GRID_AGE_GROUPS:
        values = [cells.get((sex, group), 0) for sex in GRID_SEXES]
        rows.append((AgeGroup(group).label, values, sum(values)))
    column_totals = [sum(cells.get((sex, group), 0) for group in GRID_AGE_GROUPS) for sex in GRID_SEXES]
    return {
        "headers": [Sex(sex).label for sex in GRID_SEXES],
        "rows": rows,
        "column_totals": column_totals,
        "total": sum(column_totals),
    }


@login_required
@require_POST
def window_submit(request, pk):
    window = get_object_or_404(MobileWindow.objects.visible_to(request.user), pk=pk)
    return submit_for_review(request, window)


# --- Sessions -----------------------------------------------------------------------------


def _session_form_view(request, window, session=None):
    if not can_write(request.user) or (session is not None and not can_edit(session, request.user)):
        messages.error(request, _("No puede modificar esta jornada."))
        return redirect(session.get_absolute_url() if session else window.get_absolute_url())
    counts = {}
    if session is not None:
        counts = {(rc.sex, rc.age_group): rc.count for rc in session.reach_counts.all()}
    initial = {} if session is not None else {"date": periods.today()}
    form = SessionForm(request.POST or None, instance=session, counts=counts, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_session(
                by=request.user, window=window, session=session, counts=form.counts(), **form.session_values()
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Jornada guardada."))
            return redirect(saved.get_absolute_url())
    return render(
        request,
        "mobile_windows/session_form.html",
        {"form": form, "window": window, "session": session, "cell_count": len(grid_cells())},
    )


@login_required
def session_create(request, window_pk):
    window = get_object_or_404(
        MobileWindow.objects.visible_to(request.user).select_related("school", "municipality"), pk=window_pk
    )
    return _session_form_view(request, window)


@login_required
def session_update(request, pk):
    session = get_object_or_404(
        WindowSession.objects.visible_to(request.user).select_related("window__school", "window__municipality"),
        pk=pk,
    )
    return _session_form_view(request, session.window, session)


@login_required
def session_detail(request, pk):
    session = get_object_or_404(
        WindowSession.objects.visible_to(request.user).select_related(
            "window__school", "window__municipality", "window__office"
        ),
        pk=pk,
    )
    cells = {(rc.sex, rc.age_group): rc.count for rc in session.reach_counts.all()}
    return render(
        request,
        "mobile_windows/session_detail.html",
        {"session": session, "grid": _grid_table(cells), "can_edit": can_edit(session, request.user)},
    )


@login_required
@require_POST
def session_submit(request, pk):
    session = get_object_or_404(WindowSession.objects.visible_to(request.user), pk=pk)
    return submit_for_review(request, session)
