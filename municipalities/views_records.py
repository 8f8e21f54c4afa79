"""Staff pages for thematic-table meetings, technical assistance, institutions and municipal plans."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.permissions import Action, can
from core.permissions import is_writer as can_write
from core.querysets import related_aggregate
from core.records import RecordFormView, apply_error, page_of
from core.text import normalize_name
from geography.models import Institution, Municipality, ThematicTable
from indicators import periods
from municipalities import services
from municipalities.forms import AssistanceForm, FollowUpActionForm, MeetingForm, PlanForm, StageChangeForm
from municipalities.models import (
    FollowUpAction,
    FollowUpStatus,
    MunicipalPlan,
    PlanStageChange,
    StageChangeStatus,
    TableMeeting,
    TechnicalAssistance,
)

# The figures of a municipality's page and of the municipality index (indicators.registry), in display order.
from municipalities.views import municipality_filter
from review.services import can_edit
from review.views import submit_view


@login_required
def meeting_list(request):
    meetings = (
        TableMeeting.objects.visible_to(request.user)
        .select_related("municipality", "table")
        .with_action_counts()
        .order_by("-date", "-pk")
    )
    meetings, municipality_id = municipality_filter(request, meetings)
    table = request.GET.get("mesa", "")
    if table.isdigit():
        meetings = meetings.filter(table_id=int(table))
    return render(
        request,
        "municipalities/meeting_list.html",
        {
            "page": page_of(request, meetings),
            "tables": ThematicTable.objects.all(),
            "table": table,
            "municipality_id": municipality_id,
            "can_write": can_write(request.user),
        },
    )


class MeetingFormView(RecordFormView):
    model = TableMeeting
    form_class = MeetingForm
    template_name = "municipalities/meeting_form.html"
    context_object_name = "meeting"
    list_url = "municipalities:meeting_list"
    query_initial = {"municipality": "municipio"}
    denied_message = gettext_lazy("No puede modificar esta reunión.")
    saved_message = gettext_lazy("Reunión guardada.")

    def save(self, form, record):
        return services.save_meeting(by=self.request.user, meeting=record, **form.cleaned_data)


meeting_create = meeting_update = MeetingFormView.as_view()


@login_required
def meeting_detail(request, pk, action_form=None):
    meeting = get_object_or_404(
        TableMeeting.objects.visible_to(request.user).select_related("municipality", "table", "office"), pk=pk
    )
    return render(
        request,
        "municipalities/meeting_detail.html",
        {
            "meeting": meeting,
            "participants": meeting.isdemu_participants.order_by("first_name", "username"),
            "actions": meeting.follow_up_actions.all(),
            "statuses": FollowUpStatus.choices,
            "action_form": action_form or FollowUpActionForm(),
            "can_edit": can_edit(meeting, request.user),
            "can_write": can_write(request.user),
        },
    )


meeting_submit = submit_view(TableMeeting)


@login_required
@require_POST
def follow_up_create(request, pk):
    meeting = get_object_or_404(TableMeeting.objects.visible_to(request.user), pk=pk)
    form = FollowUpActionForm(request.POST)
    if form.is_valid():
        try:
            services.add_follow_up_action(by=request.user, meeting=meeting, **form.cleaned_data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Acción de seguimiento agregada."))
            return redirect(meeting.get_absolute_url())
    return meeting_detail(request, pk, action_form=form)


@login_required
@require_POST
def follow_up_status(request, pk):
    action = get_object_or_404(FollowUpAction.objects.visible_to(request.user).select_related("meeting"), pk=pk)
    try:
        services.set_follow_up_status(by=request.user, action=action, status=request.POST.get("status", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Estado de la acción actualizado."))
    return redirect(action.meeting.get_absolute_url())


# --- Technical assistance and institutions ------------------------------------------------


@login_required
def assistance_list(request):
    records = TechnicalAssistance.objects.visible_to(request.user).select_related("institution", "municipality")
    records, municipality_id = municipality_filter(request, records)
    return render(
        request,
        "municipalities/assistance_list.html",
        {"page": page_of(request, records), "municipality_id": municipality_id, "can_write": can_write(request.user)},
    )


class AssistanceFormView(RecordFormView):
    """Technical assistance; an institution missing from the registry is created in the same transaction."""

    model = TechnicalAssistance
    form_class = AssistanceForm
    template_name = "municipalities/assistance_form.html"
    context_object_name = "assistance"
    list_url = "municipalities:assistance_list"
    query_initial = {"municipality": "municipio", "institution": "institucion"}
    denied_message = gettext_lazy("No puede modificar esta asistencia técnica.")
    saved_message = gettext_lazy("Asistencia técnica guardada.")

    @transaction.atomic
    def save(self, form, record):
        data = dict(form.cleaned_data)
        new_name = data.pop("new_institution_name", "")
        new_kind = data.pop("new_institution_kind")
        if not data.get("institution"):
            data["institution"], _created = services.get_or_create_institution(
                by=self.request.user, name=new_name, kind=new_kind, municipality=data["municipality"]
            )
        return services.save_assistance(by=self.request.user, assistance=record, **data)


assistance_create = assistance_update = AssistanceFormView.as_view()


@login_required
def assistance_detail(request, pk):
    record = get_object_or_404(
        TechnicalAssistance.objects.visible_to(request.user).select_related("institution", "municipality", "office"),
        pk=pk,
    )
    return render(
        request,
        "municipalities/assistance_detail.html",
        {"record": record, "can_edit": can_edit(record, request.user)},
    )


assistance_submit = submit_view(TechnicalAssistance)


def _visible_assistance_count(user):
    return related_aggregate(TechnicalAssistance.objects.visible_to(user), "institution")


@login_required
def institution_list(request):
    query = request.GET.get("q", "").strip()
    institutions = (
        Institution.objects.visible_to(request.user)
        .select_related("municipality")
        .annotate(assistance_count=_visible_assistance_count(request.user))
    )
    if query:
        institutions = institutions.filter(search_name__contains=normalize_name(query))
    elif request.user.office_id:
        # Without a search, the user's department first: that is where their work is.
        department_id = request.user.office.department_id
        institutions = institutions.filter(Q(municipality__department_id=department_id) | Q(municipality__isnull=True))
    return render(
        request,
        "municipalities/institution_list.html",
        {"page": page_of(request, institutions.order_by("name", "pk")), "query": query},
    )


@login_required
def institution_detail(request, pk):
    institution = get_object_or_404(Institution.objects.visible_to(request.user).select_related("municipality"), pk=pk)
    records = (
        TechnicalAssistance.objects.visible_to(request.user)
        .filter(institution=institution)
        .select_related("municipality")
    )
    return render(
        request,
        "municipalities/institution_detail.html",
        {"institution": institution, "page": page_of(request, records), "can_write": can_write(request.user)},
    )


# --- Municipal plans ----------------------------------------------------------------------


@login_required
def plan_list(request):
    plans = (
        MunicipalPlan.objects.visible_to(request.user)
        .select_related("municipality", "office")
        .annotate(
            pending=Count("stage_changes", filter=Q(stage_changes__status=StageChangeStatus.PROPOSED), distinct=True)
        )
        .order_by("municipality__department__code", "municipality__name")
    )
    without_plan = Municipality.objects.visible_to(request.user).pess().filter(plan__isnull=True).order_by("name")
    return render(
        request,
        "municipalities/plan_list.html",
        {"page": page_of(request, plans), "without_plan": without_plan, "can_write": can_write(request.user)},
    )


class PlanFormView(RecordFormView):
    """Open a municipality's plan, or edit its gender actions (its municipality is fixed once opened)."""

    model = MunicipalPlan
    form_class = PlanForm
    template_name = "municipalities/plan_form.html"
    context_object_name = "plan"
    select_related = ("municipality",)
    list_url = "municipalities:plan_list"
    date_field = None
    query_initial = {"municipality": "municipio"}
    denied_message = gettext_lazy("No puede modificar este plan.")
    create_denied_message = gettext_lazy("Su perfil no permite registrar datos.")
    saved_message = gettext_lazy("Plan guardado.")
    created_message = gettext_lazy("Plan registrado.")

    def save(self, form, record):
        data = form.cleaned_data if record is None else {**form.cleaned_data, "municipality": record.municipality}
        return services.save_plan(by=self.request.user, plan=record, **data)


