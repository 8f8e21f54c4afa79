import pytest

from municipalities.models import Department
from municipalities.reference_data import load_reference_data
from pess_tracker.roles import Role
from tests import factories


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Hashing is deliberately slow in production; tests create many users."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ref(db):
    """Reference data (departments, municipalities, offices, tables, role groups).

    Loaded when missing: a transactional (browser) test flushes the tables it used.
    """
    if not Department.objects.exists():
        load_reference_data()


@pytest.fixture
def office_a(ref):
    return factories.office("SV-SS")  # San Salvador


@pytest.fixture
def office_b(ref):
    return factories.office("SV-LI")  # La Libertad


@pytest.fixture
def office_y(ref):
    return factories.office("SV-SA")  # Santa Ana


@pytest.fixture
def staff_a(office_a):
    return factories.user(Role.STAFF, office_a, first_name="Karla")


@pytest.fixture
def staff_b(office_b):
    return factories.user(Role.STAFF, office_b)


@pytest.fixture
def coordinator_x(office_a):
    return factories.user(Role.COORDINATOR, office_a)


@pytest.fixture
def coordinator_y(office_y):
    return factories.user(Role.COORDINATOR, office_y)


@pytest.fixture
def manager(ref):
    return factories.user(Role.MANAGER, None)


@pytest.fixture
def administrator(ref):
    return factories.user(Role.ADMINISTRATOR, None)
