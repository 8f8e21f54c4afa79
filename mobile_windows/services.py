"""Write paths for schools, mobile windows and window sessions (people reached as counts)."""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, assign_and_save
from core.permissions import Action, in_scope, require
from geography.models import Municipality
from geography.services import check_municipality_in_scope, office_fields
from indicators.disaggregation import GRID_AGE_GROUPS, GRID_SEXES
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession, WindowStatus
from review.services import check_editable, save_record

# Refused writes on schools, windows and sessions: the same error type as the shared checks raise.


@transaction.atomic
def create_school(*, by, mined_code: str, name: str, municipality: Municipality, address: str = "") -> School:
    """Register a prioritised school in a municipality of the user's department."""
    require(by, Action.CREATE)
    check_municipality_in_scope(by, municipality)
    mined_code = mined_code.strip()
    if School.objects.filter(mined_code=mined_code).exists():
        raise DomainError(
            "duplicate_mined_code", _("Ya existe un centro escolar con ese código MINED."), field="mined_code"
        )
    school = School()
    assign_and_save(
        school, {"mined_code": mined_code, "name": name.strip(), "municipality": municipality, "address": address}
    )
    return school


@transaction.atomic
def save_window(
    *,
    by,
    school: School | None,
    site_name: str = "",
    municipality: Municipality | None = None,
    installed_on: datetime.date,
    removed_on: datetime.date | None = None,
    status: str = WindowStatus.ACTIVE,
    window: MobileWindow | None = None,
) -> MobileWindow:
    """Install (or edit) a mobile window at a school of the user's department, or at another site."""
    require(by, Action.CREATE)
    if window is not None:
        check_editable(window, by)
    if school is not None:
        if not in_scope(by, school):
            raise DomainError(
                "school_out_of_scope", _("El centro escolar no pertenece al departamento de su oficina."), "school"
            )
        municipality = school.municipality
        site_name = ""
    elif not site_name.strip():
        raise DomainError("site_required", _("Elija un centro escolar o indique otro lugar."), field="school")
    if municipality is None:
        raise DomainError("municipality_required", _("Indique el municipio del lugar."), field="municipality")
    check_municipality_in_scope(by, municipality)
    if removed_on is not None and removed_on < installed_on:
        raise DomainError(
            "removed_before_installed",
            _("La fecha de retiro no puede ser anterior a la de instalación."),
            field="removed_on",
        )
    if status == WindowStatus.REMOVED and removed_on is None:
        raise DomainError(
            "removed_on_required", _("Indique la fecha en que se retiró la ventanilla."), field="removed_on"
        )
    window = window or MobileWindow(created_by=by)
    save_record(
        window,
        {
            **office_fields(by, window, municipality),
            "school": school,
            "site_name": site_name.strip(),
            "municipality": municipality,
            "installed_on": installed_on,
            "removed_on": removed_on,
            "status": status,
        },
    )
    return window


def grid_cells():
    """The cells of the people-reached grid, in display order: (sex, age group)."""
    return [(sex, group) for sex in GRID_SEXES for group in GRID_AGE_GROUPS]


@transaction.atomic
def save_session(
    *,
    by,
    window: MobileWindow,
    date: datetime.date,
    hours: Decimal,
    counts: Mapping[tuple[str, str], int],
    zero_confirmed: bool = False,
    topic_leiv_rights: bool = False,
    topic_violence_types: bool = False,
    topic_where_to_seek_help: bool = False,
    topic_other: str = "",
    materials_handed_out: int = 0,
    referrals: int = 0,
    notes: str = "",
    session: WindowSession | None = None,
) -> WindowSession:
    """Record (or edit) a day at a window and its people reached, cell by cell, atomically.

    Counts are whole numbers ≥ 0 keyed by (sex, age group) of the grid; cells left out are 0.
    Zero cells are not stored (a missing cell reads as 0 everywhere). A session with nobody
    reached must be confirmed explicitly. Sessions after the window was removed are refused.
    """
    require(by, Action.CREATE)
    if not in_scope(by, window):
        raise DomainError("not_allowed", _("La ventanilla no pertenece a su oficina."))
    if session is not None:
        check_editable(session, by)
    valid_cells = set(grid_cells())
    cleaned = {}
    for cell, value in counts.items():
        if cell not in valid_cells:
            raise DomainError("unknown_cell", _("Celda de la tabla de personas alcanzadas desconocida."))
        if value is None:
            value = 0
        if not isinstance(value, int) or value < 0:
            raise DomainError("negative_count", _("Las cantidades de personas deben ser números enteros ≥ 0."))
        cleaned[cell] = value
    if date < window.installed_on:
        raise DomainError(
            "before_installation", _("La fecha es anterior a la instalación de la ventanilla."), field="date"
        )
    if window.removed_on is not None and date > window.removed_on:
        raise DomainError("window_removed", _("La ventanilla ya estaba retirada en esa fecha."), field="date")
    if window.status == WindowStatus.REMOVED and window.removed_on is None:
        raise DomainError("window_removed", _("La ventanilla está retirada."), field="date")
    # Last: the other errors come first, so nobody ticks "nobody reached" to get past them.
    if sum(cleaned.values()) == 0 and not zero_confirmed:
        raise DomainError(
            "zero_not_confirmed",
            _("No registró ninguna persona alcanzada: confirme que la jornada no tuvo público."),
            field="confirm_zero",
        )
    session = session or WindowSession(window=window, created_by=by)
    save_record(
        session,
        {
            "date": date,
            "hours": hours,
            "topic_leiv_rights": topic_leiv_rights,
            "topic_violence_types": topic_violence_types,
            "topic_where_to_seek_help": topic_where_to_seek_help,
            "topic_other": topic_other.strip(),
            "materials_handed_out": materials_handed_out,
            "referrals": referrals,
            "notes": notes,
        },
    )
    # Cell by cell (at most 15 rows) so that every change lands in the audit history.
    existing = {(rc.sex, rc.age_group): rc for rc in session.reach_counts.all()}
    for cell in grid_cells():
        value = cleaned.get(cell, 0)
        row = existing.get(cell)
        if value and row is None:
            ReachCount.objects.create(session=session, sex=cell[0], age_group=cell[1], count=value)
        elif value and row.count != value:
            row.count = value
            row.save(update_fields=["count"])
        elif not value and row is not None:
            row.delete()
    return session
