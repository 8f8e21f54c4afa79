"""Writing reports and raw records as CSV (UTF-8 with BOM) and XLSX, with flat memory.

- Aggregated reports are small: they are written from the same `Report` tables the page shows.
- Raw records stream: CSV is produced chunk by chunk from a server-side cursor
  (`.iterator(chunk_size=...)`), or on PostgreSQL by COPY of the same compiled query read
  through a pipe; XLSX reads its rows the same way and writes them with `reports.xlsx` into a
  workbook whose frame XlsxWriter writes (`raw_xlsx`).
"""

import contextlib
import csv
import datetime
import io
import os
import tempfile
import threading
from decimal import Decimal

import xlsxwriter
from django.conf import settings
from django.db import connections
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reports import builder, raw, xlsx
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


def _workbook(output, tmpdir=None, in_memory=False) -> xlsxwriter.Workbook:
    """XlsxWriter in constant-memory mode (each row goes to disk when the next starts), or in
    memory for a frame (`reports.xlsx`); text is always text (never read as a formula, a number
    or a link); dates without time zones."""
    return xlsxwriter.Workbook(
        output,
        {
            "constant_memory": not in_memory,
            "in_memory": in_memory,
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
        yield from copy_blocks(queryset, "FORMAT csv", progress)
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


def copy_blocks(queryset, options: str, progress=None):
    """PostgreSQL's own `COPY (the same SELECT) TO STDOUT WITH (options)`, streamed through a pipe.

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
                cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH ({options})", sink)
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
    """Write the records to `output` (a path or a binary file): typed cells (numbers, real dates
    shown dd/mm/aaaa, text), a title row, a frozen header, landscape printing. Returns the rows.

    `columns` and `queryset` are `raw.raw_export`'s; every cell is selected as the text XLSX
    writes in its XML (`raw.xlsx_cells`), read by COPY on PostgreSQL (`copy_blocks`: the database
    works while Python writes) and through a server-side cursor elsewhere."""
    queryset = raw.xlsx_cells(columns, queryset)
    if connections[queryset.db].vendor == "postgresql":
        records, copy_lines = _copy_lines(queryset, xlsx.COPY_OPTIONS), True
    else:
        records, copy_lines = queryset.iterator(chunk_size=ITERATOR_CHUNK), False
    # Closed at once if writing stops early (a cancel, an error): the COPY thread ends and gives
    # the connection back before anything else uses it.
    with contextlib.closing(records):
        return records_xlsx(columns, records, output, sheet_title, description, progress, tmpdir, copy_lines=copy_lines)


def records_xlsx(
    columns, records, output, sheet_title: str, description: str, progress=None, tmpdir=None, *, copy_lines=False
) -> int:
    """Write `records` (tuples of cell values, or with `copy_lines` lines of COPY's text format:
    `xlsx.DataRows`) as `raw_xlsx` describes. XlsxWriter writes the frame (title, header, formats,
    widths, print set-up, package) and `reports.xlsx` the data rows, spliced into its worksheet
    (see that module). Memory stays flat: the rows go to an unnamed temporary file in `tmpdir`,
    removed whatever happens."""
    buffer = io.BytesIO()
    workbook = _workbook(buffer, in_memory=True)
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
    cells = [
        (xlsx.TEXT, 0) if column.kind == raw.TEXT else (xlsx.NUMBER, formats_by_kind[column.kind]._get_xf_index())
        for column in columns
    ]
    every = settings.EXPORT_PROGRESS_ROWS
    with xlsx.DataRows(cells, after_row=1, tmpdir=tmpdir) as rows:
        write = rows.write_copy_line if copy_lines else rows.write
        count = 0
        for record in records:
            write(record)
            count += 1
            if progress and count % every == 0:
                progress(count)
        if progress:
            progress(count)
        _print_setup(sheet, len(columns), 1 + count)
        workbook.close()
        xlsx.package(buffer.getvalue(), rows, output, last_col=len(columns) - 1)
    return count


def _copy_lines(queryset, options: str):
    """The lines (without their end) of COPY's text output of `queryset`, decoded (`copy_blocks`)."""
    pending = b""
    for block in copy_blocks(queryset, options):
        data = pending + block
        end = data.rfind(b"\n") + 1  # a line end is never inside a UTF-8 character
        pending = data[end:]
        if end:
            yield from data[: end - 1].decode().split("\n")
    if pending:
        raise ValueError("COPY output ended in the middle of a line")


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


def temporary_file():
    """An unnamed temporary file (deleted when closed) for XLSX output."""
    return tempfile.TemporaryFile(suffix=".xlsx")
