"""Targets: bulk entry per department and XLSX import (all or nothing, errors per row in Spanish)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from geography.models import Municipality
from indicators.models import Target
from tests import factories

pytestmark = pytest.mark.django_db


def _xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("metas.xlsx", buffer.getvalue())


def test_manager_sets_a_department_at_once(client, office_a, manager):
    munis = list(Municipality.objects.pess().filter(department=office_a.department_id).order_by("name"))
    old = factories.target(munis[1], year=2026, indicator="workshops_held", value=7)
    client.force_login(manager)
    url = reverse("admin:indicators_target_bulk")
    page = client.get(url, {"anio": 2026, "departamento": office_a.department_id})
    assert page.status_code == 200 and munis[0].name in page.content.decode()
    data = {"anio": 2026, "departamento": office_a.department_id}
    data[f"t-{munis[0].pk}-workshops_held"] = "12"
    data[f"t-{munis[0].pk}-training_hours"] = "40,5"
    data[f"t-{munis[1].pk}-workshops_held"] = ""  # cleared: the target goes
    response = client.post(url, data)
    assert response.status_code == 302
    assert Target.objects.get(municipality=munis[0], indicator="workshops_held", year=2026).value == 12
    assert str(Target.objects.get(municipality=munis[0], indicator="training_hours").value) == "40.5"
    assert not Target.objects.filter(pk=old.pk).exists()


def test_bad_bulk_value_saves_nothing_and_keeps_what_was_typed(client, office_a, manager):
    munis = list(Municipality.objects.pess().filter(department=office_a.department_id).order_by("name"))
    client.force_login(manager)
    data = {"anio": 2026, "departamento": office_a.department_id}
    data[f"t-{munis[0].pk}-workshops_held"] = "12"
    data[f"t-{munis[1].pk}-workshops_held"] = "-3"
    response = client.post(reverse("admin:indicators_target_bulk"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="-3"' in html and "mayor o igual a cero" in html
    assert not Target.objects.exists()


def test_coordinator_sees_the_grid_but_cannot_post(client, office_a, coordinator_x):
    muni = factories.pess_municipality(office_a)
    client.force_login(coordinator_x)
    url = reverse("admin:indicators_target_bulk")
    assert "disabled" in client.get(url).content.decode()
    response = client.post(
        url, {"anio": 2026, "departamento": office_a.department_id, f"t-{muni.pk}-workshops_held": 5}
    )
    assert response.status_code == 403
    assert not Target.objects.exists()


def test_xlsx_import_all_or_nothing_with_row_errors(client, manager, ref):
    client.force_login(manager)
    url = reverse("admin:indicators_target_import")
    muni = Municipality.objects.pess().order_by("code").first()
    bad = _xlsx(
        [
            ["año", "código municipio", "indicador", "meta"],
            [2026, muni.code, "workshops_held", 10],
            [2026, "9999", "workshops_held", 5],
            [2026, muni.code, "no existe", "x"],
        ]
    )
    html = client.post(url, {"archivo": bad}).content.decode()
    assert "Fila 3" in html and "9999" in html and "Fila 4" in html and "desconocido" in html
    assert not Target.objects.exists()
    good = _xlsx(
        [
            ["Año", "Código municipio", "Indicador", "Meta"],
            [2026, int(muni.code), "workshops_held", 10],
            [2026, muni.code, "Personas alcanzadas", 250],
        ]
    )
    assert client.post(url, {"archivo": good}).status_code == 302
    assert Target.objects.get(municipality=muni, indicator="workshops_held").value == 10
    assert Target.objects.get(municipality=muni, indicator="people_reached").value == 250
    not_xlsx = SimpleUploadedFile("metas.xlsx", b"hola")
    assert "XLSX válido" in client.post(url, {"archivo": not_xlsx}).content.decode()
