"""Raw-record XLSX (reports.xlsx): the rows read back exactly as the same values written cell by
cell through XlsxWriter's API, dates are Excel serials that open as the right dd/mm/aaaa date,
the database's serial and participant code equal Python's, and nothing is left behind."""

import csv
import datetime
import io
import re
import shutil
import subprocess
import threading
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter
from django.db import connection
from django.db.models import F
from django.urls import reverse

from core.privacy import pseudonym_code, pseudonym_expression
from reports import exports, raw, xlsx
from reports.forms import ReportFilterForm
from reports.raw import RawColumn
from tests import factories
from workshops.models import Attendance, Participant, Workshop

pytestmark = pytest.mark.django_db

DATES = [
    datetime.date(1900, 1, 1),
    datetime.date(1900, 1, 2),
    datetime.date(1900, 2, 28),  # the last serial (59) before Excel's 29/02/1900 that never was
    datetime.date(1900, 3, 1),  # serial 61
    datetime.date(1900, 12, 31),
    datetime.date(1999, 12, 31),
    datetime.date(2000, 1, 1),
    datetime.date(2000, 2, 29),
    datetime.date(2024, 2, 29),
    datetime.date(2025, 12, 31),
    datetime.date(2026, 1, 1),
    datetime.date(2026, 11, 30),
    datetime.date(9999, 12, 31),
]
TEXTS = [
    "a & b <c>",
    "  espacios  ",
    " delante",
    "detrás ",
    "x\x01y",
    "<r>rico</r>",
    "_x0041_",
    "Ñandú – 18–29 años",
    "'=1+1",
    "123",
    "tab\tdentro",
    "línea\nnueva",
    "retorno\rde carro",
    "\ttabulador delante",
    "barra | vertical",
    "barra \\ invertida",
    "\\N",
    "",
    "\u00a0no separable\u00a0",
    "emoji 😀 fin",
    "\ufffe",
    "Ω" * 40_000,  # over Excel's limit: cut as XlsxWriter cuts it
    "😀" * 20_000,  # over the limit in UTF-16 units, not in characters
]
COLUMNS = [
    RawColumn("n", None, raw.INT),
    RawColumn("h", None, raw.DEC),
    RawColumn("d", None, raw.DATE),
    RawColumn("t", None),
    RawColumn("u", None),
]


def _typed_rows():
    rows = []
    for i, text in enumerate(TEXTS):
        date = DATES[i % len(DATES)]
        rows.append((i, Decimal("2.5") * i - 3, date, text, f"fila {i}"))
    rows.append((None, None, None, None, None))
    rows.append((99, None, None, "fin", None))
    rows.append((None, Decimal("0.10"), DATES[0], None, "solo"))
    rows.append((-7, Decimal("1234567.25"), DATES[-1], "sin problemas", "nada"))
    return rows


def _as_cell_text(row):
    """A row as `raw.xlsx_cells` selects it: numbers as digits, dates as serials, text as is."""
    out = []
    for value in row:
        if value is None or isinstance(value, str):
            out.append(value)
        elif isinstance(value, datetime.date):
            out.append(str(xlsx.excel_serial(value)))
        else:
            out.append(str(value))
    return tuple(out)


def _copy_line(row) -> str:
    """A row as PostgreSQL's COPY writes it with xlsx.COPY_OPTIONS."""
    escapes = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "|": "\\|"}
    return "|".join("\\N" if v is None else "".join(escapes.get(c, c) for c in v) for v in _as_cell_text(row))


