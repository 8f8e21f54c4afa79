from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scoping import ScopedModelAdmin
from geography.models import Department, Institution, Municipality, TerritorialOffice, ThematicTable


@admin.register(Department)
class DepartmentAdmin(ScopedModelAdmin):
    list_display = ("code", "iso_code", "name", "zone")
    search_fields = ("name", "code", "iso_code")


@admin.register(Municipality)
class MunicipalityAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "department", "municipality_2024", "pess_phase", "pess_entry_date")
    list_filter = ("pess_phase", "department")
    list_select_related = ("department",)
    search_fields = ("name", "code", "municipality_2024")


@admin.register(TerritorialOffice)
class TerritorialOfficeAdmin(ScopedModelAdmin):
    list_display = ("name", "department", "phone", "email", "named_in_source")
    list_filter = ("department", "named_in_source")
    list_select_related = ("department",)
    search_fields = ("name", "code")


@admin.register(ThematicTable)
class ThematicTableAdmin(ScopedModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Institution)
class InstitutionAdmin(ScopedModelAdmin, SimpleHistoryAdmin):
    list_display = ("name", "kind", "municipality")
    list_filter = ("kind", "municipality__department")
    list_select_related = ("municipality",)
    search_fields = ("name", "search_name")
    autocomplete_fields = ("municipality",)
