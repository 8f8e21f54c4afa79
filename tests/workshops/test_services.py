"""Write path: attendance is idempotent, duplicates are suspected, merges lose nothing."""

import datetime

import pytest

from indicators.disaggregation import AgeGroup, Sex
from review import services as review
from tests import factories
from workshops import people, services
from workshops.models import Attendance, Participant, Workshop


def data(**kw):
    values = {"first_names": "María José", "last_names": "Hernández", "sex": Sex.FEMALE, "age_group": AgeGroup.ADULT}
    values.update(kw)
    return people.ParticipantData(**values)


def test_recording_the_same_attendance_twice_keeps_one_row(office_a, staff_a):
    w = factories.workshop(office_a)
    p = factories.participant(office_a)
    first, created = services.record_attendance(workshop=w, participant=p, by=staff_a)
    again, created_again = services.record_attendance(workshop=w, participant=p, by=staff_a)
    assert created and not created_again and first.pk == again.pk
    assert Attendance.objects.filter(workshop=w).count() == 1


def test_approved_workshop_refuses_new_attendance_for_staff(office_a, staff_a, coordinator_x):
    w = factories.workshop(office_a)
    review.submit(record=w, by=staff_a, reason="Lista en papel")
    review.approve(record=w, by=coordinator_x)
    with pytest.raises(services.DomainError) as exc:
        services.record_attendance(workshop=w, participant=factories.participant(office_a), by=staff_a)
    assert exc.value.code == "workshop_locked"
    assert not Attendance.objects.filter(workshop=w).exists()


def test_closed_month_refuses_removal(office_a, staff_a, coordinator_x):
    w = factories.workshop(office_a)
    p = factories.participant(office_a)
    factories.attendance(w, p)
    factories.closure(w.municipality, coordinator_x, year=w.start_date.year, month=w.start_date.month)
    with pytest.raises(services.DomainError):
        services.remove_attendance(workshop=w, participant_id=p.pk, by=staff_a)
    assert Attendance.objects.filter(workshop=w).count() == 1


def test_register_and_attend_creates_person_and_attendance(office_a, staff_a):
    w = factories.workshop(office_a)
    p, att = people.register_and_attend(workshop=w, data=data(institution_name="Alcaldía"), by=staff_a)
    assert p.office == office_a and p.municipality == w.municipality and p.institution.name == "Alcaldía"
    assert att.workshop == w and att.registered_by == staff_a


def test_same_name_without_accents_is_suggested_not_duplicated(office_a, staff_a):
    w = factories.workshop(office_a)
    existing = factories.participant(
        office_a, first_names="María José", last_names="Hernández", municipality=w.municipality
    )
    with pytest.raises(services.DomainError) as exc:
        people.register_and_attend(workshop=w, data=data(first_names="maria jose", last_names="HERNANDEZ"), by=staff_a)
    assert exc.value.code == "possible_duplicate"
    assert [c.pk for c in exc.value.candidates] == [existing.pk]
    assert Participant.objects.count() == 1


def test_one_typo_away_in_same_institution_is_suggested(office_a, staff_a):
    w = factories.workshop(office_a)
    inst = people.resolve_institution("Centro Escolar El Progreso", w.municipality)
    existing = factories.participant(office_a, first_names="Rosa", last_names="Martínez", institution=inst)
    with pytest.raises(services.DomainError) as exc:
        people.register_and_attend(
            workshop=w,
            data=data(first_names="Rosa", last_names="Martines", institution_name="centro escolar el progreso"),
            by=staff_a,
        )
    assert [c.pk for c in exc.value.candidates] == [existing.pk]


def test_confirmed_different_person_is_created(office_a, staff_a):
    w = factories.workshop(office_a)
    factories.participant(office_a, first_names="María José", last_names="Hernández", municipality=w.municipality)
    people.register_and_attend(workshop=w, data=data(), by=staff_a, not_duplicate=True)
    assert Participant.objects.filter(search_name="maria jose hernandez").count() == 2


def test_same_dui_is_never_created_twice_even_when_confirmed(office_a, office_b, staff_a):
    dui = factories.valid_dui(12345678)
    other = factories.participant(office_b, first_names="Ana", last_names="López", dui=dui)
    w = factories.workshop(office_a)
    with pytest.raises(services.DomainError) as exc:
        people.register_and_attend(workshop=w, data=data(dui=dui), by=staff_a, not_duplicate=True)
    assert [c.pk for c in exc.value.candidates] == [other.pk]
    assert Participant.objects.count() == 1


def test_name_search_is_accent_insensitive_and_scoped(office_a, office_b, staff_a):
    mine = factories.participant(office_a, first_names="María José", last_names="Hernández")
    factories.participant(office_b, first_names="María José", last_names="Hernández")
    assert [p.pk for p in people.search_participants(user=staff_a, text="maria jose")] == [mine.pk]


