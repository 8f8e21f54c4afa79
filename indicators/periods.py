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
