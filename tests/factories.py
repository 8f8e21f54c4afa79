"""Small factories: plain functions that build valid rows through the real models."""

import datetime
import itertools
from decimal import Decimal

from core.models import User
from core.roles import Role
from core.services import create_user
from geography.models import Institution, Municipality, TerritorialOffice, ThematicTable
from indicators.disaggregation import AgeGroup, Sex
from indicators.models import Target
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession
from municipalities.models import FollowUpAction, MunicipalPlan, PlanStageChange, TableMeeting, TechnicalAssistance
from review.models import PeriodClosure
from workshops.models import Attendance, Participant, Workshop

_seq = itertools.count(1)
PASSWORD = "una-clave-de-prueba-larga"


def office(iso: str = "SV-SS") -> TerritorialOffice:
    return TerritorialOffice.objects.get(code=iso)


def pess_municipality(office_obj: TerritorialOffice, index: int = 0) -> Municipality:
    return Municipality.objects.pess().filter(department=office_obj.department_id).order_by("code")[index]


def user(role: str = Role.STAFF, office_obj: TerritorialOffice | None = None, **extra) -> User:
    n = next(_seq)
    return create_user(username=f"u{n}-{role}", password=PASSWORD, role=role, office=office_obj, **extra)


def institution(municipality=None, name=None) -> Institution:
    return Institution.objects.create(name=name or f"Institución {next(_seq)}", municipality=municipality)


def workshop(office_obj, municipality=None, **kwargs) -> Workshop:
    municipality = municipality or pess_municipality(office_obj)
    values = {
        "title": f"Taller {next(_seq)}",
        "topic": "leiv",
        "audience": "school",
        "start_date": datetime.date(2026, 3, 10),
        "end_date": datetime.date(2026, 3, 10),
        "hours": Decimal("4"),
        "status": "held",
    }
    values.update(kwargs)
    return Workshop.objects.create(municipality=municipality, office=office_obj, **values)


def participant(office_obj, **kwargs) -> Participant:
    n = next(_seq)
    values = {"first_names": f"Ana {n}", "last_names": "Pérez", "sex": Sex.FEMALE, "age_group": AgeGroup.ADULT}
    values.update(kwargs)
    return Participant.objects.create(office=office_obj, **values)


def attendance(workshop_obj, participant_obj, **kwargs) -> Attendance:
    return Attendance.objects.create(workshop=workshop_obj, participant=participant_obj, **kwargs)


def school(municipality) -> School:
    n = next(_seq)
    return School.objects.create(mined_code=f"{n:05d}", name=f"Centro Escolar {n}", municipality=municipality)


def window(office_obj, municipality=None, **kwargs) -> MobileWindow:
    municipality = municipality or pess_municipality(office_obj)
    values = {"installed_on": datetime.date(2026, 1, 15)}
    values.update(kwargs)
    if "school" not in values and "site_name" not in values:
        values["school"] = school(municipality)
    return MobileWindow.objects.create(municipality=municipality, office=office_obj, **values)


def session(window_obj, counts=None, **kwargs) -> WindowSession:
    values = {"date": datetime.date(2026, 3, 12), "hours": Decimal("3")}
    values.update(kwargs)
    s = WindowSession.objects.create(window=window_obj, **values)
    for (sex, group), count in (counts or {(Sex.FEMALE, AgeGroup.ADOLESCENT): 10}).items():
        ReachCount.objects.create(session=s, sex=sex, age_group=group, count=count)
    return s


def meeting(office_obj, municipality=None, **kwargs) -> TableMeeting:
    municipality = municipality or pess_municipality(office_obj)
    values = {"date": datetime.date(2026, 3, 5), "table": ThematicTable.objects.order_by("pk").first()}
    values.update(kwargs)
    return TableMeeting.objects.create(municipality=municipality, office=office_obj, **values)


def follow_up(meeting_obj) -> FollowUpAction:
    return FollowUpAction.objects.create(meeting=meeting_obj, description=f"Acción {next(_seq)}")


def assistance(office_obj, municipality=None, **kwargs) -> TechnicalAssistance:
    municipality = municipality or pess_municipality(office_obj)
    values = {"date": datetime.date(2026, 3, 7), "topic": "gender_approach", "hours": Decimal("2")}
    values.update(kwargs)
    if "institution" not in values:
        values["institution"] = institution(municipality)
    return TechnicalAssistance.objects.create(municipality=municipality, office=office_obj, **values)


def plan(office_obj, municipality=None, **kwargs) -> MunicipalPlan:
    municipality = municipality or pess_municipality(office_obj)
    return MunicipalPlan.objects.create(municipality=municipality, office=office_obj, **kwargs)


def stage_change(plan_obj, by) -> PlanStageChange:
    return PlanStageChange.objects.create(
        plan=plan_obj,
        from_stage=plan_obj.stage,
        to_stage="diagnostic_in_progress",
        date=datetime.date(2026, 2, 1),
        proposed_by=by,
    )


def target(municipality, year=2026, indicator="workshops_held", value=10) -> Target:
    return Target.objects.create(municipality=municipality, year=year, indicator=indicator, value=Decimal(value))


def closure(municipality, by, year=2026, month=3) -> PeriodClosure:
    return PeriodClosure.objects.create(municipality=municipality, year=year, month=month, closed_by=by)


# --- Workshops (issue 3): sign-in sheet files for import tests ---
def valid_dui(body: int) -> str:
    """A DUI with a correct check digit built from an 8-digit number."""
    from core.validators import dui_check_digit

    digits = f"{body:08d}"
    return f"{digits}-{dui_check_digit(digits)}"


def sheet_csv(rows, header=("Nombres", "Apellidos", "Sexo", "Grupo de edad", "Institución", "DUI"), sep=",") -> str:
    lines = [sep.join(header)] + [sep.join(str(c) for c in row) for row in rows]
    return "\n".join(lines) + "\n"


def sheet_xlsx(rows, header=("Nombres", "Apellidos", "Sexo", "Grupo de edad", "Institución", "DUI")) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def approve_all() -> None:
    """Arrange step for figure tests: every reviewable record so far becomes approved (official).

    The path from draft to approved is tested through the review services themselves
    (tests/indicators/test_review_rule.py); figure tests only need official records.
    """
    from review.models import ReviewState, reviewable_models

    for model in reviewable_models():
        model._base_manager.update(review_state=ReviewState.APPROVED)
