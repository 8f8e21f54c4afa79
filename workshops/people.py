"""Write paths for people: the participant registry (search, duplicate suggestions, registration,
bulk import, merge). Attendance itself is recorded through workshops.services."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from core.errors import DomainError, full_clean_or_raise
from core.permissions import Action, can
from core.scoping import scopes_disabled
from core.text import edit_distance_at_most_one, normalize_name
from core.validators import normalize_dui
from geography.models import Institution
from review.services import COUNTED, records_changed
from workshops.models import Attendance, AttendanceMethod, Participant, Workshop
from workshops.services import check_editable, figures_changed, record_attendance

MAX_SUGGESTIONS = 10

# --- Participants ----------------------------------------------------------------------------


def search_participants(*, user, text: str, limit: int = MAX_SUGGESTIONS) -> list[Participant]:
    """People to add to an attendance list: `Participant.objects.search` within what the user may
    see, plus another office's person found by their exact DUI (marked `other_office`).

    Another office's participant is found by exact DUI only (never by name or part of a DUI), so a
    person already registered elsewhere is reused instead of duplicated, without exposing that
    office's registry.
    """
    found = list(
        Participant.objects.visible_to(user).search_for(user, text).select_related("institution", "office")[:limit]
    )
    dui = normalize_dui((text or "").strip())
    if not can(user, Action.SEE_PERSONAL_DATA):
        return found  # managers search by pseudonymous code only (core.privacy)
    if dui[:1].isdigit() and not any(p.dui == dui for p in found):
        with scopes_disabled():  # an exact DUI finds the person in any office (see docstring)
            by_dui = Participant.objects.filter(dui=dui).select_related("institution").first()
        if by_dui is not None:
            by_dui.other_office = True
            found = [by_dui, *found][:limit]
    return found


def resolve_institution(name: str, municipality) -> Institution | None:
    """The institution with this (accent/case-insensitive) name, preferably in the municipality;
    created there once when no institution has that name."""
    key = normalize_name(name)
    if not key:
        return None
    found = Institution.objects.filter(search_name=key, municipality=municipality).first()
    if found is None:
        # The same institution registered in another municipality (people travel to workshops).
        found = Institution.objects.filter(search_name=key).order_by("pk").first()
    if found:
        return found
    try:
        with transaction.atomic():
            return Institution.objects.create(name=name.strip()[:200], municipality=municipality)
    except IntegrityError:
        return Institution.objects.get(search_name=key, municipality=municipality)


def possible_duplicates(
    *, user, first_names: str, last_names: str, dui: str | None, institution=None, municipality=None
) -> list[Participant]:
    """People probably already registered: same DUI (any office), or, among the user's visible
    participants in the same institution or municipality, the same normalised name or one a single
    typo away. Candidates are narrowed in the database before the edit distance runs in Python:
    the same institution (by name) with the same first letter or the same last three letters, or
    the same municipality with the same first letter; and a length within one."""
    found: dict[int, Participant] = {}
    if dui:
        with scopes_disabled():  # the same DUI in any office is the same person
            for p in Participant.objects.filter(dui=dui).select_related("institution"):
                found[p.pk] = p
    key = normalize_name(f"{first_names} {last_names}")
    if key:
        # Each branch can use an index: search_name; (institution, search_name) over the few people
        # of one institution; (municipality, search_name) over the range of the same first letter.
        branches = Q(search_name=key)
        if institution is not None:
            same_name = Institution.objects.filter(search_name=institution.search_name).values_list("pk", flat=True)
            branches |= Q(institution_id__in=[institution.pk, *same_name]) & (
                Q(search_name__startswith=key[:1]) | Q(search_name__endswith=key[-3:])
            )
        if municipality is not None:
            branches |= Q(municipality=municipality, search_name__gte=key[:1], search_name__lt=chr(ord(key[0]) + 1))
        candidates = (
            Participant.objects.visible_to(user)
            .filter(branches)
            .annotate(name_len=Length("search_name"))
            .filter(name_len__gte=len(key) - 1, name_len__lte=len(key) + 1)
            .select_related("institution")
            .order_by()[:500]
        )
        for p in candidates:
            if p.pk not in found and edit_distance_at_most_one(p.search_name, key):
                found[p.pk] = p
    return list(found.values())[:MAX_SUGGESTIONS]


@dataclass
class ParticipantData:
    first_names: str
    last_names: str
    sex: str
    age_group: str
    institution_name: str = ""
    dui: str = ""
    position: str = ""
    phone: str = ""
    email: str = ""
    consent: bool = False
    errors: list = field(default_factory=list)

    @classmethod
    def from_form(cls, cleaned: dict) -> ParticipantData:
        """From a form's cleaned data (the attendance page's new person, the QR check-in form):
        the fields it has, and its "institution" (a name) as `institution_name`."""
        names = {f.name for f in fields(cls)} - {"errors", "institution_name"}
        values = {name: cleaned[name] for name in names if name in cleaned}
        return cls(**values, institution_name=cleaned.get("institution", ""))


def _participant(data: ParticipantData, workshop: Workshop, by, *, institution, now) -> Participant:
    """An unsaved Participant from typed or imported data, registered by `by`'s office for `workshop`."""
    return Participant(
        first_names=data.first_names.strip(),
        last_names=data.last_names.strip(),
        sex=data.sex,
        age_group=data.age_group,
        dui=normalize_dui(data.dui) or None,
        position=data.position.strip(),
        phone=data.phone.strip(),
        email=data.email.strip(),
        municipality=workshop.municipality,
        office_id=workshop.office_id,
        institution=institution,
        consent=data.consent,
        consent_at=now if data.consent else None,
        created_by=by,
        created_at=now,
    )


