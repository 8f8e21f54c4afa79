"""Writing reports and raw records as CSV (UTF-8 with BOM) and XLSX, with flat memory.

- Aggregated reports are small: they are written from the same `Report` tables the page shows.
- Raw records stream: CSV is produced chunk by chunk from a server-side cursor
  (`.iterator(chunk_size=...)`), or on PostgreSQL by COPY of the same compiled query read
  through a pipe; XLSX is written by XlsxWriter in constant-memory mode to a file.
"""

import contextlib
import csv
import datetime
import io
import os
import re
import tempfile
import threading
from decimal import Decimal

import xlsxwriter
from django.conf import settings
from django.db import connections
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

from reports import builder, raw
from reports.sheets import sheet_name

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
    """reports.sheets.sheet_name (≤ 31 characters, cut at a word, unique), remembering it as used."""
    name = sheet_name(title, used)
    used.add(name)
    return name


def _workbook(output, tmpdir=None) -> xlsxwriter.Workbook:
    """XlsxWriter in constant-memory mode (each row goes to disk when the next starts); text is
    always text (never read as a formula, a number or a link); dates without time zones."""
    return xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,
            "tmpdir": str(tmpdir) if tmpdir else tempfile.gettempdir(),
        },
    )


def _print_setup(sheet, columns: int, last_row: int) -> None:
    """Landscape, as wide as one page, the header repeated on every page."""
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.print_area(0, 0, max(last_row, 1), max(columns - 1, 0))
    sheet.repeat_rows(1)


def report_xlsx(report: builder.Report, output, tmpdir=None) -> None:
    """One sheet per table: a title row naming the filters and the export date, a frozen header."""
    workbook = _workbook(output, tmpdir)
    try:
        _report_sheets(workbook, report)
        workbook.close()
    except BaseException:
        _discard(workbook)
        raise


def _report_sheets(workbook, report: builder.Report) -> None:
    title_format = workbook.add_format({"bold": True, "font_size": 12})
    header_format = workbook.add_format({"bold": True, "bg_color": "#EDE7F3", "text_wrap": True, "valign": "top"})
    bold = workbook.add_format({"bold": True})
    cell_formats = {}
    for kind, number_format in NUMBER_FORMATS.items():
        cell_formats[(kind, False)] = workbook.add_format({"num_format": number_format})
        cell_formats[(kind, True)] = workbook.add_format({"num_format": number_format, "bold": True})
    used: set = set()
    title_text = file_title(report.title, report.description)
    for table in report.tables:
        sheet = workbook.add_worksheet(_sheet_name(table.title, used))
        for index, column in enumerate(table.columns):
            sheet.set_column(index, index, 28 if column.kind == builder.TEXT else 16)
        sheet.freeze_panes(2, 1)  # "B3": title and header rows, first column
        sheet.write_string(0, 0, neutralise(f"{table.title} — {title_text}"), title_format)
        sheet.set_row(1, 45)
        for index, column in enumerate(table.columns):
            sheet.write_string(1, index, neutralise(str(column.label)), header_format)
        excel_row = 2
        for row in table.rows:
            for index, (value, column) in enumerate(zip(row.cells, table.columns, strict=True)):
                if value is None:
                    continue
                if column.kind == builder.PCT:
                    value = Decimal(value) / 100
                cell_format = cell_formats.get((column.kind, bool(row.style))) or (bold if row.style else None)
                if isinstance(value, int | float | Decimal):
                    sheet.write_number(excel_row, index, value, cell_format)
                elif isinstance(value, datetime.date):
                    sheet.write_datetime(excel_row, index, value, cell_format)
                else:
                    sheet.write_string(excel_row, index, neutralise(str(value)), cell_format)
            excel_row += 1
        if table.note:
            excel_row += 1
            sheet.write_string(excel_row, 0, neutralise(str(table.note)))
            excel_row += 1
        _print_setup(sheet, len(table.columns), excel_row - 1)


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


