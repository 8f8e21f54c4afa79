"""Write paths for yearly targets: bulk entry per department and XLSX import (all or nothing)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from geography.models import Municipality
from indicators.figures import IndicatorKey
from indicators.models import Target

IMPORT_HEADER = ["año", "código municipio", "indicador", "meta"]


def parse_value(text) -> Decimal | None:
    """'' → None (no target); '12,5' or 12.5 → Decimal('12.5'); raises ValueError otherwise."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(_("no es un número")) from exc
    if not value.is_finite() or value < 0:
        raise ValueError(_("debe ser un número mayor o igual a cero"))
    if value != value.quantize(Decimal("0.1")):
        raise ValueError(_("admite como máximo un decimal"))
    if value >= Decimal("1e11"):
        raise ValueError(_("es demasiado grande"))
    return value


def _check_year(year: int) -> None:
    if not 2015 <= year <= datetime.date.today().year + 10:
        raise DomainError("bad_year", _("Año fuera de rango: %(y)s.") % {"y": year})


@transaction.atomic
def save_targets(*, year: int, values: dict) -> int:
    """Set targets {(municipality_id, indicator): Decimal | None}; None removes the target."""
    _check_year(year)
    changed = 0
    for (municipality_id, indicator), value in values.items():
        existing = Target.objects.filter(year=year, indicator=indicator, municipality_id=municipality_id).first()
        if value is None:
            if existing is not None:
                existing.delete()
                changed += 1
            continue
        if existing is not None:
            if existing.value != value:
                existing.value = value
                existing.full_clean()
                existing.save(update_fields=["value"])
                changed += 1
            continue
        target = Target(year=year, indicator=indicator, municipality_id=municipality_id, value=value)
        target.full_clean()
        target.save()
        changed += 1
    return changed


def _indicator_lookup() -> dict[str, str]:
    lookup = {}
    for key, label in IndicatorKey.choices:
        lookup[key.lower()] = key
        lookup[str(label).strip().lower()] = key
    return lookup


def _normalise_header(cell) -> str:
    return str(cell or "").strip().lower()


def import_targets_xlsx(*, file) -> int:
    """Import targets from an XLSX sheet (año, código municipio, indicador, meta); all or nothing."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise DomainError("bad_file", _("El archivo no es un libro XLSX válido.")) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_normalise_header(c) for c in next(rows, [])]
    if header[:4] != IMPORT_HEADER:
        raise DomainError(
            "bad_header",
            _("La primera fila debe ser: %(h)s.") % {"h": ", ".join(IMPORT_HEADER)},
        )
    municipalities = dict(Municipality.objects.values_list("code", "pk"))
    indicators = _indicator_lookup()
    errors, values, seen = [], {}, {}
    for number, row in enumerate(rows, start=2):
        cells = list(row[:4]) + [None] * (4 - len(row[:4]))
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        year_cell, code_cell, indicator_cell, value_cell = cells
        problems = []
        try:
            year = int(str(year_cell).strip().split(".")[0])
            _check_year(year)
        except (ValueError, DomainError):
            problems.append(_("año «%(v)s» no válido") % {"v": year_cell})
            year = None
        code = str(code_cell or "").strip().split(".")[0].zfill(4)
        municipality_id = municipalities.get(code)
        if municipality_id is None:
            problems.append(_("el municipio con código «%(v)s» no existe") % {"v": code_cell or ""})
        indicator = indicators.get(str(indicator_cell or "").strip().lower())
        if indicator is None:
            problems.append(_("indicador «%(v)s» desconocido") % {"v": indicator_cell or ""})
        try:
            value = parse_value(value_cell)
            if value is None:
                problems.append(_("falta la meta"))
        except ValueError as exc:
            problems.append(_("meta «%(v)s»: %(e)s") % {"v": value_cell, "e": exc})
            value = None
        if not problems:
            key = (year, municipality_id, indicator)
            if key in seen:
                problems.append(_("repite la fila %(n)s") % {"n": seen[key]})
            seen[key] = number
        if problems:
            errors.append(_("Fila %(n)s: %(p)s.") % {"n": number, "p": "; ".join(problems)})
            continue
        values.setdefault(year, {})[(municipality_id, indicator)] = value
    if errors:
        raise DomainError("bad_rows", "; ".join(errors), errors=errors)
    if not values:
        raise DomainError("empty", _("El archivo no tiene filas de metas."))
    with transaction.atomic():
        return sum(save_targets(year=year, values=by_year) for year, by_year in values.items())