def _reference(path, rows):
    """The same rows written cell by cell through XlsxWriter's own API (constant-memory mode)."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet()
    formats = {kind: workbook.add_format({"num_format": f}) for kind, f in exports.NUMBER_FORMATS.items()}
    for r, row in enumerate(rows, start=2):
        for c, (value, column) in enumerate(zip(row, COLUMNS, strict=True)):
            if value is None:
                continue
            if column.kind == raw.DATE:
                sheet.write_datetime(r, c, value, formats[raw.DATE])
            elif column.kind == raw.TEXT:
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value, formats[column.kind])
    workbook.close()


def _data(path):
    return list(openpyxl.load_workbook(path).worksheets[0].iter_rows(min_row=3, values_only=True))


def _sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        return package.read("xl/worksheets/sheet1.xml").decode()


def test_rows_read_back_as_xlsxwriter_writes_them(tmp_path):
    """Typed values (written cell by cell), the database's cell texts (the fast path) and COPY
    lines give the same file content as XlsxWriter's API: escapes, kept whitespace, _xHHHH_,
    cut texts, numbers, dates and blanks."""
    rows = _typed_rows()
    reference = tmp_path / "reference.xlsx"
    _reference(reference, rows)
    expected = _data(reference)
    # XlsxWriter's API takes a text "<r>…</r>" for raw rich-string XML (and loses it); ours keeps it as text.
    rich = TEXTS.index("<r>rico</r>")
    assert expected[rich][3] != "<r>rico</r>"
    expected[rich] = (*expected[rich][:3], "<r>rico</r>", *expected[rich][4:])
    variants = {
        "typed": (rows, False),
        "text": ([_as_cell_text(r) for r in rows], False),
        "copy": ([_copy_line(r) for r in rows], True),
    }
    for name, (records, copy_lines) in variants.items():
        ours = tmp_path / f"{name}.xlsx"
        count = exports.records_xlsx(
            COLUMNS, records, str(ours), "Prueba", "filtros", tmpdir=tmp_path, copy_lines=copy_lines
        )
        assert count == len(rows)
        assert _data(ours) == expected, name
        sheet = openpyxl.load_workbook(ours).worksheets[0]
        assert sheet.cell(row=3, column=3).number_format == "DD/MM/YYYY"
        assert sheet.cell(row=3, column=2).number_format == "#,##0.0"
        assert sheet.cell(row=3, column=1).number_format == "#,##0"
        assert sheet.cell(row=4, column=4).value == "  espacios  "
        assert f'<dimension ref="A1:E{len(rows) + 2}"/>' in _sheet_xml(ours)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.xlsx", "reference.xlsx", "text.xlsx", "typed.xlsx"]


def test_plain_rows_take_the_fast_path_and_others_the_careful_one(tmp_path):
    """The speed comes from writing plain rows from a template; rows needing care go cell by cell."""
    plain = [("1", "2.5", "46356", "Taller de prueba", "Ñandú – 18–29 años"), ("2", None, None, "x", None)]
    plain.append(("3", "1", "46356", "a & b <c>", "z"))  # escaped on the whole row at once
    careful = [("4", "1", "46356", " delante", "z"), ("5", "1", "1", "a|b", "z"), ("6", "1", "1", "_x0041_", "z")]
    with xlsx.DataRows([(xlsx.NUMBER, 1)] * 3 + [(xlsx.TEXT, 0)] * 2, after_row=1, tmpdir=tmp_path) as rows:
        for row in plain:
            rows.write(row)
        rows.write_copy_line("7|1|46356|Taller|\\N")
        assert rows.careful_rows == 0
        for row in careful:
            rows.write(row)
        rows.write_copy_line("8|1|46356|barra \\| vertical|z")
        assert rows.careful_rows == 4 and rows.count == 8


def test_excel_serials_are_xlsxwriters_and_open_as_the_same_dates(tmp_path):
    assert [xlsx.excel_serial(d) for d in DATES[:4]] == [1, 2, 59, 61]
    assert xlsx.excel_serial(datetime.date(2000, 1, 1)) == 36526
    assert xlsx.excel_serial(datetime.date(2026, 11, 30)) == 46356
    rows = [(i, Decimal(0), d, "t", "u") for i, d in enumerate(DATES)]
    reference, ours = tmp_path / "reference.xlsx", tmp_path / "ours.xlsx"
    _reference(reference, rows)
    exports.records_xlsx(COLUMNS, [_as_cell_text(r) for r in rows], str(ours), "Fechas", "", tmpdir=tmp_path)

    def serials(path):
        return re.findall(r'<c r="C\d+" s="\d+"><v>([^<]+)</v>', _sheet_xml(path))

    assert [float(s) for s in serials(ours)] == [float(s) for s in serials(reference)]
    assert serials(ours) == [str(xlsx.excel_serial(d)) for d in DATES]
    sheet = openpyxl.load_workbook(ours).worksheets[0]
    read = [sheet.cell(row=3 + i, column=3) for i in range(len(DATES))]
    assert [c.value.date() for c in read] == DATES
    assert {c.number_format for c in read} == {"DD/MM/YYYY"}


def test_the_databases_serial_is_pythons(office_a):
    """reports.xlsx.ExcelSerial (SQL, on this test run's database) equals excel_serial (Python)."""
    for date in DATES:
        factories.workshop(office_a, start_date=date, end_date=date)
    pairs = Workshop.objects.annotate(serial=xlsx.ExcelSerial(F("start_date"))).values_list("start_date", "serial")
    assert sorted(pairs) == [(d, xlsx.excel_serial(d)) for d in DATES]


def test_the_databases_participant_code_is_pythons(office_a):
    """The one privacy rule: core.privacy's SQL expression gives pseudonym_code's value."""
    people = [factories.participant(office_a) for _ in range(5)]
    codes = dict(Participant.objects.annotate(code=pseudonym_expression("pk")).values_list("pk", "code"))
    assert codes == {p.pk: pseudonym_code(p.pk) for p in people}


def _export(user, kind="attendance", **params):
    form = ReportFilterForm({k: str(v) for k, v in params.items()}, user=user)
    assert form.is_valid(), form.errors
    return raw.raw_export(kind, user, form.filters())


def test_attendance_xlsx_has_typed_cells_spanish_headers_and_the_participant_code(known, manager, tmp_path):
    columns, queryset = _export(manager, period="all")
    path = tmp_path / "asistencias.xlsx"
    assert exports.raw_xlsx(columns, queryset, str(path), "Asistencias a talleres", "todo", tmpdir=tmp_path) == 8
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in sheet[2]]
    assert header[:5] == ["ID asistencia", "ID taller", "Taller", "Tema", "Fecha del taller"]
    assert "Código de participante" in header and "Nombres" not in header
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=3, values_only=True)]
    attendances = {a.pk: a for a in Attendance.objects.select_related("workshop")}
    assert len(rows) == len(attendances) == 8
    for row in rows:
        attendance = attendances[row["ID asistencia"]]
        assert isinstance(row["ID asistencia"], int) and row["ID taller"] == attendance.workshop_id
        assert row["Fecha del taller"] == datetime.datetime.combine(attendance.workshop.start_date, datetime.time())
        assert row["Código de participante"] == pseudonym_code(attendance.participant_id)
        assert isinstance(row["Municipio"], str)
    date_column = header.index("Fecha del taller") + 1
    assert {sheet.cell(row=r, column=date_column).number_format for r in range(3, 11)} == {"DD/MM/YYYY"}
    assert sheet.freeze_panes == "A3" and "Asistencias a talleres" in sheet["A1"].value
    assert sheet.print_area == f"'{sheet.title}'!$A$1:${openpyxl.utils.get_column_letter(len(header))}$10"
    assert [p.name for p in tmp_path.iterdir()] == ["asistencias.xlsx"]


