"""Reporting periods: month, quarter, year or a custom range, and the period before each."""

import calendar
import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    kind: str = "custom"  # month | quarter | year | custom

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return _("T%(q)s %(y)s") % {"q": (self.start.month - 1) // 3 + 1, "y": self.start.year}
        if self.kind == "month":
            return self.start.strftime("%m/%Y")
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    def previous(self) -> "Period":
        if self.kind == "year":
            return year(self.start.year - 1)
        if self.kind == "quarter":
            first = _add_months(self.start, -3)
            return quarter(first.year, (first.month - 1) // 3 + 1)
        if self.kind == "month":
            first = _add_months(self.start, -1)
            return month(first.year, first.month)
        length = self.end - self.start
        end = self.start - datetime.timedelta(days=1)
        return Period(end - length, end, "custom")


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def year(y: int) -> Period:
    return Period(datetime.date(y, 1, 1), datetime.date(y, 12, 31), "year")


def quarter(y: int, q: int) -> Period:
    first_month = 3 * (q - 1) + 1
    last_month = first_month + 2
    return Period(
        datetime.date(y, first_month, 1),
        datetime.date(y, last_month, calendar.monthrange(y, last_month)[1]),
        "quarter",
    )


def month(y: int, m: int) -> Period:
    return Period(datetime.date(y, m, 1), datetime.date(y, m, calendar.monthrange(y, m)[1]), "month")


def today() -> datetime.date:
    return timezone.localdate()


def this_year() -> Period:
    return year(today().year)


# --- Reading a period from parameters (report filters, the progress admin, the API) ---

KINDS = ("year", "quarter", "month", "custom", "all")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")  # dd/mm/aaaa as typed; ISO as sent by date inputs and links
MAX_CUSTOM_DAYS = 366 * 10


class PeriodError(ValueError):
    """The parameters do not describe a period; the message is for the user."""


def parse_date(value) -> datetime.date | None:
    """A date, or its text as dd/mm/aaaa or aaaa-mm-dd; None when empty or not a date."""
    if isinstance(value, datetime.date):
        return value
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value.strip(), fmt).date()
        except (ValueError, AttributeError):
            continue
    return None


def _number(value, low: int, high: int, message) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PeriodError(message) from None
    if not low <= number <= high:
        raise PeriodError(message)
    return number


def from_params(params, default: str = "year") -> Period | None:
    """The period described by `params` (a form's cleaned data, GET parameters, an API query).

    `period` is one of KINDS (`default` when missing). `year` defaults to this year, `quarter`
    (1–4) and `month` (1–12) to today's; a custom range needs `start` and `end` (dates or
    dd/mm/aaaa text), in order and at most ten years apart. "all" is no limit: None.
    Raises PeriodError with a message for the user.
    """
    kind = params.get("period") or default
    if kind not in KINDS:
        raise ValueError(f"unknown period kind {kind!r}")
    now = today()
    y = _number(params.get("year"), 1, 9999, _("año «%(v)s» no válido") % {"v": params.get("year")}) or now.year
    if kind == "year":
        return year(y)
    if kind == "quarter":
        q = _number(params.get("quarter"), 1, 4, _("Trimestre no válido."))
        return quarter(y, q or (now.month - 1) // 3 + 1)
    if kind == "month":
        return month(y, _number(params.get("month"), 1, 12, _("Mes no válido.")) or now.month)
    if kind == "custom":
        start, end = parse_date(params.get("start")), parse_date(params.get("end"))
        if not start or not end:
            raise PeriodError(_("Indique la fecha de inicio y la de fin del periodo."))
        if end < start:
            raise PeriodError(_("La fecha de fin es anterior a la de inicio."))
        if (end - start) > datetime.timedelta(days=MAX_CUSTOM_DAYS):
            raise PeriodError(_("El periodo no puede superar diez años."))
        return Period(start, end, "custom")
    return None