def raw_xlsx(columns, queryset, output, sheet_title: str, description: str, progress=None, tmpdir=None) -> int:
    """Write the records to `output` with XlsxWriter in constant-memory mode: typed cells (numbers,
    real dates shown dd/mm/aaaa, text), a title row, a frozen header, landscape printing.

    The title and header go through XlsxWriter's API; the data rows, the bulk of the file, are
    written by `_FastRows` straight into the worksheet's row file as XlsxWriter itself would
    write them in constant-memory mode (same XML, escapes and styles), one string per row: the
    per-cell API costs about ten times more. If writing fails, XlsxWriter's temporary row files
    are removed (`_discard`)."""
    workbook = _workbook(output, tmpdir)
    try:
        sheet = workbook.add_worksheet(_sheet_name(sheet_title, set()))
        title_format = workbook.add_format({"bold": True, "font_size": 12})
        header_format = workbook.add_format({"bold": True})
        formats_by_kind = {kind: workbook.add_format({"num_format": f}) for kind, f in NUMBER_FORMATS.items()}
        for index, column in enumerate(columns):
            sheet.set_column(index, index, 14 if column.kind != raw.TEXT else 24)
        sheet.freeze_panes(2, 0)  # "A3"
        sheet.write_string(0, 0, neutralise(file_title(sheet_title, description)), title_format)
        for index, column in enumerate(columns):
            sheet.write_string(1, index, str(column.header), header_format)
        rows = _FastRows(sheet, columns, formats_by_kind, first_row=2)
        count = 0
        every = settings.EXPORT_PROGRESS_ROWS
        write = rows.write
        for row in queryset.iterator(chunk_size=ITERATOR_CHUNK):
            write(row)
            count += 1
            if progress and count % every == 0:
                progress(count)
        rows.finish()
        if progress:
            progress(count)
        _print_setup(sheet, len(columns), 1 + count)
        workbook.close()
    except BaseException:
        _discard(workbook)
        raise
    return count


def _discard(workbook) -> None:
    """Remove the temporary row files of an unfinished constant-memory workbook."""
    for sheet in workbook.worksheets():
        fh = getattr(sheet, "row_data_fh", None)
        if fh is not None and not fh.closed:
            fh.close()
        name = getattr(sheet, "row_data_filename", None)
        if name:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)


EXCEL_EPOCH = datetime.date(1899, 12, 30).toordinal()
EXCEL_FIRST_TRUE_DATE = datetime.date(1900, 3, 1)  # before it, Excel's 1900 leap-year bug applies
TEXT_NEEDS_CARE = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_|^\s|\s$")
MAX_TEXT = 32767


class _FastRows:
    """Data rows written as XlsxWriter writes them in constant-memory mode (`Worksheet._write_cell`:
    inline strings, numbers with their style index), one string per row into the worksheet's row
    file. Relies on XlsxWriter internals (`fh`, `previous_row`, dimensions) of the pinned version;
    tests/reports/test_exports.py opens the result with openpyxl to check types and formats."""

    def __init__(self, sheet, columns, formats_by_kind, first_row: int):
        sheet._write_single_row(first_row)  # flush the header row; data starts at `first_row`
        self.sheet = sheet
        self.fh = sheet.fh
        self.row = first_row
        self.cells = []
        for index, column in enumerate(columns):
            letter = xl_col_to_name(index)
            if column.kind == raw.DATE:
                self.cells.append(("d", letter, formats_by_kind[raw.DATE]._get_xf_index()))
            elif column.kind in (raw.INT, raw.DEC):
                self.cells.append(("n", letter, formats_by_kind[column.kind]._get_xf_index()))
            else:
                self.cells.append(("t", letter, 0))
        self.last_col = len(columns) - 1

    def write(self, values) -> None:
        number = self.row + 1
        parts = [f'<row r="{number}">']
        append = parts.append
        for (kind, letter, style), value in zip(self.cells, values, strict=True):
            if value is None:
                continue
            if kind == "t":
                append(self._text(f"{letter}{number}", value if isinstance(value, str) else str(value)))
            elif kind == "n":
                append(f'<c r="{letter}{number}" s="{style}"><v>{value:.16G}</v></c>')
            else:
                append(f'<c r="{letter}{number}" s="{style}"><v>{self._serial(value)}</v></c>')
        append("</row>")
        self.fh.write("".join(parts))
        self.row += 1

    def _text(self, ref: str, text: str) -> str:
        if len(text) > MAX_TEXT // 2:
            text = text[: MAX_TEXT // 2]
        if TEXT_NEEDS_CARE.search(text):
            text = self.sheet._escape_control_characters(text)
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if text[:1].isspace() or text[-1:].isspace():
                return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    def _serial(self, value):
        if type(value) is datetime.date and value >= EXCEL_FIRST_TRUE_DATE:
            return value.toordinal() - EXCEL_EPOCH
        return f"{self.sheet._convert_date_time(value):.16G}"

    def finish(self) -> None:
        """Tell the worksheet where the data ended (its dimension and next row)."""
        sheet = self.sheet
        if self.row > sheet.previous_row:
            sheet.dim_rowmax = max(sheet.dim_rowmax or 0, self.row - 1)
            sheet.dim_colmax = max(sheet.dim_colmax or 0, self.last_col)
        sheet.previous_row = self.row


def temporary_file():
    """An unnamed temporary file (deleted when closed) for XLSX output."""
    return tempfile.TemporaryFile(suffix=".xlsx")
