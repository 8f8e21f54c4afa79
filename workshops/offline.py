"""What a device carries to take a workshop's attendance offline ("Llevar sin conexión").

Only staff who may change the workshop get it (core.permissions: EDIT), and only what the
attendance page needs to search and list people: names, sex, age group, institution and the last
digits of the DUI. Never the whole DUI, contact details, consent or history (core.privacy: the
device is a place the data should leave soon; see README "Offline attendance").
"""

from __future__ import annotations

from django.utils import timezone

from core.permissions import Action, require
from workshops.models import Attendance, Participant, Workshop

NOT_OFFLINE = "Solo quien puede modificar este taller puede llevarlo sin conexión."
PERSON_FIELDS = ("first_names", "last_names", "sex", "age_group", "institution__name", "dui")


def dui_end(dui: str | None) -> str:
    """The last four digits of a DUI, with its check digit: '01234567-8' → '567-8'."""
    return dui[-5:] if dui else ""


def _person(row: dict, pk: int) -> dict:
    return {
        "id": pk,
        "first_names": row["first_names"],
        "last_names": row["last_names"],
        "sex": row["sex"],
        "age_group": row["age_group"],
        "institution": row["institution__name"] or "",
        "dui_end": dui_end(row["dui"]),
    }


def offline_bundle(*, workshop: Workshop, user) -> dict:
    """The workshop, its attendance and its office's participant registry, for `user`'s device.

    Three queries whatever the registry's size. Raises DomainError unless `user` may edit the
    workshop (approved or closed-month workshops are not carried: nothing could be recorded)."""
    require(user, Action.EDIT, workshop, code="not_offline", message=NOT_OFFLINE)
    registry = (
        Participant.objects.visible_to(user)
        .filter(office_id=workshop.office_id)
        .order_by("search_name", "pk")
        .values("pk", *PERSON_FIELDS)
    )
    attendance = (
        Attendance.objects.filter(workshop=workshop)
        .order_by("-registered_at", "-pk")
        .values("participant_id", *(f"participant__{f}" for f in PERSON_FIELDS))
    )
    attendees = []
    for row in attendance:
        person = {f: row[f"participant__{f}"] for f in PERSON_FIELDS}
        person["dui"] = None  # the list shows names only (an attendee may be another office's person)
        attendees.append(_person(person, row["participant_id"]))
    return {
        "workshop": {
            "id": workshop.pk,
            "title": workshop.title,
            "start_date": workshop.start_date,
            "end_date": workshop.end_date,
            "municipality": workshop.municipality_id,
            "office": workshop.office_id,
            "review_state": workshop.review_state,
        },
        "attendance": attendees,
        "participants": [_person(row, row["pk"]) for row in registry],
        "generated_at": timezone.now(),
    }
