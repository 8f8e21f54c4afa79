from django.contrib import admin
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scoping import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedModelAdmin
from review.admin_queue import ReviewActionsMixin, review_queue_view
from review.models import PeriodClosure, ReviewTransition

REVIEW_FIELDS = (
    "review_state",
    "review_comment",
    "submitted_at",
    "reviewed_at",
    "reviewed_by",
    "created_by",
    "review_transitions",
)


class ReviewableAdmin(ReviewActionsMixin, ScopedModelAdmin, SimpleHistoryAdmin):
    """Shared settings for records under review: review fields are set by the review actions,
    approve / return are changelist actions, and the change page lists every review transition."""

    readonly_fields = REVIEW_FIELDS


@admin.register(PeriodClosure)
class PeriodClosureAdmin(ReadOnlyAdminMixin, ScopedModelAdmin, SimpleHistoryAdmin):
    """Closures are made and reopened only from the municipality detail (close / reopen pages),
    through review.services.close_period / reopen_period: here they are read-only."""

    list_display = ("municipality", "year", "month", "closed_by", "closed_at", "reopened_at", "reopen_reason")
    list_filter = ("year", "month", "municipality__department")
    list_select_related = ("municipality", "closed_by", "reopened_by")
    search_fields = ("municipality__name", "reopen_reason")


@admin.register(ReviewTransition)
class ReviewTransitionAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Read-only log of review steps; scoped to transitions of records the user may see."""

    list_display = ("at", "content_type", "object_id", "from_state", "to_state", "by", "comment")
    list_filter = ("to_state", "content_type")
    list_select_related = ("content_type", "by")
    search_fields = ("comment", "by__username")
    date_hierarchy = "at"

    def get_urls(self):
        queue = self.admin_site.admin_view(lambda request: review_queue_view(self, request))
        return [path("cola/", queue, name="review_review_queue"), *super().get_urls()]
