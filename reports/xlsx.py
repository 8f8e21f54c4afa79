"""Raw records as XLSX at spreadsheet speed: XlsxWriter writes the workbook's frame, the data rows
are written as worksheet XML by `DataRows` and spliced into it by `package` while it is zipped.

Why not XlsxWriter's cell API for the rows: it costs about 10 µs a cell in Python (argument,
type and dimension checks, XML escaping, a file write per cell), i.e. 5,000 rows/s for 20 columns.
Here a row costs one template fill, one check of all its text at once and one string written.

How a file is made (`reports.exports.raw_xlsx` and `records_xlsx` drive it):

1. The database sends every cell as the text that goes into the XML (`reports.raw.xlsx_cells`):
   numbers as their digits, dates as Excel serial day numbers (`ExcelSerial`, the SQL twin of
   `excel_serial`), text as it is. On PostgreSQL the rows come by COPY (text format) through a
   pipe, as the CSV export's do, so the database works while Python writes.
2. `DataRows` turns each row into `<row>` XML with inline strings (what XlsxWriter itself writes
   in constant-memory mode) into an unnamed temporary file, deleted whatever happens.
   - Fast path: the row's values, joined, are checked at once; if no text needs escaping, a
     `xml:space="preserve"`, a `_xHHHH_` escape or a cut to Excel's length limit, the row is a
     copy of a template (one per pattern of empty cells) with the row number and values filled in.
   - Careful path, for any other row: cell by cell with XlsxWriter's own rules (`_text_cell`).
3. XlsxWriter writes the frame in memory: the title row, the header, the number formats, column
   widths, frozen panes, print set-up, styles and package parts, knowing the last row.
4. The frame's parts are copied into the output zip; in the worksheet the data rows go right
   before `</sheetData>` and `<dimension>` gets the last row. Deflate level 1 (`ZIP_LEVEL`): the
   sheet XML is about 1 KB a row, and level 1 compresses it 2.5 times faster than zlib's default
   for a file about a fifth larger.

The one XlsxWriter internal used is `Format._get_xf_index()` (the style number a cell's `s="…"`
names); tests/reports/test_xlsx.py reads files back with openpyxl against cells written through
XlsxWriter's API, so a change in the pinned XlsxWriter shows there.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import tempfile
import zipfile
from decimal import Decimal

from django.db.models import Func, IntegerField
from xlsxwriter.utility import xl_col_to_name

ZIP_LEVEL = 1
COPY_BLOCK = 1 << 20
WRITE_BATCH_ROWS = 500
SHEET_PART = "xl/worksheets/sheet1.xml"
MAX_TEXT_UTF16 = 32767  # Excel's limit for a cell's text, in UTF-16 code units
PLAIN_MAX_CHARS = MAX_TEXT_UTF16 // 2  # a row this short cannot hold a text over the limit
ZIP64_NEEDED_ABOVE = (1 << 31) - 1  # zipfile's ZIP64_LIMIT, with its own 5 % margin below: ZIP64 only when needed

# --- Dates as Excel serial day numbers -----------------------------------------------------------

SERIAL_EPOCH = datetime.date(1899, 12, 30)
FIRST_TRUE_SERIAL_DATE = datetime.date(1900, 3, 1)


def excel_serial(value: datetime.date) -> int:
    """Excel's serial day number of a date (1900 date system), as XlsxWriter computes it.

    Excel counts 1900-01-01 as day 1 and takes 1900 for a leap year (day 60 is a 29/02/1900 that
    never was), so from 01/03/1900 on the serial is the days since 30/12/1899 and before it the
    days since 31/12/1899. Dates before 1900 give numbers below 1, as XlsxWriter writes them."""
    days = value.toordinal() - SERIAL_EPOCH.toordinal()
    return days if value >= FIRST_TRUE_SERIAL_DATE else days - 1


class ExcelSerial(Func):
    """`excel_serial` in SQL (PostgreSQL and SQLite): the serial day number of a date column."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            days = f"(({sql}) - DATE '{SERIAL_EPOCH.isoformat()}')"
            first = f"DATE '{FIRST_TRUE_SERIAL_DATE.isoformat()}'"
        elif connection.vendor == "sqlite":  # dates are stored as 'YYYY-MM-DD' text
            days = f"CAST(julianday({sql}) - julianday('{SERIAL_EPOCH.isoformat()}') AS INTEGER)"
            first = f"'{FIRST_TRUE_SERIAL_DATE.isoformat()}'"
        else:  # pragma: no cover - the project runs on PostgreSQL and SQLite
            raise NotImplementedError(connection.vendor)
        return f"({days} - CASE WHEN ({sql}) < {first} THEN 1 ELSE 0 END)", (*params, *params)


# --- Data rows as worksheet XML ------------------------------------------------------------------

