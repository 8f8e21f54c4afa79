"""Reference data loaded once per test module instead of once per test (it takes ~2 s to load).

Used by the conftest of tests/mobile_windows and tests/municipalities: their `ref` loads the
departments, municipalities, offices, tables and role groups when the module starts and removes
them when it ends, so tests elsewhere still start from the database they expect.
"""

import pytest
from django.contrib.auth.models import Group

from core.roles import ROLE_GROUPS
from geography.models import Department, Municipality, TerritorialOffice, ThematicTable
from geography.reference_data import load_reference_data


@pytest.fixture(scope="module")
def reference_data_for_module(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        loaded_here = not Department.objects.exists()
        if loaded_here:
            load_reference_data()
    yield
    if loaded_here:
        with django_db_blocker.unblock():
            TerritorialOffice.objects.all().delete()
            Municipality.objects.all().delete()
            Department.objects.all().delete()
            ThematicTable.objects.all().delete()
            Group.objects.filter(name__in=ROLE_GROUPS.values()).delete()


@pytest.fixture
def ref(reference_data_for_module, db):
    """Same contract as the root `ref`: reference data present (and rolled-back test rows on top)."""
    if not Department.objects.exists():
        load_reference_data()
