"""Sign-in sheet import: CSV / XLSX / pasted TSV -> checked rows -> preview -> one transaction.

The file is parsed once; the preview keeps only the normalised rows (plain dicts) in the user's
session, keyed by workshop, so confirming needs no re-upload and nothing of the file is stored.
Confirming re-classifies every row against the database (things may have changed since the
preview) and writes all of them in one transaction, or nothing.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.text import normalize_name
from core.validators import normalize_dui, validate_dui
from indicators.disaggregation import AgeGroup, Sex, age_group_for_age
from workshops import people
from workshops.models import Attendance, AttendanceMethod, Participant

# Column headers of the sign-in sheet and the import, in order (the sheet prints these).
COLUMNS = [
    ("first_names", "Nombres"),
    ("last_names", "Apellidos"),
    ("sex", "Sexo"),
    ("age_group", "Grupo de edad"),
    ("institution", "Institución"),
    ("dui", "DUI"),
    ("position", "Cargo"),
    ("phone", "Teléfono"),
    ("email", "Correo"),
    ("consent", "Consiente"),
]
REQUIRED = ("first_names", "last_names", "sex", "age_group")
HEADER_ALIASES = {
    "nombres": "first_names",
    "nombre": "first_names",
    "apellidos": "last_names",
    "apellido": "last_names",
    "sexo": "sex",
    "grupo de edad": "age_group",
    "edad": "age_group",
    "institucion": "institution",
    "dui": "dui",
    "cargo": "position",
    "telefono": "phone",
    "correo": "email",
    "correo electronico": "email",
    "consiente": "consent",
    "consentimiento": "consent",
}
SEX_VALUES = {
    "mujer": Sex.FEMALE,
    "f": Sex.FEMALE,
    "femenino": Sex.FEMALE,
    "hombre": Sex.MALE,
    "h": Sex.MALE,
    "masculino": Sex.MALE,
    "no registrado": Sex.UNKNOWN,
}
YES = {"si", "s", "x", "1", "yes"}
MAX_ROWS = 1000
XLSX_MAX_ENTRIES = 200
XLSX_MAX_UNCOMPRESSED = 20 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@")
PHONE = re.compile(r"^\+\d[\d\s-]*$")
# Magic numbers of types we refuse outright (clearer message than "could not read").
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0", b"MZ", b"\x1f\x8b", b"Rar!")


# --- Reading files ---------------------------------------------------------------------------


def read_upload(data: bytes) -> list[list[str]]:
    """The cells of an uploaded file (first sheet for XLSX), type decided by content."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise DomainError(
            "too_large",
            _("El archivo supera el tamaño máximo de %(kb)s KB.") % {"kb": settings.IMPORT_MAX_BYTES // 1024},
        )
    if not data.strip():
        raise DomainError("empty", _("El archivo está vacío."))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(BINARY_MAGIC) or b"\x00" in data[:4096]:
        raise DomainError("wrong_type", _("El archivo no es CSV ni XLSX. Guarde la hoja como CSV o XLSX."))
    return read_text(_decode(data))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows (Latin-1 superset)