def test_workshops_xlsx_hours_and_counts_are_numbers(known, manager, tmp_path):
    columns, queryset = _export(manager, kind="workshops", period="all")
    path = tmp_path / "talleres.xlsx"
    exports.raw_xlsx(columns, queryset, str(path), "Talleres", "todo", tmpdir=tmp_path)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in sheet[2]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=3, values_only=True)]
    by_id = {w.pk: w for w in Workshop.objects.all()}
    assert {r["ID taller"]: (Decimal(str(r["Horas"])), r["Fecha de finalización"].date()) for r in rows} == {
        pk: (w.hours, w.end_date) for pk, w in by_id.items()
    }
    assert sum(r["Asistencias"] for r in rows) == Attendance.objects.count()


def test_an_empty_export_has_its_title_and_header_only(known, manager, tmp_path):
    columns, queryset = _export(manager, year=2019)
    path = tmp_path / "vacio.xlsx"
    assert exports.raw_xlsx(columns, queryset, str(path), "Asistencias a talleres", "2019", tmpdir=tmp_path) == 0
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.max_row == 2 and sheet["A2"].value == "ID asistencia"
    last = openpyxl.utils.get_column_letter(len(columns))
    assert f'<dimension ref="A1:{last}2"/>' in _sheet_xml(path)
    assert openpyxl.load_workbook(path, read_only=True).worksheets[0].max_row == 2


