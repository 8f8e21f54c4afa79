"""Small queryset helpers shared by the apps."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def related_aggregate(queryset, outer: str, aggregate=None):
    """A per-row figure over related rows, as a correlated subquery (0 when there are none).

    `related_aggregate(Attendance.objects.all(), "workshop")` annotates each workshop with its
    attendance count. Unlike `Count("attendances")` it adds no JOIN and no GROUP BY to the outer
    query, so a paginator's COUNT(*) skips it and only the rows of the page compute it.
    """
    sub = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(v=aggregate if aggregate is not None else Count("pk"))
        .values("v")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)