# A row's values are joined by SEPARATOR (on PostgreSQL, COPY's text format joins them with it
# already) and checked at once. The row takes the fast path (a template filled in) only when the
# joined string is printable (no control character, no whitespace but the plain space, no
# U+FFFE/U+FFFF: str.isprintable), holds no "_x" (a text like "_x0041_" is escaped as XlsxWriter
# does), no value starts or ends with a space (xml:space="preserve"), nothing is longer than Excel
# allows, and the separator occurs only between values; & < > are escaped on the joined string.
# Any other row is written cell by cell with XlsxWriter's rules (`_text_cell`): same file, more time.
SEPARATOR = "|"
COPY_OPTIONS = "FORMAT text, DELIMITER '|'"  # NULL is \N; \\ \b \f \n \r \t \v \| are escapes
COPY_NULL = "\\N"
COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
COPY_TOKEN = re.compile(r"\\(.)|\|", re.DOTALL)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")
ESCAPED_LOOKALIKE = re.compile("(_x[0-9a-fA-F]{4}_)")
TEXT, NUMBER = "t", "n"
SPACE_BEFORE, SPACE_AFTER = " " + SEPARATOR, SEPARATOR + " "


def _plain(joined: str) -> bool:
    """Whether the row whose values are `joined` by SEPARATOR can be written from its template,
    & < > escaped (the caller knows that SEPARATOR occurs only between values)."""
    return (
        joined.isprintable()
        and ("_" not in joined or "_x" not in joined)
        and len(joined) <= PLAIN_MAX_CHARS
        and joined[:1] != " "
        and joined[-1:] != " "
        and SPACE_BEFORE not in joined
        and SPACE_AFTER not in joined
    )


def copy_fields(line: str) -> list:
    """The values of one line of COPY's text format (`COPY_OPTIONS`): None for NULL, escapes undone."""
    fields = line.split(SEPARATOR)
    if "\\" not in line:
        return fields
    if line.count("\\") == fields.count(COPY_NULL):  # backslashes only in NULLs
        return [None if field == COPY_NULL else field for field in fields]
    fields, parts, start, position = [], [], 0, 0
    for match in COPY_TOKEN.finditer(line):
        parts.append(line[position : match.start()])
        position = match.end()
        if match.group(1) is not None:
            parts.append(COPY_ESCAPES.get(match.group(1), match.group(1)))
            continue
        fields.append(None if line[start : match.start()] == COPY_NULL else "".join(parts))
        parts, start = [], position
    parts.append(line[position:])
    fields.append(None if line[start:] == COPY_NULL else "".join(parts))
    return fields


class DataRows:
    """Data rows as worksheet XML (`<row r="…"><c r="…" …>…</c>…</row>`), written into an unnamed
    temporary file in `tmpdir` (gone when closed, or when the process dies) for `package` to splice
    into the frame. Use as a context manager.

    `cells` is one (kind, style index) per column: TEXT cells are inline strings, NUMBER cells
    (numbers and dates) numbers with that style. Rows start after the 0-based row `after_row`.
    `write(values)` takes one value per column: None (an empty cell), or the cell's text as
    `reports.raw.xlsx_cells` selects it (the fast path); other Python values (int, Decimal,
    date…) are written too, cell by cell. `write_copy_line(line)` takes a line of COPY's text format."""

    def __init__(self, cells, *, after_row: int, tmpdir=None):
        self.cells = [(xl_col_to_name(i), kind, style) for i, (kind, style) in enumerate(cells)]
        self.first_number = after_row + 2  # 1-based number of the first data row
        self.last_number = after_row + 1  # 1-based number of the last row written so far
        self.file = tempfile.TemporaryFile(dir=tmpdir)  # noqa: SIM115 - closed by __exit__
        self.batch: list[str] = []
        self.careful_rows = 0  # rows written cell by cell (tests check that plain rows are not)
        self.templates: dict[tuple, tuple[list, int]] = {}
        self.full = self._template((True,) * len(self.cells))

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()

    @property
    def count(self) -> int:
        return self.last_number - self.first_number + 1

    def _template(self, present: tuple) -> tuple[list, int]:
        """The row's XML in parts: ['<row r="', N, '">', then 5 parts a cell: '<c r="A', N,
        '" …>', VALUE, '</…></c>', then '</row>'], N and VALUE left empty to be filled in."""
        parts = ['<row r="', "", '">']
        for (letter, kind, style), here in zip(self.cells, present, strict=True):
            if not here:
                continue
            if kind == TEXT:
                parts += [f'<c r="{letter}', "", '" t="inlineStr"><is><t>', "", "</t></is></c>"]
            else:
                parts += [f'<c r="{letter}', "", f'" s="{style}"><v>', "", "</v></c>"]
        parts.append("</row>")
        template = (parts, sum(present))
        self.templates[present] = template
        return template

    def write_copy_line(self, line: str) -> None:
        if "\\" in line:  # a NULL or an escape: the values are not the line's fields as they are
            self.write(copy_fields(line))
            return
        parts, cells = self.full
        self._add(parts, cells, line.split(SEPARATOR), line)

    def write(self, values) -> None:
        if None in values:
            present = tuple([value is not None for value in values])
            parts, cells = self.templates.get(present) or self._template(present)
            values = [value for value in values if value is not None]
        else:
            parts, cells = self.full
        try:
            joined = SEPARATOR.join(values)
        except TypeError:  # a value that is not text yet
            joined = None
        if joined is not None and joined.count(SEPARATOR) != cells - 1:  # a value holds SEPARATOR
            joined = None
        self._add(parts, cells, values, joined)

    def _add(self, parts: list, cells: int, values, joined: str | None) -> None:
        """Add the row of `values` (the present ones, `joined` by SEPARATOR if they may be written
        as they are: None sends the row the careful way)."""
        self.last_number += 1
        number = str(self.last_number)
        if joined is not None and len(values) == cells and _plain(joined):
            if "&" in joined or "<" in joined or ">" in joined:  # escaped in one go, then split again
                values = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split(SEPARATOR)
            parts = parts.copy()
            parts[1] = number
            parts[4:-1:5] = [number] * cells
            parts[6:-1:5] = values
            self.batch.append("".join(parts))
        else:
            self.careful_rows += 1
            self.batch.append(self._careful(number, values, parts))
        if len(self.batch) >= WRITE_BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        self.file.write("".join(self.batch).encode())
        self.batch.clear()

    def _careful(self, number: str, values, parts: list) -> str:
        """The row cell by cell with XlsxWriter's rules (`values`: the present ones, in the order
        of the template's cells)."""
        out = [f'<row r="{number}">']
        for index, value in enumerate(values):
            ref = parts[3 + 5 * index][len('<c r="') :] + number
            opening = parts[5 + 5 * index]
            if opening.startswith('" t="inlineStr"'):
                out.append(_text_cell(ref, value if isinstance(value, str) else str(value)))
            else:
                out.append(f'<c r="{ref}{opening}{_number_text(value)}</v></c>')
        out.append("</row>")
        return "".join(out)


