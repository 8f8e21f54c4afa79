"""Exports opened the way their readers open them: csv module, openpyxl."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from reports.exports import neutralise

pytestmark = pytest.mark.django_db


def _csv_rows(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith("\ufeff".encode())  # BOM, so that Excel reads the accents
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_neutralise_prefixes_formula_starts_only():
    for text in ("=1+1", "+50377770000", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("María") == "María"
    assert neutralise(-2) == -2  # numbers are not text


def test_report_csv_is_what_the_page_shows(known, manager, client):
    known["m1"].name = "=Municipio"  # an administrator could type anything in a name
    known["m1"].save()
    client.force_login(manager)
    response = client.get(reverse("reports:export", args=["csv"]), {"level": "municipality", "year": 2026})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert "Por municipio" in rows[0][0] and "Periodo: 2026" in rows[0][0] and "exportado el" in rows[0][0]
    assert rows[2] == ["Talleres de formación por municipio"]
    assert rows[3][:4] == ["Departamento", "Municipio", "Talleres realizados", "Horas de formación"]
    row = next(r for r in rows if len(r) > 1 and r[1] == "'=Municipio")
    assert row[2:6] == ["1", "4.0", "3", "3"]
    total = next(r for r in rows if len(r) > 1 and r[1] == "Total")
    assert total[2:6] == ["3", "9.0", "5", "4"]
    page = client.get(reverse("reports:report"), {"level": "municipality", "year": 2026})
    assert page.status_code == 200 and "=Municipio" in page.content.decode()


def test_report_xlsx_has_title_frozen_header_and_number_formats(known, manager, client):
    client.force_login(manager)
    response = client.get(reverse("reports:export", args=["xlsx"]), {"year": 2026, "line": "workshops"})
    book = _xlsx(response)
    sheet = book.worksheets[0]
    assert "Periodo: 2026" in sheet["A1"].value and "Talleres de formación" in sheet["A1"].value
    assert [c.value for c in sheet[2]][:3] == ["Departamento", "Talleres realizados", "Horas de formación"]
    assert sheet.freeze_panes == "B3"
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=3)}
    assert rows["Total"][1].value == 3 and rows["Total"][1].number_format == "#,##0"
    assert float(rows["Total"][2].value) == 9 and rows["Total"][2].number_format == "#,##0.0"
    targets = book[next(name for name in book.sheetnames if name.startswith("Avance"))]
    total = next(r for r in targets.iter_rows(min_row=3) if r[0].value == "Total")
    assert float(total[3].value) == 0.5 and total[3].number_format == "0.0%"


def test_raw_attendance_csv_for_a_coordinator_stays_in_the_department(known, coordinator_x, client):
    client.force_login(coordinator_x)
    response = client.get(reverse("reports:export_raw", args=["attendance", "csv"]), {"period": "all"})
    assert response.streaming
    rows = _csv_rows(response)
    header, body = rows[0], rows[1:]
    assert len(body) == 7  # w1 ×3, w2, the cancelled workshop, w5 ×2 — nothing of Santa Ana
    assert {r[header.index("Departamento")] for r in body} == {"San Salvador"}
    assert "Carla" not in {r[header.index("Nombres")] for r in body}
    assert '\'=HYPERLINK("http://x")' in {r[header.index("Apellidos")] for r in body}
    assert "'+Instituto de prueba" in {r[header.index("Institución")] for r in body}
    assert "7777-0000" in {r[header.index("Teléfono")] for r in body}


def test_raw_attendance_for_a_manager_is_pseudonymous(known, manager, client):
    client.force_login(manager)
    rows = _csv_rows(client.get(reverse("reports:export_raw", args=["attendance", "csv"]), {"year": 2026}))
    header, body = rows[0], rows[1:]
    assert len(body) == 6  # 2026 only: w1 ×3, w2, w3, the cancelled workshop
    assert not {"Nombres", "Apellidos", "DUI", "Teléfono", "Correo electrónico"} & set(header)
    codes = [r[header.index("Código de participante")] for r in body]
    assert all(code.startswith("P-") and len(code) == 14 for code in codes)
    assert len(set(codes)) == 4  # Ana, Bea, Luis, Carla
    text = "\n".join(",".join(r) for r in rows)
    assert "Pérez" not in text and "Bea" not in text and "HYPERLINK" not in text


def test_raw_window_sessions_grid_and_xlsx(known, coordinator_x, coordinator_y, client):
    client.force_login(coordinator_x)
    rows = _csv_rows(client.get(reverse("reports:export_raw", args=["window_sessions", "csv"]), {"year": 2026}))
    header = rows[0]
    session = next(r for r in rows[1:] if r[header.index("Fecha")] == "2026-03-12")
    assert session[header.index("Mujer 0–11 años")] == "7"
    assert session[header.index("Hombre 12–17 años")] == "5"
    assert session[header.index("Total personas alcanzadas")] == "12"
    client.force_login(coordinator_y)
    sheet = _xlsx(client.get(reverse("reports:export_raw", args=["window_sessions", "xlsx"]))).worksheets[0]
    assert sheet.max_row == 2  # title and header: Santa Ana has no window sessions
    assert sheet.freeze_panes == "A3"


def test_raw_xlsx_attendance_opens_with_dates_and_neutralised_text(known, staff_a, client):
    client.force_login(staff_a)
    response = client.get(reverse("reports:export_raw", args=["attendance", "xlsx"]), {"year": 2026})
    sheet = _xlsx(response).worksheets[0]
    assert "Asistencias a talleres" in sheet["A1"].value and "Periodo: 2026" in sheet["A1"].value
    header = [c.value for c in sheet[2]]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 5  # office San Salvador, 2026
    date_cell = sheet.cell(row=3, column=header.index("Fecha del taller") + 1)
    assert date_cell.number_format == "DD/MM/YYYY"
    assert '\'=HYPERLINK("http://x")' in {r[header.index("Apellidos")] for r in rows}
    assert all(sheet.cell(row=i, column=header.index("Apellidos") + 1).data_type == "s" for i in range(3, 8))


def test_other_exports_are_scoped(known, coordinator_y, client):
    client.force_login(coordinator_y)
    for kind, expected in (("workshops", 1), ("assistance", 0)):
        rows = _csv_rows(client.get(reverse("reports:export_raw", args=[kind, "csv"]), {"period": "all"}))
        assert len(rows) - 1 == expected
        assert all("San Salvador" not in r for r in rows)


def test_exports_need_login_and_valid_filters(known, manager, client):
    url = reverse("reports:export_raw", args=["attendance", "csv"])
    assert client.get(url).status_code == 302
    client.force_login(manager)
    assert client.get(url, {"period": "custom", "start": "01/02/2026"}).status_code == 400
    assert client.get(reverse("reports:export_raw", args=["people", "csv"])).status_code == 404
