from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin_scoping import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedModelAdmin
from core.models import SecurityEvent, User
from core.services import sync_user_role_group


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    """Coordinators may view (for autocompletes of ISDEMU staff) the users of their department only."""

    list_display = ("username", "first_name", "last_name", "role", "office", "is_active", "last_login")
    list_filter = ("role", "office__department", "is_active")
    list_select_related = ("office",)
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("office",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("ISDEMU"), {"fields": ("role", "office")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("ISDEMU"), {"fields": ("first_name", "last_name", "email", "role", "office")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sync_user_role_group(obj)


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: coordinators see their department's users' events, administrators every event."""

    list_display = ("at", "kind", "username", "ip_address", "path")
    list_filter = ("kind",)
    list_select_related = ("user",)
    search_fields = ("username", "ip_address", "path")
    date_hierarchy = "at"
    readonly_fields = ("kind", "at", "user", "username", "ip_address", "path", "details")