def _text_cell(ref: str, text: str) -> str:
    """An inline-string cell as XlsxWriter writes one (Worksheet._write_cell in constant-memory
    mode): cut to Excel's limit, control characters as _xHHHH_ (and a literal _xHHHH_ escaped as
    _x005F_xHHHH_), & < > escaped, xml:space="preserve" when it starts or ends with whitespace.
    Unlike XlsxWriter, a text "<r>…</r>" stays text (XlsxWriter would take it for rich-text XML)."""
    if len(text) > PLAIN_MAX_CHARS:
        text = text.encode("utf-16-le", "surrogatepass")[: 2 * MAX_TEXT_UTF16].decode("utf-16-le", "ignore")
    if "_x" in text:
        text = ESCAPED_LOOKALIKE.sub(r"_x005F\1", text)
    if not text.isprintable():  # control characters (and U+FFFE/U+FFFF) are not
        text = CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    preserve = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


def _number_text(value) -> str:
    """A number cell's value: the database's digits as they come, else as XlsxWriter writes one."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        raise TypeError("raw exports have dates, not date-times")
    if isinstance(value, datetime.date):
        return str(excel_serial(value))
    if isinstance(value, int | float | Decimal):
        return f"{value:.16G}"
    raise TypeError(f"not a number: {value!r}")


# --- The package ---------------------------------------------------------------------------------


def package(frame: bytes, rows: DataRows, output, last_col: int) -> None:
    """Write the XLSX package `frame` (XlsxWriter's, with its title and header rows) to `output`
    with the data `rows` inserted into its worksheet, and the sheet's dimension set to match."""
    rows.flush()
    rows_size = rows.file.seek(0, io.SEEK_END)
    rows.file.seek(0)
    with (
        zipfile.ZipFile(io.BytesIO(frame)) as source,
        zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename != SHEET_PART:
                part = zipfile.ZipInfo(info.filename, info.date_time)
                part.external_attr = info.external_attr
                target.writestr(part, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)
                continue
            head, tail = _split_sheet(data.decode(), rows.last_number, last_col)
            head, tail = head.encode(), tail.encode()
            size = len(head) + rows_size + len(tail)
            with target.open(SHEET_PART, "w", force_zip64=size * 1.05 > ZIP64_NEEDED_ABOVE) as sheet:
                sheet.write(head)
                shutil.copyfileobj(rows.file, sheet, COPY_BLOCK)
                sheet.write(tail)


DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def _split_sheet(xml: str, last_row: int, last_col: int) -> tuple[str, str]:
    """The worksheet XML before and after where the data rows go (right before `</sheetData>`),
    with `<dimension>` covering A1 to the last column and row."""
    xml, replaced = DIMENSION.subn(f'<dimension ref="A1:{xl_col_to_name(last_col)}{last_row}"/>', xml, count=1)
    head, found, tail = xml.partition("</sheetData>")
    if replaced != 1 or not found:
        raise ValueError("unexpected worksheet XML from XlsxWriter")
    return head, found + tail
