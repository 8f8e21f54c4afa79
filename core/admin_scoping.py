"""The admin's half of scoping: every ModelAdmin and inline of the project uses this mixin.

Changelists, change forms, autocompletes (which go through get_queryset), foreign-key
choices and actions all see only what `Model.objects.visible_to(user)` allows; records
under review are read-only for staff once approved (core.permissions).

Object-level permissions (view, change, delete, and so simple-history's history pages,
which may fall back to a historical copy of a record) are also refused for objects
outside the user's scope, so no URL shows another department's data.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.permissions import Action, can, in_scope
from core.privacy import pseudonym_code, role_may_see_personal_data
from core.scoping import scope_q


def _scoped(queryset, user):
    q = scope_q(queryset.model, user)
    return queryset if q is None else queryset.filter(q)


# Callables model -> set of extra changelist lookups that only narrow the (still scoped) queryset,
# such as the links from a figure to its records (indicators registers one in its AppConfig.ready).
LOOKUP_PROVIDERS: list = []


class ScopedAdminMixin:
    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request.user)

    def lookup_allowed(self, lookup, value, request=None):
        # The filtered queryset is still scoped: these lookups only narrow it.
        if any(lookup in provider(self.model) for provider in LOOKUP_PROVIDERS):
            return True
        return super().lookup_allowed(lookup, value, request)

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

    def _object_in_scope(self, request, obj) -> bool:
        if obj is None:
            return True
        model = self.model if isinstance(obj, self.model) else type(obj)
        return in_scope(request.user, obj, model)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        if allowed and obj is not None and isinstance(obj, self.model):
            return self._object_in_scope(request, obj)
        return allowed

    def _may_write(self, request, obj, allowed: bool) -> bool:
        """Change and delete: the role's model permission (`allowed`), then the object's own rule."""
        if allowed and obj is not None:
            if hasattr(obj, "review_state"):  # a reviewable record itself, or an inline's parent
                return can(request.user, Action.EDIT, obj)
            if isinstance(obj, self.model):
                return self._object_in_scope(request, obj)
        return allowed

    def has_change_permission(self, request, obj=None):
        return self._may_write(request, obj, super().has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        return self._may_write(request, obj, super().has_delete_permission(request, obj))

    # django-simple-history's history pages look records up without get_queryset (the list falls
    # back to the historical rows, a past version is fetched straight from the history table), so
    # they would show another office's records: answer 404 unless the record is in scope.
    def _require_in_scope(self, request, object_id):
        try:
            in_scope = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            in_scope = False
        if not in_scope:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)


class ReadOnlyAdminMixin:
    """Pages that only list (logs, computed views): nobody adds, changes or deletes through them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False


class ScopedTabularInline(ScopedAdminMixin, admin.TabularInline):
    extra = 0


class PersonalDataAdminMixin:
    """The admin's half of core.privacy, for models that hold personal data (participants).

    For those whose role may not see personal data (managers), the changelist shows the
    pseudonymous code instead of the personal columns, the change and history pages leave the
    personal fields out of the form (not only out of sight: they are not in the form at all),
    history deltas skip them, and the search looks up codes only."""

    personal_fields: tuple[str, ...] = ()

    def _hides_personal_data(self, request) -> bool:
        return not role_may_see_personal_data(request.user)

    @admin.display(description=_("código"))
    def pseudonymous_code(self, obj):
        return format_html('<span class="pess-code">{}</span>', pseudonym_code(obj.pk))

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if not self._hides_personal_data(request):
            return columns
        return ["pseudonymous_code", *(c for c in columns if c not in self.personal_fields)]

    def get_list_display_links(self, request, list_display):
        if self._hides_personal_data(request):
            return ["pseudonymous_code"]
        return super().get_list_display_links(request, list_display)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if self._hides_personal_data(request):
            fields = [f for f in fields if f not in self.personal_fields]
        return fields

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or ())
        if self._hides_personal_data(request):
            exclude += [f for f in self.personal_fields if f not in exclude]
        return exclude

    def get_search_fields(self, request):
        if self._hides_personal_data(request):
            return ("pk",)  # keeps the search box; get_search_results searches codes
        return super().get_search_fields(request)

    def get_search_results(self, request, queryset, search_term):
        if self._hides_personal_data(request):
            if not search_term.strip():
                return queryset, False
            return queryset.search_code(search_term), False
        return super().get_search_results(request, queryset, search_term)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        if not self._hides_personal_data(request):
            return super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current, excluded_fields=self.personal_fields, foreign_keys_are_objs=foreign_keys_are_objs
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current
        return None
