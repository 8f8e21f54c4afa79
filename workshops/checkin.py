"""Self check-in by QR: participants type their own details on their own phones; staff confirm.

The link is `/talleres/registro/<token>/`, where the token is signed (django.core.signing, salt
`SALT`) and carries the workshop's id and the nonce of its `CheckInLink`. It works only while
staff keep the link open, only on the workshop's day(s) in El Salvador, and only while the
workshop may still be edited. Opening draws a new nonce: closing and reopening invalidates every
link handed out before.

What a participant submits is a `CheckInEntry`, never an attendance: it counts in no figure until
staff confirm it (a new person, through `people.register_and_attend`), merge it (an existing
person, through `services.record_attendance`) or reject it. Each resolution locks the entry row
and does nothing if it was already resolved, so a double tap records one attendance.

Abuse controls: at most `CHECKIN_MAX_PER_ADDRESS` entries per client address in
`CHECKIN_WINDOW_MINUTES`, and `CHECKIN_MAX_PER_DEVICE` per device (a random id in a signed
cookie) per workshop. Both are counted on the stored entries (keyed hashes, never the address
itself), so they hold across server processes. The form never looks anything up: it cannot
reveal whether a DUI or a person is registered.

The public side runs for anonymous visitors, whose scope sees nothing (core.scoping): it reads the
one workshop its signed token names with `scopes_disabled()`, and nothing else.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.permissions import Action, can, is_locked, require
from core.scoping import scopes_disabled
from core.text import normalize_name
from core.validators import normalize_dui
from geography.models import Institution
from workshops import people
from workshops.models import (
    AttendanceMethod,
    CheckInEntry,
    CheckInLink,
    CheckInStatus,
    Participant,
    Workshop,
)
from workshops.services import check_editable, record_attendance

SALT = "workshops.checkin.link"
DEVICE_COOKIE = "pess_checkin_device"
DEVICE_SALT = "workshops.checkin.device"


def setting(name: str) -> int:
    defaults = {"CHECKIN_MAX_PER_ADDRESS": 60, "CHECKIN_MAX_PER_DEVICE": 3, "CHECKIN_WINDOW_MINUTES": 10}
    return int(getattr(settings, name, defaults[name]))


# --- The signed link ---------------------------------------------------------------------------


def make_token(link: CheckInLink) -> str:
    return signing.Signer(salt=SALT).sign_object([link.workshop_id, link.nonce])


def read_token(token: str) -> tuple[int, str] | None:
    """(workshop id, nonce) from a token we signed, or None for anything forged or altered."""
    if not token or len(token) > 300:
        return None
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        return None
    return value[0], value[1]


class LinkRefused(Exception):
    """The link cannot be used: `status` is the HTTP answer (404 forged, 410 closed or past, 403
    not yet), `message` what the participant reads."""

    def __init__(self, status: int, message):
        self.status = status
        self.message = message
        super().__init__(str(message))


FORGED = _("Este enlace no es válido. Escanee otra vez el código QR que le muestra el personal del ISDEMU.")
CLOSED = _("El registro por QR de este taller está cerrado. Pida al personal del ISDEMU que le registre.")
PAST = _("Este enlace ya venció: solo servía el día del taller. Pida al personal del ISDEMU que le registre.")


def workshop_days(workshop: Workshop) -> str:
    start = date_format(workshop.start_date, "d/m/Y")
    if workshop.end_date and workshop.end_date != workshop.start_date:
        return f"{start}–{date_format(workshop.end_date, 'd/m/Y')}"
    return start


def is_workshop_day(workshop: Workshop, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return workshop.start_date <= today <= (workshop.end_date or workshop.start_date)


def usable_link(token: str, *, signature_only: bool = False) -> CheckInLink:
    """The open link `token` names, with its workshop, or LinkRefused. `signature_only`: any link we
    signed whose nonce is still current (the thank-you page after the link closed)."""
    found = read_token(token)
    if found is None:
        raise LinkRefused(404, FORGED)
    workshop_id, nonce = found
    with scopes_disabled():  # the signed token names this one workshop; nothing else is read
        link = CheckInLink.objects.select_related("workshop").filter(workshop_id=workshop_id).first()
    if link is None or not secrets.compare_digest(link.nonce, nonce):
        raise LinkRefused(410, CLOSED)
    if signature_only:
        return link
    workshop = link.workshop
    today = timezone.localdate()
    if today > (workshop.end_date or workshop.start_date):
        raise LinkRefused(410, PAST)
    if not link.is_open or is_locked(workshop):
        raise LinkRefused(410, CLOSED)
    if today < workshop.start_date:
        raise LinkRefused(403, _("El registro abre el día del taller (%(days)s).") % {"days": workshop_days(workshop)})
    return link


# --- Staff: open and close -----------------------------------------------------------------------


def link_for(workshop: Workshop) -> CheckInLink | None:
    return CheckInLink.objects.filter(workshop=workshop).first()


@transaction.atomic
def open_link(*, workshop: Workshop, by) -> CheckInLink:
    """Open (or reopen) the workshop's QR link with a new nonce. Refused on a workshop the user may
    not edit and once the workshop's last day has passed."""
    check_editable(workshop, by)
    if timezone.localdate() > (workshop.end_date or workshop.start_date):
        raise DomainError(
            "checkin_past",
            _("El registro por QR solo sirve hasta el día del taller (%(days)s).") % {"days": workshop_days(workshop)},
        )
    link, _created = CheckInLink.objects.select_for_update().get_or_create(
        workshop=workshop, defaults={"nonce": secrets.token_urlsafe(12)}
    )
    if not link.is_open:
        link.nonce = secrets.token_urlsafe(12)
        link.is_open = True
        link.opened_by = by
        link.opened_at = timezone.now()
        link.closed_at = None
        link.save()
    return link