def test_a_failure_mid_way_leaves_no_file(tmp_path):
    def records():
        yield ("1", "1", "46356", "a", "b")
        raise RuntimeError("the database went away")

    output = tmp_path / "out.xlsx"
    (tmp_path / "tmp").mkdir()
    with pytest.raises(RuntimeError):
        exports.records_xlsx(COLUMNS, records(), str(output), "Prueba", "", tmpdir=tmp_path / "tmp")
    assert not output.exists() and list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_lines_parse_to_the_cursors_values(known, staff_a):
    """On PostgreSQL the rows come by COPY: parsed, they are exactly what the cursor returns."""
    office = known["ana"].office
    workshop = factories.workshop(office, title="Título | con barra \\ y\ttab")
    for text in ("línea\nnueva", "\\N", "barra | vertical", "fin \\", "", "retorno\r", "\x01control"):
        factories.attendance(workshop, factories.participant(office, first_names=text, position=text))
    factories.approve_all()
    columns, queryset = _export(staff_a, period="all")
    queryset = raw.xlsx_cells(columns, queryset)
    from_cursor = [tuple(r) for r in queryset]
    from_copy = [tuple(xlsx.copy_fields(line)) for line in exports._copy_lines(queryset, xlsx.COPY_OPTIONS)]
    assert from_copy == from_cursor and len(from_copy) == 14


def test_the_direct_download_is_the_same_file(known, staff_a, client):
    """The direct link (small exports) writes through the same code: it opens with the rows."""
    client.force_login(staff_a)
    response = client.get(reverse("reports:export_raw", args=["attendance", "xlsx"]), {"period": "all"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.worksheets[0].max_row == 2 + 7  # office San Salvador: every period


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_stopping_mid_copy_gives_the_connection_back(known, staff_a, settings, tmp_path):
    """A job stopped while COPY still streams (a cancel, an error) ends the COPY thread before
    anything else runs on the connection: without that, the next query would wait for ever."""
    office = known["ana"].office
    workshop = factories.workshop(office, title="Taller grande")
    people = Participant.objects.bulk_create(
        Participant(office=office, first_names=f"Persona {i:<80}.", last_names="Larga" * 20, sex="F", age_group="30-59")
        for i in range(3000)
    )
    Attendance.objects.bulk_create(Attendance(workshop=workshop, participant=p) for p in people)
    factories.approve_all()
    settings.EXPORT_PROGRESS_ROWS = 1
    columns, queryset = _export(staff_a, period="all")

    def progress(rows):
        raise RuntimeError("stopped by its owner")

    copying = None
    try:  # COPY's output (≈1.5 MB) is far from read: its thread waits on the pipe
        exports.raw_xlsx(columns, queryset, str(tmp_path / "x.xlsx"), "Asistencias", "", progress, tmp_path)
    except RuntimeError:  # still propagating, as through the job's own clean-up
        copying = [t for t in threading.enumerate() if t.name == "reports-copy"]
    assert copying == []
    assert Attendance.objects.count() == 3008 and list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_reads_the_same_cells_as_from_xlsxwriters_own_file(tmp_path):
    """LibreOffice (headless, as CSV of the cells as shown) reads our rows as XlsxWriter's."""
    rows = [r for r in _typed_rows() if r[3] != "<r>rico</r>" and len(r[3] or "") < 100]
    _reference(tmp_path / "reference.xlsx", rows)
    exports.records_xlsx(COLUMNS, [_copy_line(r) for r in rows], str(tmp_path / "ours.xlsx"), "P", "", copy_lines=True)
    profile = f"-env:UserInstallation=file://{tmp_path}/profile"
    to_csv = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false"  # UTF-8, cells as shown
    files = [str(tmp_path / "reference.xlsx"), str(tmp_path / "ours.xlsx")]
    subprocess.run(
        ["soffice", profile, "--headless", "--convert-to", to_csv, "--outdir", str(tmp_path / "csv"), *files],
        check=True,
        capture_output=True,
        timeout=180,
    )

    def cells(name):
        with open(tmp_path / "csv" / f"{name}.csv", encoding="utf-8", newline="") as file:
            return list(csv.reader(file))[2:]  # the data rows

    assert cells("ours") == cells("reference") and len(cells("ours")) == len(rows)
