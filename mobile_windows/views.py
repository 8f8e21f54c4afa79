"""Staff pages for prioritised schools, mobile windows and their sessions."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.permissions import is_writer as can_write
from core.records import RecordFormView, page_of
from indicators.disaggregation import GRID_AGE_GROUPS, GRID_SEXES, AgeGroup, Sex
from mobile_windows.forms import SchoolForm, SessionForm, WindowForm
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession, WindowStatus
from mobile_windows.services import create_school, grid_cells, save_session, save_window
from review.services import can_edit
from review.views import submit_view

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


class SchoolFormView(RecordFormView):
    """Register a prioritised school (schools are registered, not edited, from these pages)."""

    model = School
    form_class = SchoolForm
    template_name = "mobile_windows/school_form.html"
    context_object_name = "school"
    list_url = "mobile_windows:school_list"
    date_field = None
    denied_message = gettext_lazy("Su perfil no permite registrar datos.")

    def save(self, form, record):
        return create_school(by=self.request.user, **form.cleaned_data)

    def success_message(self, saved) -> str:
        return _("Centro escolar «%(name)s» registrado.") % {"name": saved.name}

    def success_url(self, saved) -> str:
        return reverse(self.list_url)


school_create = SchoolFormView.as_view()


# --- Windows ------------------------------------------------------------------------------


@login_required
def window_list(request):
    status = request.GET.get("status", "")
    windows = (
        MobileWindow.objects.visible_to(request.user)
        .select_related("school", "municipality", "office")
        .with_totals()
        .order_by("-installed_on", "-pk")
    )
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


class WindowFormView(RecordFormView):
    model = MobileWindow
    form_class = WindowForm
    template_name = "mobile_windows/window_form.html"
    context_object_name = "window"
    list_url = "mobile_windows:window_list"
    date_field = "installed_on"
    query_initial = {"school": "school"}
    denied_message = gettext_lazy("No puede modificar esta ventanilla.")
    saved_message = gettext_lazy("Ventanilla guardada.")

    def save(self, form, record):
        return save_window(by=self.request.user, window=record, **form.cleaned_data)


window_create = window_update = WindowFormView.as_view()


@login_required
def window_detail(request, pk):
    window = get_object_or_404(
        MobileWindow.objects.visible_to(request.user).select_related("school", "municipality", "office"), pk=pk
    )
    base = WindowSession.objects.visible_to(request.user).filter(window=window)
    sessions = base.with_people()
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


window_submit = submit_view(MobileWindow)


# --- Sessions -----------------------------------------------------------------------------


class SessionFormView(RecordFormView):
    """A day at a window (URL `window_pk` to create, `pk` to edit) with its people-reached grid."""

    model = WindowSession
    form_class = SessionForm
    template_name = "mobile_windows/session_form.html"
    context_object_name = "session"
    select_related = ("window__school", "window__municipality")
    denied_message = gettext_lazy("No puede modificar esta jornada.")
    saved_message = gettext_lazy("Jornada guardada.")

    def get_object(self):
        session = super().get_object()
        if session is not None:
            self.window = session.window
        else:
            windows = MobileWindow.objects.visible_to(self.request.user).select_related("school", "municipality")
            self.window = get_object_or_404(windows, pk=self.kwargs["window_pk"])
        return session

    def refused_url(self) -> str:
        return (self.object or self.window).get_absolute_url()

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        del kwargs["user"]
        if self.object is not None:
            kwargs["counts"] = {(rc.sex, rc.age_group): rc.count for rc in self.object.reach_counts.all()}
        return kwargs

    def save(self, form, record):
        return save_session(
            by=self.request.user, window=self.window, session=record, counts=form.counts(), **form.session_values()
        )

    def get_context_data(self, **context) -> dict:
        return super().get_context_data(window=self.window, cell_count=len(grid_cells()), **context)


session_create = session_update = SessionFormView.as_view()


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


session_submit = submit_view(WindowSession)
