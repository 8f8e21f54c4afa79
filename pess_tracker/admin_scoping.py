"""The admin's half of scoping: every ModelAdmin and inline of the project uses this mixin.

Changelists, change forms, autocompletes (which go through get_queryset), foreign-key
choices and actions all see only what `Model.objects.visible_to(user)` allows; records
under review are read-only for staff once approved (pess_tracker.review.can_edit).
"""

from django.contrib import admin

from pess_tracker.review import ReviewableModel, can_edit
from pess_tracker.scoping import scope_q


def _scoped(queryset, user):
    q = scope_q(queryset.model, user)
    return queryset if q is None else queryset.filter(q)


class ScopedAdminMixin:
    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _scoped(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _scoped(field.queryset, request.user)
        return field

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None and isinstance(obj, ReviewableModel):
            return can_edit(obj, request.user)
        return allowed

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if allowed and obj is not None and isinstance(obj, ReviewableModel):
            return can_edit(obj, request.user)
        return allowed


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False


class ScopedTabularInline(ScopedAdminMixin, admin.TabularInline):
    extra = 0