def build_participant(*, data: ParticipantData, workshop: Workshop, by) -> Participant:
    """An unsaved Participant (institution resolved in the workshop's municipality)."""
    institution = resolve_institution(data.institution_name, workshop.municipality)
    return _participant(data, workshop, by, institution=institution, now=timezone.now())


def register_and_attend(
    *,
    workshop: Workshop,
    data: ParticipantData,
    by,
    not_duplicate: bool = False,
    method: str = AttendanceMethod.STAFF,
) -> tuple[Participant, Attendance]:
    """Create a new participant and mark attendance in one step.

    Raises DomainError(code="possible_duplicate", candidates=[...]) when someone similar is
    already registered, unless the user confirmed it is a different person (`not_duplicate`).
    A person with the same DUI is never created twice.
    """
    check_editable(workshop, by)
    dui = normalize_dui(data.dui) or None
    with transaction.atomic():
        participant = build_participant(data=data, workshop=workshop, by=by)
        candidates = possible_duplicates(
            user=by,
            first_names=data.first_names,
            last_names=data.last_names,
            dui=dui,
            institution=participant.institution,
            municipality=workshop.municipality,
        )
        same_dui = [c for c in candidates if dui and c.dui == dui]
        if same_dui or (candidates and not not_duplicate):
            raise DomainError(
                "possible_duplicate",
                _("Puede que esta persona ya esté registrada. ¿Es la misma persona?"),
                candidates=same_dui or candidates,
            )
        full_clean_or_raise(participant)
        try:
            with transaction.atomic():
                participant.save()
        except IntegrityError as exc:  # the same DUI saved by someone else a moment ago
            raise DomainError("dui_taken", _("Ya existe una persona registrada con ese DUI.")) from exc
        attendance, _created = record_attendance(workshop=workshop, participant=participant, by=by, method=method)
    return participant, attendance


def resolve_institutions(names, municipality) -> dict[str, Institution]:
    """`resolve_institution` for many names at once: {normalised name: institution}, in one lookup
    plus one insert (with its history) for the names no institution has yet."""
    wanted = {normalize_name(n): n.strip()[:200] for n in names if normalize_name(n)}
    if not wanted:
        return {}
    found: dict[str, Institution] = {}
    # Same preference as resolve_institution: the workshop's municipality first, then the oldest.
    for inst in Institution.objects.filter(search_name__in=wanted).order_by("pk"):
        best = found.get(inst.search_name)
        if best is None or (inst.municipality_id == municipality.pk and best.municipality_id != municipality.pk):
            found[inst.search_name] = inst
    missing = [
        Institution(name=name, search_name=key, municipality=municipality)
        for key, name in wanted.items()
        if key not in found
    ]
    if missing:
        for inst in bulk_create_with_history(missing, Institution):
            found[inst.search_name] = inst
    return found


