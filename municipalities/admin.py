from django.contrib import admin
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scoping import ScopedModelAdmin, ScopedTabularInline
from indicators.admin_progress import MunicipalProgressAdmin
from indicators.models import MunicipalProgress
from municipalities.models import (
    FollowUpAction,
    MunicipalPlan,
    PlanStage,
    PlanStageChange,
    TableMeeting,
    TechnicalAssistance,
)
from review.admin import ReviewableAdmin


class FollowUpActionInline(ScopedTabularInline):
    model = FollowUpAction


@admin.register(TableMeeting)
class TableMeetingAdmin(ReviewableAdmin):
    list_display = ("date", "table", "municipality", "office", "review_state")
    list_filter = ("review_state", "table", "office__department", "municipality__pess_phase", "office", "date")
    list_select_related = ("table", "municipality", "office")
    search_fields = ("agreements", "follow_up", "municipality__name")
    autocomplete_fields = ("municipality", "office", "table", "isdemu_participants")
    date_hierarchy = "date"
    inlines = [FollowUpActionInline]


@admin.register(FollowUpAction)
class FollowUpActionAdmin(ScopedModelAdmin, SimpleHistoryAdmin):
    list_display = ("description", "meeting", "responsible", "due_date", "status")
    list_filter = ("status", "due_date")
    list_select_related = ("meeting__table", "meeting__municipality")
    search_fields = ("description", "responsible")
    autocomplete_fields = ("meeting",)


@admin.register(TechnicalAssistance)
class TechnicalAssistanceAdmin(ReviewableAdmin):
    list_display = ("date", "institution", "municipality", "topic", "hours", "office", "review_state")
    list_filter = ("review_state", "topic", "office__department", "municipality__pess_phase", "office", "date")
    list_select_related = ("institution__municipality", "municipality", "office")
    search_fields = ("institution__name", "outcome", "municipality__name")
    autocomplete_fields = ("institution", "municipality", "office")
    date_hierarchy = "date"


class PlanStageChangeInline(ScopedTabularInline):
    model = PlanStageChange
    fk_name = "plan"
    autocomplete_fields = ("proposed_by", "decided_by")


@admin.register(MunicipalPlan)
class MunicipalPlanAdmin(ReviewableAdmin):
    list_display = ("municipality", "stage", "stage_date", "office", "review_state")
    list_filter = ("stage", "review_state", "office__department", "municipality__pess_phase")
    list_select_related = ("municipality", "office")
    search_fields = ("municipality__name", "gender_actions")
    autocomplete_fields = ("municipality", "office")
    inlines = [PlanStageChangeInline]


@admin.register(PlanStageChange)
class PlanStageChangeAdmin(ScopedModelAdmin, SimpleHistoryAdmin):
    list_display = ("plan", "from_stage", "to_stage", "date", "status", "proposed_by", "decided_by")
    list_filter = ("status", "to_stage")
    list_select_related = ("plan__municipality", "proposed_by", "decided_by")
    search_fields = ("plan__municipality__name", "note")
    autocomplete_fields = ("plan", "proposed_by", "decided_by")


@admin.register(MunicipalProgress)
class PlanProgressAdmin(MunicipalProgressAdmin):
    """The municipal progress admin (indicators.admin_progress) with each municipality's plan stage."""

    list_display = (
        *MunicipalProgressAdmin.summary_columns,
        "plan_stage_display",
        *MunicipalProgressAdmin.figure_columns,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(plan_stage=F("plan__stage"))

    @admin.display(description=gettext_lazy("Plan"), ordering="plan_stage")
    def plan_stage_display(self, obj):
        return PlanStage(obj.plan_stage).label if obj.plan_stage else _("Sin plan")

    def detail_context(self, request, municipality) -> dict:
        return {
            "plan": MunicipalPlan.objects.filter(municipality=municipality).select_related("office").first(),
            "stage_changes": PlanStageChange.objects.filter(plan__municipality=municipality)
            .select_related("proposed_by", "decided_by")
            .order_by("-date", "-pk"),
        }
