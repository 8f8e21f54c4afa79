from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scoping import PersonalDataAdminMixin, ScopedModelAdmin, ScopedTabularInline
from core.privacy import PERSONAL_FIELDS, role_may_see_personal_data
from review.admin import ReviewableAdmin
from workshops.models import Attendance, Participant, Workshop


class AttendanceInline(ScopedTabularInline):
    model = Attendance
    autocomplete_fields = ("participant",)
    readonly_fields = ("participant_sex", "participant_age_group", "registered_by", "registered_at", "method")
    fields = ("participant", "participant_sex", "participant_age_group", "method", "registered_by", "registered_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("participant", "registered_by")

    # A reviewer checks the sex and age-group breakdown against the attendance list.
    @admin.display(description=_("sexo"))
    def participant_sex(self, obj):
        return obj.participant.get_sex_display() if obj.participant_id else "—"

    @admin.display(description=_("grupo de edad"))
    def participant_age_group(self, obj):
        return obj.participant.get_age_group_display() if obj.participant_id else "—"


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
class ParticipantAdmin(PersonalDataAdminMixin, ScopedModelAdmin, SimpleHistoryAdmin):
    personal_fields = (*PERSONAL_FIELDS, "birth_year")
    readonly_fields = ("consent_at",)  # set when consent is recorded, not typed
    list_display = ("last_names", "first_names", "sex", "age_group", "dui", "institution", "office")
    list_filter = ("sex", "age_group", "office__department", "office", "consent")
    list_select_related = ("institution__municipality", "office")
    search_fields = ("search_name", "dui")  # shows the search box; the search itself is below
    autocomplete_fields = ("institution", "municipality", "office")

    def get_search_results(self, request, queryset, search_term):
        """The changelist and the participant autocompletes use the one people search."""
        if not search_term.strip():
            return queryset, False
        return queryset.search_for(request.user, search_term), False


@admin.register(Attendance)
class AttendanceAdmin(ScopedModelAdmin, SimpleHistoryAdmin):
    list_display = ("participant", "workshop", "method", "registered_by", "registered_at")
    list_filter = ("method", "workshop__office__department", "workshop__office")
    list_select_related = ("participant", "workshop", "registered_by")
    search_fields = ("participant__search_name", "workshop__title")
    autocomplete_fields = ("workshop", "participant")

    def get_search_fields(self, request):
        if not role_may_see_personal_data(request.user):  # managers cannot look people up by name
            return ("workshop__title",)
        return super().get_search_fields(request)
