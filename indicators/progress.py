"""Progress against yearly targets: the share expected by a date, a municipality's overall
progress, the below-target condition in SQL, and the link from a figure to its records.

Pure arithmetic over indicators.registry and indicators.periods; the admin pages show it.
"""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import F, Q
from django.urls import reverse

from indicators import periods, registry

# The indicators of the progress pages, in column order: those with a target and their parts.
PROGRESS_KEYS = registry.keys("tracked")
# Indicators whose target counts towards the overall progress (women/men are parts of a total).
TARGET_KEYS = registry.keys("has_target")
MONTHS = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]


def target_share(period: periods.Period) -> Decimal:
    """The share of a yearly target expected by the end of the period (or by today, if sooner)."""
    year_start = datetime.date(period.start.year, 1, 1)
    year_days = (datetime.date(period.start.year, 12, 31) - year_start).days + 1
    end = min(period.end, max(periods.today(), period.start))
    days = (end - period.start).days + 1
    return (Decimal(days) / Decimal(year_days)).quantize(Decimal("0.0001"))


def overall_progress(row, share: Decimal) -> Decimal | None:
    """Mean of actual / expected over the indicators that have a target (each capped at 100 %)."""
    ratios = []
    for key in TARGET_KEYS:
        target = getattr(row, f"target_{key}", None)
        if target:
            expected = Decimal(target) * share
            if expected > 0:
                ratios.append(min(Decimal(getattr(row, key)) * 100 / expected, Decimal(100)))
    if not ratios:
        return None
    return (sum(ratios) / len(ratios)).quantize(Decimal("1"))


def below_target(share: Decimal) -> Q:
    """Municipalities (annotated with figures and targets) behind the expected share of a target."""
    below = Q(pk__in=[])
    for key in TARGET_KEYS:
        below |= Q(**{f"target_{key}__gt": 0, f"{key}__lt": F(f"target_{key}") * share})
    return below


def month_values(monthly: dict, year: int, month: int) -> dict:
    """The figures of one month from `figures(..., by="month")` (keys are the months' first days)."""
    for start, values in monthly.items():
        day = start.date() if isinstance(start, datetime.datetime) else start
        if (day.year, day.month) == (year, month):
            return values
    return {}


def records_url(key: str, municipality_id: int, start, end) -> str:
    """The admin changelist of the records behind one figure (indicators.figures.records)."""
    src = registry.source(key)
    model = src.model
    params = {
        f"{src.municipality_path}__id__exact": municipality_id,
        f"{src.date_path}__gte": start.isoformat(),
        f"{src.date_path}__lte": end.isoformat(),
    }
    params.update({f"{field}__exact": value for field, value in src.filters})
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}"
