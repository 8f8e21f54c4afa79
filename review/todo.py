"""The home page's to-do list: what the user must fix or send, across every record type.

"Para corregir": records returned by the coordination, with the comment, oldest first.
"Sin enviar": drafts created more than `STALE_AFTER` ago, oldest first.
Scoped with `visible_to(user)`; one query per record type and list, whatever the number of
records (each query is limited to `LIMIT` rows), so the page's query count is constant.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from core.permissions import is_writer
from review.models import ReviewState, reviewable_models

STALE_AFTER = datetime.timedelta(days=7)
LIMIT = 20


@dataclass
class TodoItem:
    record_type: str
    title: str
    municipality: str
    day: datetime.date | None
    since: datetime.datetime
    comment: str
    url: str


def _item(record, since) -> TodoItem:
    municipality = record
    for part in record.MUNICIPALITY_FIELD.split("__"):
        municipality = getattr(municipality, part)
    return TodoItem(
        record_type=str(record._meta.verbose_name).capitalize(),
        title=getattr(record, "title", "") or "",
        municipality=municipality.name if municipality is not None else "",
        day=record.period_date(),
        since=since,
        comment=record.review_comment,
        url=record.get_absolute_url(),
    )


def _rows(model, user, **filters):
    return model.objects.visible_to(user).filter(**filters).select_related(model.MUNICIPALITY_FIELD)


def todo_for(user) -> dict[str, list[TodoItem]]:
    """{"to_fix": [...], "unsent": [...]} for the user (empty for those who do not record data)."""
    if not is_writer(user):
        return {"to_fix": [], "unsent": []}
    stale = timezone.now() - STALE_AFTER
    to_fix, unsent = [], []
    for model in reviewable_models():
        returned = _rows(model, user, review_state=ReviewState.RETURNED).order_by("reviewed_at", "pk")[:LIMIT]
        to_fix += [_item(r, r.reviewed_at or r.created_at) for r in returned]
        drafts = _rows(model, user, review_state=ReviewState.DRAFT, created_at__lt=stale).order_by("created_at", "pk")
        unsent += [_item(r, r.created_at) for r in drafts[:LIMIT]]
    to_fix.sort(key=lambda item: item.since)
    unsent.sort(key=lambda item: item.since)
    return {"to_fix": to_fix[:LIMIT], "unsent": unsent[:LIMIT]}
