"""Write path for workshops, participants and attendance.

Every function is keyword-only, atomic, runs `full_clean()` before saving and raises
`DomainError` (with a stable `code`) for domain failures; views turn those into messages.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, full_clean_or_raise
from core.permissions import Action, require
from core.scoping import scopes_disabled
from core.text import normalize_name
from geography.services import check_municipality_in_scope, office_for
from indicators.disaggregation import GRID_AGE_GROUPS, GRID_SEXES, AgeGroup, Sex
from review.models import ReviewState
from review.services import COUNTED as COUNTED_STATES
from review.services import figure_point, records_changed
from workshops.models import Attendance, AttendanceMethod, Participant, Workshop, WorkshopStatus

# --- Workshops -------------------------------------------------------------------------------


def duplicate_workshops(*, office, title: str, start_date: datetime.date, municipality, exclude_pk=None):
    """Workshops of the same office with the same (normalised) title, day and municipality."""
    qs = Workshop.objects.filter(office=office, start_date=start_date, municipality=municipality)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    key = normalize_name(title)
    return [w for w in qs.only("pk", "title", "start_date") if normalize_name(w.title) == key]


@transaction.atomic
def save_workshop(*, workshop: Workshop, by, not_duplicate: bool = False) -> Workshop:
    """Create or update a workshop (its fields already set, e.g. by a ModelForm) for the user's
    office. Locked records are refused.

    Raises DomainError(code="possible_duplicate", candidates=[...]) when the office already has a
    workshop with the same title, day and municipality, unless the user confirmed it is another
    one (`not_duplicate`).
    """
    if workshop.pk is None:
        require(by, Action.CREATE, code="no_office")
        if workshop.municipality_id is not None:
            check_municipality_in_scope(by, workshop.municipality)
            workshop.office = office_for(by, workshop.municipality)
        workshop.created_by = by
        stored = None
    else:
        stored = Workshop.objects.get(pk=workshop.pk)
        require(by, Action.EDIT, stored, code="locked", message=LOCKED)
    full_clean_or_raise(workshop)
    check_held_date(workshop)
    if not not_duplicate:
        duplicates = duplicate_workshops(
            office=workshop.office,
            title=workshop.title,
            start_date=workshop.start_date,
            municipality=workshop.municipality,
            exclude_pk=workshop.pk,
        )
        if duplicates:
            raise DomainError(
                "possible_duplicate",
                _("Su oficina ya tiene un taller con el mismo título, el mismo día y en el mismo municipio."),
                candidates=duplicates,
            )
    workshop.save()
    states = {stored.review_state, workshop.review_state} if stored is not None else set()
    if COUNTED_STATES & states:
        records_changed([figure_point(stored), figure_point(workshop)], official=ReviewState.APPROVED in states)
    return workshop


def figures_changed(workshop: Workshop) -> None:
    """Attendance of `workshop` changed: tell the figures, when the workshop counts in them."""
    if workshop.review_state in COUNTED_STATES:
        records_changed([figure_point(workshop)], official=workshop.review_state == ReviewState.APPROVED)


HELD_IN_FUTURE = _("Un taller con fecha futura no puede marcarse como realizado: corrija la fecha o espere a ese día.")
NO_ATTENDEES_REASON = _(
    "Este taller no tiene asistentes. Para enviarlo a revisión así, escriba el motivo "
    "(por ejemplo, la lista se entregó en papel)."
)


def check_held_date(workshop: Workshop) -> None:
    """A workshop is held only once its first day has come (today in El Salvador)."""
    if workshop.status == WorkshopStatus.HELD and workshop.start_date and workshop.start_date > timezone.localdate():
        raise DomainError("held_in_future", HELD_IN_FUTURE, field="status")


def check_attendees_or_reason(workshop: Workshop, reason: str) -> None:
    """Submit rule (review.services.SUBMIT_RULES): no attendees → an explicit reason is required."""
    if not reason and not Attendance.objects.filter(workshop=workshop).exists():
        raise DomainError("no_attendees", NO_ATTENDEES_REASON, field="reason")


@transaction.atomic
def mark_held(*, workshop: Workshop, by) -> Workshop:
    check_editable(workshop, by)
    if workshop.status != WorkshopStatus.HELD:
        if workshop.start_date > timezone.localdate():
            raise DomainError("held_in_future", HELD_IN_FUTURE)
        workshop.status = WorkshopStatus.HELD
        workshop.save(update_fields=["status", "updated_at"])
        figures_changed(workshop)
    return workshop


LOCKED = _("Este taller ya fue aprobado o su mes está cerrado: no se puede modificar.")


def check_editable(workshop: Workshop, by) -> None:
    require(by, Action.EDIT, workshop, code="workshop_locked", message=LOCKED)


# --- Attendance ------------------------------------------------------------------------------


def record_attendance(
    *, workshop: Workshop, participant: Participant, by, method: str = AttendanceMethod.STAFF
) -> tuple[Attendance, bool]:
    """Mark `participant` as attending `workshop`. Idempotent: a repeat (double click, two staff at
    once) returns the existing row with created=False instead of failing."""
    check_editable(workshop, by)
    try:
        with transaction.atomic():
            attendance, created = Attendance.objects.get_or_create(
                workshop=workshop,
                participant=participant,
                defaults={"registered_by": by, "method": method, "registered_at": timezone.now()},
            )
            if created:
                figures_changed(workshop)
            return attendance, created
    except IntegrityError:
        # Another request inserted the same pair between our SELECT and INSERT.
        return Attendance.objects.get(workshop=workshop, participant=participant), False


@transaction.atomic
def remove_attendance(*, workshop: Workshop, participant_id: int, by) -> bool:
    """Remove a wrongly added attendee; removing twice is harmless. Returns whether a row went."""
    check_editable(workshop, by)
    attendance = Attendance.objects.filter(workshop=workshop, participant_id=participant_id).first()
    if attendance is None:
        return False
    attendance.delete()
    figures_changed(workshop)
    return True


UNDO_SECONDS = 10
# A little slack over the 10 seconds the "Deshacer" button is shown (network, a slow phone).
UNDO_GRACE_SECONDS = 3
UNDO_EXPIRED = _("Ya pasaron los 10 segundos para deshacer: vuelva a agregar a la persona.")


@dataclass
class Removal:
    """What `remove_attendance_for_undo` took away, enough to put it back exactly."""

    workshop_id: int
    participant_id: int
    method: str
    registered_at: str  # ISO 8601
    registered_by_id: int | None
    removed_at: float  # POSIX seconds

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@transaction.atomic
def remove_attendance_for_undo(*, workshop: Workshop, participant_id: int, by) -> Removal | None:
    """`remove_attendance`, returning what is needed to undo it for `UNDO_SECONDS` (None if
    there was nothing to remove). The removal is real: figures and exports no longer count it."""
    check_editable(workshop, by)
    attendance = Attendance.objects.filter(workshop=workshop, participant_id=participant_id).first()
    if attendance is None:
        return None
    removal = Removal(
        workshop_id=workshop.pk,
        participant_id=participant_id,
        method=attendance.method,
        registered_at=attendance.registered_at.isoformat(),
        registered_by_id=attendance.registered_by_id,
        removed_at=timezone.now().timestamp(),
    )
    attendance.delete()
    figures_changed(workshop)
    return removal


@transaction.atomic
def undo_removal(*, workshop: Workshop, removal: dict, by) -> Attendance:
    """Put back an attendance removed less than `UNDO_SECONDS` ago, as it was (method, who and when)."""
    check_editable(workshop, by)
    if removal.get("workshop_id") != workshop.pk:
        raise DomainError("undo_mismatch", _("No hay nada que deshacer en este taller."))
    if timezone.now().timestamp() - float(removal["removed_at"]) > UNDO_SECONDS + UNDO_GRACE_SECONDS:
        raise DomainError("undo_expired", UNDO_EXPIRED)
    with scopes_disabled():  # the person was on this list a moment ago (maybe from another office)
        participant = Participant.objects.get(pk=removal["participant_id"])
    attendance, _created = Attendance.objects.get_or_create(
        workshop=workshop,
        participant=participant,
        defaults={
            "method": removal["method"],
            "registered_at": datetime.datetime.fromisoformat(removal["registered_at"]),
            "registered_by_id": removal["registered_by_id"],
        },
    )
    figures_changed(workshop)
    return attendance


def attendance_totals(workshop: Workshop) -> dict:
    """Counts by sex and by age group for one workshop, from one aggregate query."""
    rows = (
        Attendance.objects.filter(workshop=workshop)
        .values("participant__sex", "participant__age_group")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_sex = dict.fromkeys(GRID_SEXES, 0)
    by_age = dict.fromkeys([*GRID_AGE_GROUPS, AgeGroup.UNKNOWN], 0)
    total = 0
    for row in rows:
        by_sex[row["participant__sex"]] = by_sex.get(row["participant__sex"], 0) + row["n"]
        by_age[row["participant__age_group"]] = by_age.get(row["participant__age_group"], 0) + row["n"]
        total += row["n"]
    return {
        "total": total,
        "by_sex": [(Sex(k).label, v) for k, v in by_sex.items()],
        "by_age": [(AgeGroup(k).label, v) for k, v in by_age.items() if v or k != AgeGroup.UNKNOWN],
    }
