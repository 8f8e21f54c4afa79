"""Sign-in sheet import: every accepted encoding and separator, every refused file, preview, and
a confirm that saves all rows or none."""

import io
import zipfile

import pytest
from django.urls import reverse

from tests import factories
from workshops import imports
from workshops.models import Attendance, AttendanceMethod, Participant

ROWS = [
    ("María José", "Hernández", "Mujer", "18-29", "Alcaldía de Apopa", factories.valid_dui(11111111)),
    ("José", "Peña", "Hombre", "30-59", "Alcaldía de Apopa", ""),
    ("Ana", "Ávila", "mujer", "45", "", ""),
]


def cells(data: bytes):
    return imports.parse_rows(imports.read_upload(data))


@pytest.mark.parametrize(
    "encoding,sep",
    [("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ";"), ("latin-1", ";"), ("utf-8", ";")],
)
def test_csv_encodings_and_separators_are_read(encoding, sep):
    rows = cells(factories.sheet_csv(ROWS, sep=sep).encode(encoding))
    assert [r["first_names"] for r in rows] == ["María José", "José", "Ana"]
    assert [r["last_names"] for r in rows] == ["Hernández", "Peña", "Ávila"]
    assert [r["sex"] for r in rows] == ["F", "M", "F"]
    assert [r["age_group"] for r in rows] == ["18-29", "30-59", "30-59"]
    assert all(r["errors"] == [] for r in rows)


def test_columns_are_matched_by_header_in_any_order():
    header = ("DUI", "Grupo de edad", "apellidos", "NOMBRES", "Sexo")
    rows = cells(factories.sheet_csv([("", "60+", "Gómez", "Luisa", "Mujer")], header=header).encode())
    assert (rows[0]["first_names"], rows[0]["last_names"], rows[0]["age_group"]) == ("Luisa", "Gómez", "60+")


def test_xlsx_is_read():
    rows = cells(factories.sheet_xlsx(ROWS))
    assert [r["first_names"] for r in rows] == ["María José", "José", "Ana"]


def test_pasted_tab_separated_rows_use_the_same_parser():
    text = factories.sheet_csv(ROWS, sep="\t")
    rows = imports.parse_rows(imports.read_text(text))
    assert len(rows) == 3 and rows[0]["institution"] == "Alcaldía de Apopa"


@pytest.mark.parametrize("value", ['=HYPERLINK("x")', "+1+2", "-2+3", "@SUM(A1)"])
def test_formula_like_cells_make_the_row_an_error(value):
    rows = cells(factories.sheet_csv([(value, "Pérez", "Mujer", "18-29", "", "")]).encode())
    assert any("fórmula" in e for e in rows[0]["errors"])


def test_phone_with_international_prefix_is_not_a_formula():
    header = ("Nombres", "Apellidos", "Sexo", "Grupo de edad", "Teléfono")
    rows = cells(factories.sheet_csv([("Ana", "Paz", "Mujer", "18-29", "+503 7000-0000")], header=header).encode())
    assert rows[0]["errors"] == []


def test_invalid_values_are_reported_per_row_in_spanish():
    bad = [("", "Paz", "X", "cien", "", "12345678-0")]
    errors = " ".join(cells(factories.sheet_csv(bad).encode())[0]["errors"])
    assert "Falta «Nombres»" in errors
    assert "Sexo «X» no reconocido" in errors
    assert "Grupo de edad «cien» no reconocido" in errors
    assert "dígito verificador" in errors


@pytest.mark.parametrize(
    "payload,code",
    [
        (b"", "empty"),
        (b"   \n  ", "empty"),
        (b"Nombres,Apellidos,Sexo,Grupo de edad\n", "no_rows"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "wrong_type"),
        (b"%PDF-1.4 fake", "wrong_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "wrong_type"),  # old .xls
        (b"PK\x03\x04 not really a zip", "wrong_type"),
        (b"Nombre completo,Edad\nAna,3\n", "missing_columns"),
    ],
)
def test_malformed_files_are_refused_with_a_code(payload, code):
    with pytest.raises(imports.DomainError) as exc:
        cells(payload)
    assert exc.value.code == code
    assert exc.value.message


def test_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(imports.DomainError) as exc:
        cells(factories.sheet_csv(ROWS * 10).encode())
    assert exc.value.code == "too_large"


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return out.getvalue()


def test_xlsx_with_excessive_uncompressed_size_is_refused_before_parsing():
    bomb = _zip({"xl/workbook.xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\x00" * (25 * 1024 * 1024)})
    assert len(bomb) < 100_000  # small on disk, huge once decompressed
    with pytest.raises(imports.DomainError) as exc:
        imports.read_upload(bomb)
    assert exc.value.code == "xlsx_too_big"


def test_xlsx_with_too_many_entries_is_refused():
    many = _zip({"xl/workbook.xml": b"<x/>", **{f"xl/media/{i}.xml": b"x" for i in range(300)}})
    with pytest.raises(imports.DomainError) as exc:
        imports.read_upload(many)
    assert exc.value.code == "xlsx_too_big"


def test_xlsx_with_xml_entities_is_refused():
    data = factories.sheet_xlsx(ROWS)
    src = zipfile.ZipFile(io.BytesIO(data))
    entries = {i.filename: src.read(i.filename) for i in src.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    body = entries[sheet].split(b"?>", 1)[-1]
    entries[sheet] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + body
    with pytest.raises(imports.DomainError) as exc:
        imports.read_upload(_zip(entries))
    assert exc.value.code == "unreadable"


# --- classify and confirm ---------------------------------------------------------------------


def test_reimporting_the_same_rows_adds_nobody_twice(office_a, staff_a):
    w = factories.workshop(office_a)
    rows = cells(factories.sheet_csv(ROWS).encode())
    result = imports.confirm_import(workshop=w, rows=rows, user=staff_a)
    assert result["added"] == 3 and result["new"] == 3
    again = imports.classify(rows=cells(factories.sheet_csv(ROWS).encode()), workshop=w, user=staff_a)
    assert [r["status"] for r in again] == ["attending"] * 3
    result = imports.confirm_import(workshop=w, rows=again, user=staff_a)
    assert result["added"] == 0
    assert Participant.objects.count() == 3 and Attendance.objects.filter(workshop=w).count() == 3
    assert set(Attendance.objects.values_list("method", flat=True)) == {AttendanceMethod.IMPORT}


def test_existing_people_are_reused_in_another_workshop(office_a, staff_a):
    w1, w2 = factories.workshop(office_a), factories.workshop(office_a)
    imports.confirm_import(workshop=w1, rows=cells(factories.sheet_csv(ROWS).encode()), user=staff_a)
    rows = imports.classify(rows=cells(factories.sheet_csv(ROWS).encode()), workshop=w2, user=staff_a)
    assert [r["status"] for r in rows] == ["existing"] * 3
    imports.confirm_import(workshop=w2, rows=rows, user=staff_a)
    assert Participant.objects.count() == 3 and Attendance.objects.count() == 6


def test_repeated_row_in_the_file_is_an_error(office_a, staff_a):
    w = factories.workshop(office_a)
    rows = imports.classify(rows=cells(factories.sheet_csv([*ROWS, ROWS[0]]).encode()), workshop=w, user=staff_a)
    assert rows[-1]["status"] == "error"


def test_rows_with_errors_save_nothing(office_a, staff_a):
    w = factories.workshop(office_a)
    rows = cells(factories.sheet_csv([*ROWS, ("Sin", "Sexo", "", "18-29", "", "")]).encode())
    with pytest.raises(imports.DomainError):
        imports.confirm_import(workshop=w, rows=rows, user=staff_a)
    assert Participant.objects.count() == 0 and Attendance.objects.count() == 0


def test_a_failure_on_row_n_rolls_back_rows_already_written(office_a, staff_a):
    """Rows 1-4 are written before row 5 fails model validation (its e-mail changed after the
    preview, as a stale session would carry): the transaction leaves nothing behind."""
    w = factories.workshop(office_a)
    header = ("Nombres", "Apellidos", "Sexo", "Grupo de edad", "Correo")
    data = [(f"Persona{i}", "Prueba", "Mujer", "18-29", f"p{i}@example.org") for i in range(10)]
    rows = cells(factories.sheet_csv(data, header=header).encode())
    assert all(not r["errors"] for r in rows)
    rows[4]["email"] = "esto no es un correo"
    with pytest.raises(Exception):  # noqa: B017 - any failure must roll everything back
        imports.confirm_import(workshop=w, rows=rows, user=staff_a)
    assert Participant.objects.count() == 0 and Attendance.objects.count() == 0


# --- through the pages ------------------------------------------------------------------------


def test_upload_preview_then_confirm(client, office_a, staff_a):
    w = factories.workshop(office_a)
    client.force_login(staff_a)
    upload = io.BytesIO(factories.sheet_csv(ROWS).encode("cp1252"))
    upload.name = "hoja.csv"
    response = client.post(reverse("workshops:import", args=[w.pk]), {"file": upload})
    assert response.status_code == 302 and response.url == reverse("workshops:import_preview", args=[w.pk])
    preview = client.get(response.url).content.decode()
    assert "Persona nueva" in preview and "Hernández" in preview
    assert Participant.objects.count() == 0  # the preview writes nothing
    response = client.post(reverse("workshops:import_preview", args=[w.pk]), {"confirm": "1"})
    assert response.status_code == 302
    assert Attendance.objects.filter(workshop=w).count() == 3


def test_paste_shows_the_same_preview(client, office_a, staff_a):
    w = factories.workshop(office_a)
    client.force_login(staff_a)
    text = factories.sheet_csv([*ROWS, ("=1+1", "X", "Mujer", "18-29", "", "")], sep="\t")
    response = client.post(reverse("workshops:import", args=[w.pk]), {"text": text}, follow=True)
    page = response.content.decode()
    assert "3 nuevas" in page and "1 con errores" in page and "fórmula" in page
    assert "Confirmar y guardar" not in page


def test_refused_file_shows_a_spanish_message_and_saves_nothing(client, office_a, staff_a):
    w = factories.workshop(office_a)
    client.force_login(staff_a)
    upload = io.BytesIO(b"%PDF-1.4 something")
    upload.name = "hoja.csv"
    response = client.post(reverse("workshops:import", args=[w.pk]), {"file": upload}, follow=True)
    assert "no es CSV ni XLSX" in response.content.decode()
    assert Participant.objects.count() == 0