@transaction.atomic
def close_link(*, workshop: Workshop, by) -> bool:
    """Close the link: every copy of it stops working at once. Closing twice changes nothing."""
    require(by, Action.CREATE, workshop)  # a writer of the workshop's scope, even once it is locked
    return bool(
        CheckInLink.objects.filter(workshop=workshop, is_open=True).update(
            is_open=False, closed_at=timezone.now(), nonce=secrets.token_urlsafe(12)
        )
    )


# --- Public: one entry per submission ----------------------------------------------------------


def keyed_hash(kind: str, value: str) -> str:
    """A keyed hash of a device id or an address: enough to count, nothing to read back."""
    return salted_hmac(f"workshops.checkin.{kind}", value or "-").hexdigest()[:32]


def new_device_id() -> str:
    return secrets.token_urlsafe(18)


TOO_MANY = _(
    "Se enviaron demasiados registros desde esta conexión o este teléfono. "
    "Espere unos minutos o pida ayuda al personal del ISDEMU."
)


def check_throttle(*, workshop: Workshop, device_hash: str, address_hash: str) -> None:
    since = timezone.now() - datetime.timedelta(minutes=setting("CHECKIN_WINDOW_MINUTES"))
    with scopes_disabled():  # counting the visitor's own earlier submissions, by keyed hash
        by_address = CheckInEntry.objects.filter(address_hash=address_hash, created_at__gte=since).count()
        by_device = CheckInEntry.objects.filter(workshop=workshop, device_hash=device_hash).count()
    if by_address >= setting("CHECKIN_MAX_PER_ADDRESS") or by_device >= setting("CHECKIN_MAX_PER_DEVICE"):
        raise DomainError("throttled", TOO_MANY)


@transaction.atomic
def submit_entry(*, token: str, data: people.ParticipantData, device_id: str, address: str) -> CheckInEntry:
    """Store what a participant typed (names, sex, age group, institution name, DUI) as a pending
    entry (LinkRefused, or DomainError "throttled")."""
    link = usable_link(token)
    device_hash, address_hash = keyed_hash("device", device_id), keyed_hash("address", address)
    check_throttle(workshop=link.workshop, device_hash=device_hash, address_hash=address_hash)
    now = timezone.now()
    entry = CheckInEntry(
        workshop=link.workshop,
        first_names=data.first_names.strip()[:100],
        last_names=data.last_names.strip()[:100],
        sex=data.sex,
        age_group=data.age_group,
        institution_name=data.institution_name.strip()[:200],
        dui=normalize_dui(data.dui) or None,
        consent_at=now,
        created_at=now,
        device_hash=device_hash,
        address_hash=address_hash,
    )
    entry.full_clean(exclude=["workshop"])
    with scopes_disabled():  # a new row of the workshop the token names
        entry.save()
    return entry


# --- Staff: the entries waiting on the attendance page -----------------------------------------


def _existing_institution(name: str, municipality) -> Institution | None:
    """The institution with this name (as people.resolve_institution finds it), never created here."""
    key = normalize_name(name)
    if not key:
        return None
    return (
        Institution.objects.filter(search_name=key, municipality=municipality).first()
        or Institution.objects.filter(search_name=key).order_by("pk").first()
    )


def suggestions(entry: CheckInEntry, *, user) -> list[Participant]:
    """The attendance page's "¿Es la misma persona?" for an entry (people.possible_duplicates)."""
    workshop = entry.workshop
    return people.possible_duplicates(
        user=user,
        first_names=entry.first_names,
        last_names=entry.last_names,
        dui=entry.dui,
        institution=_existing_institution(entry.institution_name, workshop.municipality),
        municipality=workshop.municipality,
    )