@transaction.atomic
def import_attendance(
    *, workshop: Workshop, new_people: list[ParticipantData], existing_ids: list[int], by, method: str
) -> int:
    """Register `new_people` and mark them and `existing_ids` as attending, in bulk: a fixed number
    of queries whatever the number of rows (one lookup of institutions, then one insert per table
    and one per history table, in the database's batch size). All or nothing.

    The caller has already matched the rows against the database (duplicates by DUI and by name,
    people already attending: `workshops.imports.classify`); the database's unique constraints
    still refuse a DUI or an attendance that someone saved a moment ago, and nothing is saved.
    """
    check_editable(workshop, by)
    now = timezone.now()
    institutions = resolve_institutions([d.institution_name for d in new_people], workshop.municipality)
    participants = []
    for data in new_people:
        institution = institutions.get(normalize_name(data.institution_name))
        participant = _participant(data, workshop, by, institution=institution, now=now)
        participant.search_name = normalize_name(f"{participant.first_names} {participant.last_names}")
        # Field rules in Python; the references were just resolved, and uniqueness is the
        # database's job here (one lookup per file instead of one query per row and field).
        participant.full_clean(
            exclude=["institution", "municipality", "office", "created_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        participants.append(participant)
    try:
        with transaction.atomic():
            created = bulk_create_with_history(participants, Participant, default_user=by, default_date=now)
            attendances = [
                Attendance(workshop=workshop, participant_id=pk, registered_by=by, registered_at=now, method=method)
                for pk in [*existing_ids, *(p.pk for p in created)]
            ]
            bulk_create_with_history(attendances, Attendance, default_user=by, default_date=now)
            figures_changed(workshop)
    except IntegrityError as exc:
        raise DomainError(
            "changed_meanwhile",
            _(
                "Alguien registró a una de estas personas mientras tanto: no se guardó nada. "
                "Vuelva a cargar el archivo."
            ),
        ) from exc
    return len(attendances)


MERGE_REASON = "merge #{remove} -> #{keep}"


def merged_into(participant_id: int) -> int | None:
    """The id of the record a deleted participant was merged into (its audit history says so), or
    None when no merge removed that id. Offline clients hold ids that a merge may have removed."""
    prefix = f"merge #{participant_id} -> #"
    with scopes_disabled():  # the caller checks that the kept record is visible to its user
        reason = (
            Participant.history.filter(id=participant_id, history_type="-", history_change_reason__startswith=prefix)
            .order_by("-history_date")
            .values_list("history_change_reason", flat=True)
            .first()
        )
    tail = reason[len(prefix) :] if reason else ""
    return int(tail) if tail.isdigit() else None


@transaction.atomic
def merge_participants(*, keep: Participant, remove: Participant, by) -> Participant:
    """Merge a duplicate into the kept record: attendance moves over (a workshop both attended
    keeps one row), blank fields of the kept record are filled in, and the duplicate is deleted.
    Every step is a tracked change, so the merge is in the audit history."""
    if keep.pk == remove.pk:
        raise DomainError("same_participant", _("Elija dos personas distintas."))
    visible = Participant.objects.visible_to(by).filter(pk__in=[keep.pk, remove.pk]).count()
    if visible != 2 or not can(by, Action.MERGE_PEOPLE):
        raise DomainError("not_allowed", _("No tiene permiso para unir estas personas."))
    keep = Participant.objects.select_for_update().get(pk=keep.pk)
    remove = Participant.objects.select_for_update().get(pk=remove.pk)
    reason = MERGE_REASON.format(remove=remove.pk, keep=keep.pk)
    # Distinct people change wherever either of them attended a counted workshop.
    counted = (
        Workshop._base_manager.filter(attendances__participant__in=[keep.pk, remove.pk], review_state__in=COUNTED)
        .values_list("municipality_id", "start_date")
        .distinct()
    )
    records_changed(list(counted))
    already = set(Attendance.objects.filter(participant=keep).values_list("workshop_id", flat=True))
    for attendance in Attendance.objects.filter(participant=remove).select_related("workshop"):
        attendance._change_reason = reason
        if attendance.workshop_id in already:
            attendance.delete()
        else:
            attendance.participant = keep
            attendance.save(update_fields=["participant"])
    dui = remove.dui
    if dui and not keep.dui:
        remove.dui = None
        remove.save(update_fields=["dui"])  # free the unique DUI before giving it to the kept record
    for name in ("dui", "institution_id", "position", "phone", "email", "municipality_id", "birth_year"):
        value = dui if name == "dui" else getattr(remove, name)
        if value and not getattr(keep, name):
            setattr(keep, name, value)
    if remove.consent and not keep.consent:
        keep.consent, keep.consent_at = True, remove.consent_at
    keep._change_reason = reason
    try:
        keep.full_clean()
    except ValidationError as exc:
        raise DomainError("invalid", "; ".join(exc.messages)) from exc
    keep.save()
    remove._change_reason = reason
    remove.delete()
    return keep
