"""Writing reports and raw records as CSV (UTF-8 with BOM) and XLSX, with flat memory.

- Aggregated reports are small: they are written from the same `Report` tables the page shows.
- Raw records stream: CSV is produced chunk by chunk from a server-side cursor
  (`.iterator(chunk_size=...)`), or on PostgreSQL by COPY of the same compiled query read
  through a pipe; XLSX is written by openpyxl in write-only mode to a temporary file.
"""

import csv
import datetime
import io
import os
import tempfile
import threading
from decimal import Decimal

from django.db import connections
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports import builder, raw

BOM = "\ufeff"
FORMULA_STARTS = tuple(raw.FORMULA_STARTS)
CSV_CHUNK_ROWS = 2000
ITERATOR_CHUNK = 5000
PIPE_BLOCK = 1 << 18
NUMBER_FORMATS = {
    builder.INT: "#,##0",
    builder.DEC: "#,##0.0",
    builder.PCT: "0.0%",
    raw.DATE: "DD/MM/YYYY",
    raw.INT: "#,##0",
    raw.DEC: "#,##0.0",
}


def neutralise(value):
    """Text a spreadsheet would read as a formula gets an apostrophe in front; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_stamp() -> str:
    return formats.date_format(timezone.localtime(), "d/m/Y H:i")


def file_title(title: str, description: str) -> str:
    return _("%(title)s — %(filters)s — exportado el %(when)s") % {
        "title": title,
        "filters": description,
        "when": export_stamp(),
    }


# --- Aggregated reports -------------------------------------------------------------------------


def _csv_cell(value, kind):
    if value is None:
        return ""
    if kind in (builder.PCT, builder.DEC):
        return f"{Decimal(value):.1f}"
    return neutralise(value) if isinstance(value, str) else value


def report_csv(report: builder.Report) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(file_title(report.title, report.description))])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([neutralise(table.title)])
        writer.writerow([neutralise(c.label) for c in table.columns])
        for row in table.rows:
            writer.writerow([_csv_cell(v, c.kind) for v, c in zip(row.cells, table.columns, strict=True)])
        if table.note:
            writer.writerow([neutralise(table.note)])
    return buffer.getvalue().encode("utf-8")


def _sheet_name(title: str, used: set) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28].strip() or "Hoja"
    base, n = name, 2
    while name in used:
        name = f"{base[:25]} {n}"
        n += 1
    used.add(name)
    return name


def report_xlsx(report: builder.Report, output) -> None:
    """One sheet per table: a title row naming the filters and the export date, a frozen header."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EDE7F3")
    used: set = set()
    title_text = file_title(report.title, report.description)
    for table in report.tables:
        sheet = workbook.create_sheet(_sheet_name(table.title, used))
        sheet.append([neutralise(f"{table.title} — {title_text}")])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([neutralise(c.label) for c in table.columns])
        for cell in sheet[2]:
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            values = []
            for value, column in zip(row.cells, table.columns, strict=True):
                if column.kind == builder.PCT and value is not None:
                    value = Decimal(value) / 100
                values.append(neutralise(value) if isinstance(value, str) else value)
            sheet.append(values)
            excel_row = sheet.max_row
            for index, column in enumerate(table.columns, start=1):
                cell = sheet.cell(row=excel_row, column=index)
                if column.kind in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[column.kind]
                if row.style:
                    cell.font = bold
        if table.note:
            sheet.append([])
            sheet.append([neutralise(table.note)])
        sheet.freeze_panes = "B3"
        for index, column in enumerate(table.columns, start=1):
            width = 28 if column.kind == builder.TEXT else 16
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.row_dimensions[2].height = 45
        # Printing: landscape, as wide as one page.
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_area = f"A1:{get_column_letter(len(table.columns))}{sheet.max_row}"
        sheet.print_title_rows = "2:2"
    workbook.save(output)


# --- Raw records ----------------------------------------------------------------------------------


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def raw_csv_chunks(columns, queryset, progress=None):
    """CSV bytes in chunks (first the BOM and the header), using COPY on PostgreSQL."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.header for c in columns])
    yield (BOM + buffer.getvalue()).encode("utf-8")
    if connections[queryset.db].vendor == "postgresql":
        yield from _copy_chunks(queryset, progress)
        return
    buffer.seek(0)
    buffer.truncate()
    count = 0
    for row in queryset.iterator(chunk_size=ITERATOR_CHUNK):
        writer.writerow([_csv_value(v) for v in row])
        count += 1
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            if progress:
                progress(count)
    yield buffer.getvalue().encode("utf-8")
    if progress:
        progress(count)


def _copy_chunks(queryset, progress=None):
    """PostgreSQL's own `COPY (the same SELECT) TO STDOUT`, streamed through a pipe.

    The SELECT is Django's compiled SQL of the very queryset the other formats use (scoping,
    filters, labels and formula neutralisation included). A thread runs COPY on the request's
    database connection and writes into an OS pipe; this generator reads the pipe in blocks, so
    memory holds one block whatever the size. The request thread does not touch the connection
    while the COPY runs. If the reader stops early (the client went away), the pipe breaks, the
    COPY fails in its thread and the connection is closed so that no half-read COPY is reused.
    """
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        sql, params = queryset.query.sql_with_params()
        statement = cursor.cursor.mogrify(sql, params).decode()
    raw_connection = connection.connection
    read_fd, write_fd = os.pipe()
    errors: list[BaseException] = []

    def produce():
        try:
            with os.fdopen(write_fd, "wb", buffering=PIPE_BLOCK) as sink, raw_connection.cursor() as cursor:
                cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", sink)
        except BaseException as error:  # reported to the reader below
            errors.append(error)

    thread = threading.Thread(target=produce, name="reports-copy", daemon=True)
    thread.start()
    finished = False
    count = 0
    try:
        with os.fdopen(read_fd, "rb", buffering=0) as source:
            while block := source.read(PIPE_BLOCK):
                yield block
                if progress:
                    count += block.count(b"\n")
                    progress(count)
        finished = True
    finally:
        thread.join()
        if not finished or errors:
            connection.close()
    if errors:
        raise errors[0]


def raw_xlsx(columns, queryset, output, sheet_title: str, description: str, progress=None) -> int:
    """Write the records to `output` with openpyxl's write-only mode (rows go straight to disk)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(sheet_title, set()))
    sheet.freeze_panes = "A3"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 14 if column.kind != raw.TEXT else 24
    title = WriteOnlyCell(sheet, value=neutralise(file_title(sheet_title, description)))
    title.font = Font(bold=True, size=12)
    sheet.append([title])
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    formatted = [(i, NUMBER_FORMATS[c.kind]) for i, c in enumerate(columns) if c.kind in (raw.DATE, raw.DEC)]
    count = 0
    for row in queryset.iterator(chunk_size=ITERATOR_CHUNK):
        values = list(row)
        for index, number_format in formatted:
            if values[index] is not None:
                cell = WriteOnlyCell(sheet, value=values[index])
                cell.number_format = number_format
                values[index] = cell
        sheet.append(values)
        count += 1
        if progress and count % CSV_CHUNK_ROWS == 0:
            progress(count)
    if progress:
        progress(count)
    workbook.save(output)
    return count


def temporary_file():
    """An unnamed temporary file (deleted when closed) for XLSX output."""
    return tempfile.TemporaryFile(suffix=".xlsx")