def test_other_offices_person_is_found_by_exact_dui_only(office_a, office_b, staff_a):
    dui = factories.valid_dui(23456789)
    other = factories.participant(office_b, first_names="Lucía", last_names="Ramos", dui=dui)
    assert [p.pk for p in people.search_participants(user=staff_a, text=dui.replace("-", ""))] == [other.pk]
    assert people.search_participants(user=staff_a, text=dui[:6]) == []
    assert people.search_participants(user=staff_a, text="lucia") == []


def test_merge_moves_attendance_and_keeps_one_row_per_workshop(office_a, staff_a):
    w1, w2 = factories.workshop(office_a), factories.workshop(office_a)
    keep = factories.participant(office_a, first_names="Rosa", last_names="Martínez")
    dup = factories.participant(office_a, first_names="Rosa", last_names="Martines", dui=factories.valid_dui(3456789))
    factories.attendance(w1, keep)
    factories.attendance(w1, dup)
    factories.attendance(w2, dup)
    people.merge_participants(keep=keep, remove=dup, by=staff_a)
    keep.refresh_from_db()
    assert not Participant.objects.filter(pk=dup.pk).exists()
    assert set(Attendance.objects.filter(participant=keep).values_list("workshop_id", flat=True)) == {w1.pk, w2.pk}
    assert keep.dui == factories.valid_dui(3456789)
    # The merge is in the audit history of both records.
    assert keep.history.filter(history_change_reason__startswith="merge").exists()
    assert Participant.history.filter(id=dup.pk, history_type="-").exists()


def test_merge_refuses_other_offices_people(office_a, office_b, staff_a):
    keep = factories.participant(office_a)
    other = factories.participant(office_b)
    with pytest.raises(services.DomainError):
        people.merge_participants(keep=keep, remove=other, by=staff_a)
    assert Participant.objects.filter(pk=other.pk).exists()


def test_duplicate_workshop_is_detected_by_normalised_title(office_a):
    w = factories.workshop(office_a, title="Taller LEIV")
    found = services.duplicate_workshops(
        office=office_a, title="taller leiv ", start_date=w.start_date, municipality=w.municipality
    )
    assert [d.pk for d in found] == [w.pk]


def test_an_administrator_creates_a_workshop_for_the_departments_office(office_a, administrator):
    """Administrators may do everything staff may (they have no office: the department's is used)."""
    muni = factories.pess_municipality(office_a)
    day = datetime.date(2026, 3, 2)
    workshop = Workshop(
        title="Taller de la administración",
        topic="leiv",
        audience="school",
        municipality=muni,
        start_date=day,
        end_date=day,
        hours=4,
    )
    saved = services.save_workshop(workshop=workshop, by=administrator)
    assert saved.office == office_a and saved.created_by == administrator


def test_a_manager_cannot_create_a_workshop(office_a, manager):
    muni = factories.pess_municipality(office_a)
    day = datetime.date(2026, 3, 2)
    workshop = Workshop(
        title="Taller", topic="leiv", audience="school", municipality=muni, start_date=day, end_date=day, hours=4
    )
    with pytest.raises(services.DomainError) as exc:
        services.save_workshop(workshop=workshop, by=manager)
    assert exc.value.code == "no_office"
    assert not Workshop.objects.filter(title="Taller").exists()


def test_the_one_people_search_matches_every_word_and_dui_prefixes(office_a, staff_a):
    ana = factories.participant(
        office_a, first_names="Ana María", last_names="Hernández", dui=factories.valid_dui(34567)
    )
    maria = factories.participant(office_a, first_names="María", last_names="Pérez")
    visible = Participant.objects.visible_to(staff_a)
    assert [p.pk for p in visible.search("hernandez ana")] == [ana.pk]
    assert [p.pk for p in visible.search("maria")] == [maria.pk, ana.pk]  # names that start with it first
    assert [p.pk for p in visible.search(ana.dui[:5])] == [ana.pk]
    assert not visible.search("  ").exists()


def test_a_possible_duplicate_workshop_is_refused_until_confirmed(office_a, staff_a):
    first = factories.workshop(office_a, title="Taller LEIV")
    copy = Workshop(
        title="taller leiv",
        topic=first.topic,
        audience=first.audience,
        municipality=first.municipality,
        start_date=first.start_date,
        end_date=first.end_date,
        hours=2,
    )
    with pytest.raises(services.DomainError) as exc:
        services.save_workshop(workshop=copy, by=staff_a)
    assert exc.value.code == "possible_duplicate" and [w.pk for w in exc.value.candidates] == [first.pk]
    services.save_workshop(workshop=copy, by=staff_a, not_duplicate=True)
    assert Workshop.objects.count() == 2
