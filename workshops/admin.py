from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scoping import ScopedModelAdmin, ScopedTabularInline
from review.admin import ReviewableAdmin
from workshops.models import Attendance, Participant, Workshop


class AttendanceInline(ScopedTabularInline):
    model = Attendance
    autocomplete_fields = ("participant",)
    readonly_fields = ("registered_by", "registered_at", "method")
    fields = ("participant", "method", "registered_by", "registered_at")


@admin.register(Workshop)
class WorkshopAdmin(ReviewableAdmin):
    list_display = ("title", "start_date", "municipality", "office", "status", "hours", "review_state")
    list_filter = (
        "status",
        "review_state",
        "topic",
        "office__department",
        "municipality__pess_phase",
        "office",
        "start_date",
    )
    list_select_related = ("municipality", "office")
    search_fields = ("title", "venue", "facilitators", "municipality__name")
    autocomplete_fields = ("municipality", "office", "thematic_table")
    date_hierarchy = "start_date"
    inlines = [AttendanceInline]


@admin.register(Participant)
class ParticipantAdmin(ScopedModelAdmin, SimpleHistoryAdmin):
    list_display = ("last_names", "first_names", "sex", "age_group", "dui", "institution", "office")
    list_filter = ("sex", "age_group", "office__department", "office", "consent")
    list_select_related = ("institution__municipality", "office")
    search_fields = ("search_name", "dui")  # shows the search box; the search itself is below
    autocomplete_fields = ("institution", "municipality", "office")

    def get_search_results(self, request, queryset, search_term):
        """The changelist and the participant autocompletes use the one people search."""
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False


@admin.register(Attendance)
class AttendanceAdmin(ScopedModelAdmin, SimpleHistoryAdmin):
    list_display = ("participant", "workshop", "method", "registered_by", "registered_at")
    list_filter = ("method", "workshop__office__department", "workshop__office")
    list_select_related = ("participant", "workshop", "registered_by")
    search_fields = ("participant__search_name", "workshop__title")
    autocomplete_fields = ("workshop", "participant")
