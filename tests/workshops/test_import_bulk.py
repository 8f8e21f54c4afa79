"""Confirming an import writes in bulk: the query count does not grow with the number of rows,
history is written for every row, and it stays all-or-nothing and idempotent."""

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.scoping import scope
from tests import factories
from workshops import imports
from workshops.models import Attendance, Participant

pytestmark = pytest.mark.django_db

INSTITUTIONS = ["Alcaldía de Apopa", "Centro Escolar Uno", "Unidad de Salud", ""]


def sheet_rows(n: int, start: int = 0) -> list[tuple]:
    """n distinct people: half with a DUI, four institutions (one blank), every age group."""
    ages = ["0-11", "12-17", "18-29", "30-59", "60+"]
    return [
        (
            f"Persona {start + i}",
            f"Prueba {start + i}",
            "Mujer" if i % 3 else "Hombre",
            ages[i % 5],
            INSTITUTIONS[i % 4],
            factories.valid_dui(20_000_000 + start + i) if i % 2 else "",
        )
        for i in range(n)
    ]


def classified(rows, workshop, user):
    parsed = imports.parse_rows(imports.read_text(factories.sheet_csv(rows)))
    return imports.classify(rows=parsed, workshop=workshop, user=user)


def confirm_counting(workshop, rows, user):
    with CaptureQueriesContext(connection) as ctx:
        result = imports.confirm_import(workshop=workshop, rows=rows, user=user)
    sql = [q["sql"] for q in ctx.captured_queries]
    inserts = sum(1 for s in sql if s.lstrip().upper().startswith("INSERT"))
    return result, len(sql) - inserts, inserts


def _insert_batches(n_people: int, n_attending: int) -> int:
    """INSERT statements the backend needs for n rows in each table (1 per table on PostgreSQL)."""
    ops = connection.ops

    def batches(model, n):
        fields = list(model._meta.concrete_fields)
        return math.ceil(n / ops.bulk_batch_size(fields, [None] * n)) if n else 0

    return (
        batches(Participant, n_people)
        + batches(Participant.history.model, n_people)
        + batches(Attendance, n_attending)
        + batches(Attendance.history.model, n_attending)
    )


def test_query_count_does_not_grow_with_the_rows(office_a, staff_a):
    counts = {}
    for size in (20, 400):
        workshop = factories.workshop(office_a)
        # A fifth of the file are people registered before (the "existing" path).
        earlier = factories.workshop(office_a)
        old = sheet_rows(size // 5, start=size * 10)
        imports.confirm_import(workshop=earlier, rows=classified(old, earlier, staff_a), user=staff_a)
        rows = classified(sheet_rows(size - size // 5, start=size * 100) + old, workshop, staff_a)
        result, other, inserts = confirm_counting(workshop, rows, staff_a)
        assert result["added"] == size and result["existing"] == size // 5
        assert Attendance.objects.filter(workshop=workshop).count() == size
        assert inserts == _insert_batches(size - size // 5, size)  # no per-row INSERT
        counts[size] = other
    # Lookups and checks: the same number at 20 rows and at 400 (institutions exist by then: the
    # first size created them, so compare the lookups, not the institution insert).
    assert counts[400] <= counts[20], counts
    assert counts[20] <= 20, counts


def test_history_is_written_for_every_row(office_a, staff_a):
    workshop = factories.workshop(office_a)
    rows = classified(sheet_rows(30), workshop, staff_a)
    imports.confirm_import(workshop=workshop, rows=rows, user=staff_a)
    people = Participant.objects.filter(search_name__startswith="persona")
    assert people.count() == 30
    assert Participant.history.filter(history_type="+").count() == 30
    assert set(Participant.history.values_list("history_user", flat=True)) == {staff_a.pk}
    assert Attendance.history.filter(workshop_id=workshop.pk, history_type="+").count() == 30
    # Derived fields bulk_create would not compute through save(): the search key, the institution.
    person = people.get(first_names="Persona 1")
    assert person.search_name == "persona 1 prueba 1" and person.institution.name == "Centro Escolar Uno"
    assert person.institution.search_name == "centro escolar uno"


def test_reimport_is_idempotent_and_a_dui_taken_meanwhile_saves_nothing(office_a, office_b, staff_a, staff_b):
    workshop = factories.workshop(office_a)
    rows = classified(sheet_rows(50), workshop, staff_a)
    assert imports.confirm_import(workshop=workshop, rows=rows, user=staff_a)["added"] == 50
    again = classified(sheet_rows(50), workshop, staff_a)
    assert imports.confirm_import(workshop=workshop, rows=again, user=staff_a)["added"] == 0
    assert Participant.objects.count() == 50 and Attendance.objects.count() == 50

    # Someone in another office registers one of the file's DUIs; the confirm runs in staff A's
    # scope (as in a request), so the database's unique constraint is what refuses it.
    other = factories.workshop(office_a)
    rows = classified(sheet_rows(10, start=500), other, staff_a)
    Participant.objects.create(
        first_names="Otra",
        last_names="Persona",
        sex="F",
        age_group="18-29",
        dui=rows[1]["dui"],
        office=office_b,
        created_by=staff_b,
    )
    with scope(staff_a), pytest.raises(imports.DomainError) as exc:
        imports.confirm_import(workshop=other, rows=rows, user=staff_a)
    assert exc.value.code == "changed_meanwhile"
    assert Attendance.objects.filter(workshop=other).count() == 0
    assert Participant.objects.count() == 51
