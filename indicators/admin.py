from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scoping import ScopedModelAdmin
from indicators.models import Target


@admin.register(Target)
class TargetAdmin(ScopedModelAdmin, SimpleHistoryAdmin):
    """Managers (and administrators) set targets; coordinators only read them (role permissions)."""

    list_display = ("year", "indicator", "municipality", "office", "value")
    list_filter = ("year", "indicator", "municipality__department", "municipality__pess_phase")
    list_select_related = ("municipality", "office")
    search_fields = ("municipality__name", "office__name")
    autocomplete_fields = ("municipality", "office")
    change_list_template = "admin/indicators/target/change_list.html"

    def get_urls(self):
        from indicators.admin_targets import target_urls

        return [*target_urls(self), *super().get_urls()]