plan_create = plan_update = PlanFormView.as_view()


@login_required
def plan_detail(request, pk, stage_form=None):
    plan = get_object_or_404(
        MunicipalPlan.objects.visible_to(request.user).select_related("municipality", "office"), pk=pk
    )
    user = request.user
    changes = list(plan.stage_changes.select_related("proposed_by", "decided_by"))
    return render(
        request,
        "municipalities/plan_detail.html",
        {
            "plan": plan,
            "changes": changes,
            "pending": any(c.status == StageChangeStatus.PROPOSED for c in changes),
            "stage_form": stage_form or StageChangeForm(plan=plan, initial={"date": periods.today()}),
            "can_edit": can_edit(plan, user),
            "can_write": can_write(user),
            "can_decide": can(user, Action.REVIEW, plan),
        },
    )


@login_required
@require_POST
def plan_propose(request, pk):
    plan = get_object_or_404(MunicipalPlan.objects.visible_to(request.user), pk=pk)
    form = StageChangeForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            services.propose_stage_change(by=request.user, plan=plan, **form.cleaned_data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Cambio de etapa propuesto: la coordinación debe confirmarlo."))
            return redirect(plan.get_absolute_url())
    return plan_detail(request, pk, stage_form=form)


plan_submit = submit_view(MunicipalPlan)


def _decide(request, pk, service, done_message):
    change = get_object_or_404(PlanStageChange.objects.visible_to(request.user).select_related("plan"), pk=pk)
    try:
        service(by=request.user, change=change)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done_message)
    return redirect(change.plan.get_absolute_url())


@login_required
@require_POST
def stage_change_confirm(request, pk):
    return _decide(request, pk, services.confirm_stage_change, _("Cambio de etapa confirmado."))


@login_required
@require_POST
def stage_change_reject(request, pk):
    return _decide(request, pk, services.reject_stage_change, _("Cambio de etapa rechazado."))