def pending_entries(*, workshop: Workshop, user) -> list[CheckInEntry]:
    """Pending entries of `workshop`, each with `candidates` (marked `other_office` when found only
    by their exact DUI in another office) and `same_dui` (then it can only be merged)."""
    entries = list(CheckInEntry.objects.visible_to(user).pending().filter(workshop=workshop))
    for entry in entries:
        entry.workshop = workshop
        entry.candidates = suggestions(entry, user=user)
    own = set(
        Participant.objects.visible_to(user)
        .filter(pk__in={c.pk for e in entries for c in e.candidates})
        .values_list("pk", flat=True)
    )
    for entry in entries:
        for candidate in entry.candidates:
            candidate.other_office = candidate.pk not in own
        entry.same_dui = bool(entry.dui) and any(c.dui == entry.dui for c in entry.candidates)
    return entries


def pending_count(workshop: Workshop) -> int:
    return CheckInEntry.objects.pending().filter(workshop=workshop).count()


def _locked_entry(workshop: Workshop, entry_id: int) -> CheckInEntry:
    entry = (
        CheckInEntry.objects.select_for_update(of=("self",))
        .filter(workshop=workshop, pk=entry_id)
        .select_related("workshop")
        .first()
    )
    if entry is None:
        raise DomainError("entry_not_found", _("No se encontró ese registro por QR."))
    return entry


def _resolve(entry: CheckInEntry, status: str, by, *, participant=None, attendance=None) -> None:
    entry.status = status
    entry.resolved_by = by
    entry.resolved_at = timezone.now()
    entry.participant = participant
    entry.attendance = attendance
    entry.save(update_fields=["status", "resolved_by", "resolved_at", "participant", "attendance"])


@transaction.atomic
def confirm_entry(*, workshop: Workshop, entry_id: int, by) -> tuple[CheckInEntry, bool]:
    """Register the entry as a new person attending the workshop. Idempotent: an entry already
    resolved is returned as it is, with changed=False."""
    check_editable(workshop, by)
    entry = _locked_entry(workshop, entry_id)
    if entry.status != CheckInStatus.PENDING:
        return entry, False
    data = people.ParticipantData(
        first_names=entry.first_names,
        last_names=entry.last_names,
        sex=entry.sex,
        age_group=entry.age_group,
        institution_name=entry.institution_name,
        dui=entry.dui or "",
        consent=True,
    )
    try:
        participant, attendance = people.register_and_attend(
            workshop=workshop, data=data, by=by, not_duplicate=True, method=AttendanceMethod.SELF_CHECKIN
        )
    except DomainError as exc:
        if exc.code in ("possible_duplicate", "dui_taken"):
            raise DomainError(
                "checkin_same_dui",
                _("Ya hay una persona registrada con ese DUI: elija «Es esta persona» para unir el registro."),
            ) from exc
        raise
    _resolve(entry, CheckInStatus.CONFIRMED, by, participant=participant, attendance=attendance)
    return entry, True


@transaction.atomic
def merge_entry(*, workshop: Workshop, entry_id: int, participant_id, by) -> tuple[CheckInEntry, bool]:
    """Attach the entry to one of its suggested existing people and mark them attending. Only a
    person the page suggested may be chosen (the same rule as "¿Es la misma persona?")."""
    check_editable(workshop, by)
    entry = _locked_entry(workshop, entry_id)
    if entry.status != CheckInStatus.PENDING:
        return entry, False
    chosen = next((c for c in suggestions(entry, user=by) if str(c.pk) == str(participant_id)), None)
    if chosen is None:
        raise DomainError("not_a_suggestion", _("Esa persona no coincide con el registro: elija una de las sugeridas."))
    attendance, _created = record_attendance(
        workshop=workshop, participant=chosen, by=by, method=AttendanceMethod.SELF_CHECKIN
    )
    _resolve(entry, CheckInStatus.MERGED, by, participant=chosen, attendance=attendance)
    return entry, True


@transaction.atomic
def reject_entry(*, workshop: Workshop, entry_id: int, by) -> tuple[CheckInEntry, bool]:
    """Reject an entry (not at the workshop, a joke, a repeat). What identified the person is
    erased: a rejected entry has no use for it (core.privacy). Idempotent."""
    check_editable(workshop, by)
    entry = _locked_entry(workshop, entry_id)
    if entry.status != CheckInStatus.PENDING:
        return entry, False
    entry.first_names = entry.last_names = entry.institution_name = ""
    entry.dui = None
    entry.save(update_fields=["first_names", "last_names", "institution_name", "dui"])
    _resolve(entry, CheckInStatus.REJECTED, by)
    return entry, True


def pending_context(*, workshop: Workshop, user) -> dict:
    """What the attendance page shows of the entries: only to who may edit the workshop and see
    personal data (a manager, or staff once the workshop is locked, see nothing of them)."""
    editable = can(user, Action.EDIT, workshop) and can(user, Action.SEE_PERSONAL_DATA)
    return {
        "workshop": workshop,
        "checkin_editable": editable,
        "checkin_entries": pending_entries(workshop=workshop, user=user) if editable else [],
    }
