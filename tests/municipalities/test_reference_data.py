import pytest
from django.contrib.auth.models import Group
from django.db.models import Count

from geography.models import Department, Municipality, TerritorialOffice, ThematicTable
from geography.reference_data import load_reference_data

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        model.__name__: sorted(model.objects.values_list(*fields))
        for model, fields in [
            (Department, ("code", "iso_code", "name")),
            (Municipality, ("code", "name", "department__code", "pess_phase", "municipality_2024")),
            (TerritorialOffice, ("code", "name")),
            (ThematicTable, ("code", "name")),
        ]
    }


def test_counts_are_what_the_data_says():
    load_reference_data()
    assert Department.objects.count() == 14
    assert Municipality.objects.count() == 262
    pess = Municipality.objects.pess()
    assert pess.count() == 50
    assert pess.values("department").distinct().count() == 12
    assert dict(pess.values_list("pess_phase").annotate(n=Count("pk"))) == {1: 10, 2: 16, 3: 24}
    assert not pess.filter(department__name__in=["Chalatenango", "Morazán"]).exists()
    assert TerritorialOffice.objects.count() == 14
    assert ThematicTable.objects.count() == 3
    assert Group.objects.filter(permissions__isnull=False).distinct().count() == 3  # admin role = superuser


def test_running_twice_leaves_exactly_the_same_rows():
    load_reference_data()
    first = _snapshot()
    report = load_reference_data()
    assert _snapshot() == first
    assert set(report.created.values()) == {0}


def test_an_administrators_rename_survives_a_reload():
    load_reference_data()
    office = TerritorialOffice.objects.get(code="SV-SS")
    office.name = "Oficina Departamental ISDEMU San Salvador"
    office.save()
    load_reference_data()
    assert TerritorialOffice.objects.get(code="SV-SS").name == "Oficina Departamental ISDEMU San Salvador"
    assert TerritorialOffice.objects.count() == 14


def test_municipalities_carry_code_department_and_2024_municipality():
    load_reference_data()
    santa_tecla = Municipality.objects.get(code="0511")
    assert santa_tecla.name == "Santa Tecla"
    assert santa_tecla.department.iso_code == "SV-LI"
    assert santa_tecla.municipality_2024
    phase_one = Municipality.objects.filter(pess_phase=1).first()
    assert phase_one.pess_entry_date.isoformat() == "2015-07-16"
