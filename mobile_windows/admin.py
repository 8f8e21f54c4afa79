from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scoping import ScopedModelAdmin, ScopedTabularInline
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession
from review.admin import ReviewableAdmin


@admin.register(School)
class SchoolAdmin(ScopedModelAdmin, SimpleHistoryAdmin):
    list_display = ("mined_code", "name", "municipality", "prioritised")
    list_filter = ("prioritised", "municipality__department", "municipality__pess_phase")
    list_select_related = ("municipality",)
    search_fields = ("name", "mined_code")
    autocomplete_fields = ("municipality",)


class WindowSessionInline(ScopedTabularInline):
    model = WindowSession
    fields = ("date", "hours", "materials_handed_out", "referrals", "review_state")
    readonly_fields = ("review_state",)
    show_change_link = True


@admin.register(MobileWindow)
class MobileWindowAdmin(ReviewableAdmin):
    list_display = ("__str__", "municipality", "office", "installed_on", "removed_on", "status", "review_state")
    list_filter = ("status", "review_state", "office__department", "municipality__pess_phase", "office")
    list_select_related = ("school", "municipality", "office")
    search_fields = ("school__name", "school__mined_code", "site_name", "municipality__name")
    autocomplete_fields = ("school", "municipality", "office")
    date_hierarchy = "installed_on"
    inlines = [WindowSessionInline]


class ReachCountInline(ScopedTabularInline):
    model = ReachCount


@admin.register(WindowSession)
class WindowSessionAdmin(ReviewableAdmin):
    list_display = ("date", "window", "hours", "materials_handed_out", "referrals", "review_state")
    list_filter = ("review_state", "window__office__department", "window__municipality__pess_phase", "date")
    list_select_related = ("window__school",)
    search_fields = ("window__school__name", "window__site_name", "notes")
    autocomplete_fields = ("window",)
    date_hierarchy = "date"
    inlines = [ReachCountInline]


@admin.register(ReachCount)
class ReachCountAdmin(ScopedModelAdmin, SimpleHistoryAdmin):
    list_display = ("session", "sex", "age_group", "count")
    list_filter = ("sex", "age_group")
    list_select_related = ("session__window__school",)
    autocomplete_fields = ("session",)
