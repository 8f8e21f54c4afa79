from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scoping import ScopedModelAdmin, ScopedTabularInline
from municipalities.models import FollowUpAction, MunicipalPlan, PlanStageChange, TableMeeting, TechnicalAssistance
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
