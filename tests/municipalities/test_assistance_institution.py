"""Technical assistance counts an institution of the record's municipality, or a departmental
(same department) or national one; another municipality's institution is refused."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import DomainError
from geography.models import InstitutionKind, Municipality
from municipalities.models import TechnicalAssistance
from municipalities.services import save_assistance
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 5)


def _save(user, institution, municipality):
    return save_assistance(
        by=user, institution=institution, municipality=municipality, date=DAY, topic="leiv", hours=Decimal(2)
    )


def test_another_municipalitys_institution_is_refused(staff_a, office_a):
    here, there = factories.pess_municipality(office_a, 0), factories.pess_municipality(office_a, 1)
    with pytest.raises(DomainError) as exc:
        _save(staff_a, factories.institution(there), here)
    assert exc.value.code == "institution_elsewhere" and exc.value.field == "institution"
    assert not TechnicalAssistance.objects.exists()


def test_own_national_and_departmental_institutions_are_accepted(staff_a, office_a):
    here, there = factories.pess_municipality(office_a, 0), factories.pess_municipality(office_a, 1)
    _save(staff_a, factories.institution(here), here)
    _save(staff_a, factories.institution(kind=InstitutionKind.NATIONAL), here)
    _save(staff_a, factories.institution(there, kind=InstitutionKind.DEPARTMENTAL), here)
    _save(staff_a, factories.institution(kind=InstitutionKind.DEPARTMENTAL), here)
    assert TechnicalAssistance.objects.count() == 4


def test_a_departmental_institution_of_another_department_is_refused(staff_a, office_a):
    here = factories.pess_municipality(office_a, 0)
    elsewhere = Municipality.objects.exclude(department=here.department_id).first()
    with pytest.raises(DomainError):
        _save(staff_a, factories.institution(elsewhere, kind=InstitutionKind.DEPARTMENTAL), here)


def test_the_form_shows_the_error_on_the_institution_and_saves_nothing(client, staff_a, office_a):
    here, there = factories.pess_municipality(office_a, 0), factories.pess_municipality(office_a, 1)
    other = factories.institution(there, name="Alcaldía Municipal de Otro Lugar")
    client.force_login(staff_a)
    response = client.post(
        reverse("municipalities:assistance_create"),
        {
            "institution": other.pk,
            "municipality": here.pk,
            "date": "05/03/2026",
            "topic": "leiv",
            "hours": "2",
            "new_institution_kind": "other",
        },
    )
    assert response.status_code == 200
    assert "no es de" in response.content.decode()
    assert not TechnicalAssistance.objects.exists()