def read_text(text: str) -> list[list[str]]:
    """CSV text with comma, semicolon or tab separators (pasted spreadsheet rows use tabs)."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max(("\t", ";", ","), key=first.count)
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in row)]


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise DomainError("wrong_type", _("El archivo XLSX está dañado o no es un XLSX.")) from exc
    # Zip bombs: decide from the central directory, before any XML is decompressed or parsed.
    if len(infos) > XLSX_MAX_ENTRIES or sum(i.file_size for i in infos) > XLSX_MAX_UNCOMPRESSED:
        raise DomainError("xlsx_too_big", _("El archivo XLSX es demasiado grande una vez descomprimido."))
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise DomainError("wrong_type", _("El archivo no es un libro de Excel (XLSX)."))
    from openpyxl import DEFUSEDXML, load_workbook

    # openpyxl parses through defusedxml (entities, external references refused) when it is
    # installed and OPENPYXL_DEFUSEDXML is not "False": never parse uploads otherwise.
    if not DEFUSEDXML:
        raise DomainError("unsafe_parser", _("La importación de XLSX no está disponible en este servidor."))

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2):
            cells = ["" if v is None else str(v) for v in values]
            if any(c.strip() for c in cells):
                rows.append(cells)
        workbook.close()
    except DomainError:
        raise
    except Exception as exc:  # malformed XML, defusedxml refusing entities, …
        raise DomainError("unreadable", _("No se pudo leer el archivo XLSX.")) from exc
    return rows


# --- Checking rows ---------------------------------------------------------------------------


def _map_headers(header: list[str]) -> dict[str, int]:
    mapping = {}
    for index, title in enumerate(header):
        key = HEADER_ALIASES.get(normalize_name(title).rstrip(":*"))
        if key and key not in mapping:
            mapping[key] = index
    missing = [label for key, label in COLUMNS if key in REQUIRED and key not in mapping]
    if missing:
        raise DomainError(
            "missing_columns",
            _("Faltan columnas obligatorias: %(cols)s. La primera fila debe tener los encabezados de la hoja.")
            % {"cols": ", ".join(missing)},
        )
    return mapping


def _age_group(value: str) -> str | None:
    raw = normalize_name(value).replace("–", "-").replace(" a ", "-").replace(" anos", "").replace(" ", "")
    if raw.isdigit():
        return age_group_for_age(int(raw))
    for group in AgeGroup:
        if raw == group.value.lower() or raw == normalize_name(str(group.label)).replace(" ", "").replace("–", "-"):
            return group.value
    if raw in ("60omas", "60+anos", "60ymas"):
        return AgeGroup.SENIOR
    return None


def parse_rows(cells: list[list[str]]) -> list[dict]:
    """Header row + data rows -> one dict per row with normalised values and `errors`."""
    if len(cells) < 2:
        raise DomainError("no_rows", _("El archivo solo tiene encabezados o está vacío: no hay personas."))
    if len(cells) - 1 > MAX_ROWS:
        raise DomainError("too_many_rows", _("El archivo tiene más de %(n)s filas.") % {"n": MAX_ROWS})
    mapping = _map_headers(cells[0])
    rows = []
    for number, raw in enumerate(cells[1:], start=2):
        values = {key: (raw[i].strip() if i < len(raw) else "") for key, i in mapping.items()}
        errors = []
        for key, value in values.items():
            if value.startswith(FORMULA_START) and not (key == "phone" and PHONE.match(value)):
                errors.append(
                    _("La celda «%(v)s» empieza como una fórmula (=, +, -, @); quite ese signo.") % {"v": value[:30]}
                )
        row = {key: values.get(key, "") for key, _label in COLUMNS}
        row["line"] = number
        for key in REQUIRED:
            if not row[key]:
                errors.append(_("Falta «%(col)s».") % {"col": dict(COLUMNS)[key]})
        if row["sex"]:
            sex = SEX_VALUES.get(normalize_name(row["sex"]))
            if sex is None:
                errors.append(_("Sexo «%(v)s» no reconocido (use Mujer u Hombre).") % {"v": row["sex"]})
            row["sex"] = sex or ""
        if row["age_group"]:
            group = _age_group(row["age_group"])
            if group is None:
                errors.append(
                    _("Grupo de edad «%(v)s» no reconocido (use 0-11, 12-17, 18-29, 30-59, 60+ o la edad).")
                    % {"v": row["age_group"]}
                )
            row["age_group"] = group or ""
        if row["dui"]:
            row["dui"] = normalize_dui(row["dui"])
            try:
                validate_dui(row["dui"])
            except ValidationError as exc:
                errors.extend(exc.messages)
        if row["email"]:
            try:
                validate_email(row["email"])
            except ValidationError:
                errors.append(_("Correo «%(v)s» no válido.") % {"v": row["email"][:60]})
        if len(row["first_names"]) > 100 or len(row["last_names"]) > 100:
            errors.append(_("Nombre o apellido demasiado largo."))
        row["consent"] = normalize_name(row["consent"]) in YES
        row["sex_label"] = str(Sex(row["sex"]).label) if row["sex"] else ""
        row["age_label"] = str(AgeGroup(row["age_group"]).label) if row["age_group"] else ""
        row["errors"] = [str(e) for e in errors]
        rows.append(row)
    return rows


def classify(*, rows: list[dict], workshop, user) -> list[dict]:
    """Mark each row new / existing / attending / error. Runs the same checks at preview and confirm."""
    duis = {r["dui"] for r in rows if r["dui"] and not r["errors"]}
    by_dui = {p.dui: p for p in Participant.objects.filter(dui__in=duis)}
    keys = {normalize_name(f"{r['first_names']} {r['last_names']}") for r in rows if not r["errors"]}
    by_name: dict[str, list[Participant]] = {}
    for p in Participant.objects.visible_to(user).filter(search_name__in=keys).select_related("institution"):
        by_name.setdefault(p.search_name, []).append(p)
    attending = set(Attendance.objects.filter(workshop=workshop).values_list("participant_id", flat=True))
    seen: set[str] = set()
    for row in rows:
        row.pop("participant_id", None)
        if row["errors"]:
            row["status"] = "error"
            continue
        key = normalize_name(f"{row['first_names']} {row['last_names']}")
        ident = row["dui"] or f"{key}|{normalize_name(row['institution'])}"
        if ident in seen:
            row["status"], row["errors"] = "error", [_("Fila repetida en el archivo.")]
            continue
        seen.add(ident)
        match = by_dui.get(row["dui"]) if row["dui"] else None
        if match is None:
            inst = normalize_name(row["institution"])
            same = [
                p
                for p in by_name.get(key, [])
                if not p.dui or not row["dui"]
                if (p.institution.search_name if p.institution_id else "") == inst
            ]
            match = same[0] if same else None
        if match is None:
            row["status"] = "new"
        else:
            row["participant_id"] = match.pk
            row["existing_name"] = match.full_name
            row["status"] = "attending" if match.pk in attending else "existing"
    return rows


def summary(rows: list[dict]) -> dict:
    counts = {"new": 0, "existing": 0, "attending": 0, "error": 0}
    for row in rows:
        counts[row["status"]] += 1
    return counts


@transaction.atomic
def confirm_import(*, workshop, rows: list[dict], user, method: str = AttendanceMethod.IMPORT) -> dict:
    """Write every row, or none: any error (found again now, or raised by the database) rolls back.

    The rows are matched against the database once for the whole file (`classify`: one lookup by
    DUI, one by name, one of who already attends), then written in bulk with their history
    (`people.import_attendance`): the query count does not grow with the number of rows.
    """
    rows = classify(rows=[{**r, "errors": list(r["errors"])} for r in rows], workshop=workshop, user=user)
    counts = summary(rows)
    if counts["error"]:
        raise DomainError("rows_with_errors", _("Hay filas con errores: corrija el archivo y vuelva a cargarlo."))
    new_people = [
        people.ParticipantData(
            first_names=row["first_names"],
            last_names=row["last_names"],
            sex=row["sex"],
            age_group=row["age_group"],
            institution_name=row["institution"],
            dui=row["dui"],
            position=row["position"],
            phone=row["phone"],
            email=row["email"],
            consent=row["consent"],
        )
        for row in rows
        if row["status"] == "new"
    ]
    existing_ids = [row["participant_id"] for row in rows if row["status"] == "existing"]
    added = people.import_attendance(
        workshop=workshop, new_people=new_people, existing_ids=existing_ids, by=user, method=method
    )
    return {**counts, "added": added}
