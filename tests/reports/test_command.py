"""export_report: files written with the page's filters, Spanish errors and non-zero exits."""

import csv
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_indicators_xlsx_national_all_periods_by_default(known, tmp_path):
    output = tmp_path / "informe.xlsx"
    call_command("export_report", report="indicators", fmt="xlsx", output=str(output))
    sheet = openpyxl.load_workbook(output).worksheets[0]
    assert "Nacional, por departamento" in sheet["A1"].value and "Periodo: todo" in sheet["A1"].value
    total = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "Total")
    assert total[1] == 4  # every held workshop, 2025 and 2026


def test_attendance_csv_without_user_is_national_and_pseudonymous(known, tmp_path):
    output = tmp_path / "asistencias.csv"
    call_command("export_report", report="attendance", fmt="csv", output=str(output), period="year", year="2026")
    raw = output.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 1 + 6 and "Nombres" not in rows[0]


def test_attendance_as_a_coordinator_keeps_to_their_department(known, coordinator_x, tmp_path):
    output = tmp_path / "asistencias.xlsx"
    call_command("export_report", report="attendance", fmt="xlsx", output=str(output), user=coordinator_x.username)
    sheet = openpyxl.load_workbook(output).worksheets[0]
    header = [c.value for c in sheet[2]]
    departments = {r[header.index("Departamento")] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert departments == {"San Salvador"} and "Nombres" in header
    assert sheet.max_row == 2 + 7


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"report": "personas", "fmt": "csv"}, "Informe desconocido «personas»"),
        ({"report": "attendance", "fmt": "pdf"}, "Formato desconocido «pdf»"),
        ({"report": "attendance", "fmt": "csv", "user": "nadie"}, "No existe el usuario «nadie»"),
        ({"report": "attendance", "fmt": "csv", "department": "SV-XX"}, "--department"),
        ({"report": "attendance", "fmt": "csv", "period": "custom", "start": "01/02/2026"}, "Indique la fecha"),
    ],
)
def test_bad_options_raise_a_spanish_error(known, tmp_path, options, message):
    with pytest.raises(CommandError, match=message) as error:
        call_command("export_report", output=str(tmp_path / "x"), **options)
    assert error.value.returncode == 1
    assert not (tmp_path / "x").exists()


def test_exit_codes_from_the_command_line(tmp_path):
    base = [sys.executable, "manage.py", "export_report", "--output", str(tmp_path / "x")]
    unknown = subprocess.run([*base, "--report", "nada", "--format", "csv"], cwd=ROOT, capture_output=True, text=True)
    assert unknown.returncode == 1 and "Informe desconocido «nada»" in unknown.stderr
    bad = subprocess.run([*base, "--report", "attendance", "--nope"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "Opción no válida" in bad.stderr and "Traceback" not in bad.stderr
