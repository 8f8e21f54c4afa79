"""Write paths for thematic-table meetings, technical assistance, institutions and municipal plans."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, assign_and_save
from core.models import User
from core.permissions import Action, in_scope, require
from core.text import normalize_name
from geography.models import Institution, InstitutionKind, Municipality, ThematicTable
from geography.services import check_municipality_in_scope, office_fields, office_for
from municipalities.models import (
    FollowUpAction,
    FollowUpStatus,
    MunicipalPlan,
    PlanStage,
    PlanStageChange,
    StageChangeStatus,
    TableMeeting,
    TechnicalAssistance,
)
from review.services import check_editable, save_record


def _check_future(date: datetime.date, field: str = "date"):
    if date > timezone.localdate():
        raise DomainError("future_date", _("La fecha no puede ser futura."), field=field)


# --- Thematic-table meetings --------------------------------------------------------------


@transaction.atomic
def save_meeting(
    *,
    by: User,
    municipality: Municipality,
    table: ThematicTable,
    date: datetime.date,
    isdemu_participants=(),
    agreements: str = "",
    follow_up: str = "",
    meeting: TableMeeting | None = None,
) -> TableMeeting:
    """Record (or edit) a thematic-table meeting in a municipality of the user's department."""
    require(by, Action.CREATE)
    if meeting is not None:
        check_editable(meeting, by)
    check_municipality_in_scope(by, municipality)
    _check_future(date)
    participants = list(isdemu_participants)
    if any(p.office_id is None or p.office.department_id != municipality.department_id for p in participants):
        raise DomainError(
            "participant_out_of_scope",
            _("El personal presente debe pertenecer a la oficina del departamento."),
            field="isdemu_participants",
        )
    meeting = meeting or TableMeeting(created_by=by)
    save_record(
        meeting,
        {
            **office_fields(by, meeting, municipality),
            "municipality": municipality,
            "table": table,
            "date": date,
            "agreements": agreements,
            "follow_up": follow_up,
        },
    )
    meeting.isdemu_participants.set(participants)
    return meeting


@transaction.atomic
def add_follow_up_action(
    *,
    by: User,
    meeting: TableMeeting,
    description: str,
    responsible: str = "",
    due_date: datetime.date | None = None,
) -> FollowUpAction:
    """Add a follow-up action (with its due date) agreed at a meeting."""
    require(by, Action.CREATE)
    if not in_scope(by, meeting):
        raise DomainError("not_allowed", _("La reunión no pertenece a su oficina."))
    if due_date is not None and due_date < meeting.date:
        raise DomainError(
            "due_before_meeting", _("La fecha límite no puede ser anterior a la reunión."), field="due_date"
        )
    action = FollowUpAction(meeting=meeting)
    assign_and_save(
        action, {"description": description.strip(), "responsible": responsible.strip(), "due_date": due_date}
    )
    return action


@transaction.atomic
def set_follow_up_status(*, by: User, action: FollowUpAction, status: str) -> FollowUpAction:
    """Follow-up actions keep moving after the meeting is approved: their status stays editable."""
    require(by, Action.CREATE)
    if not in_scope(by, action):
        raise DomainError("not_allowed", _("La acción no pertenece a su oficina."))
    if status not in FollowUpStatus.values:
        raise DomainError("invalid_status", _("Estado no válido."), field="status")
    if action.status != status:
        action.status = status
        action.save(update_fields=["status"])
    return action


# --- Institutions and technical assistance ------------------------------------------------


@transaction.atomic
def get_or_create_institution(
    *, by: User, name: str, kind: str, municipality: Municipality | None = None
) -> tuple[Institution, bool]:
    """The shared registry: an institution with the same (accent-insensitive) name and municipality is reused."""
    require(by, Action.CREATE)
    name = " ".join(name.split())
    if not name:
        raise DomainError("name_required", _("Indique el nombre de la institución."), field="new_institution_name")
    existing = Institution.objects.filter(search_name=normalize_name(name), municipality=municipality).first()
    if existing is not None:
        return existing, False
    institution = Institution()
    assign_and_save(
        institution, {"name": name, "kind": kind, "municipality": municipality, "search_name": normalize_name(name)}
    )
    return institution, True


def institution_serves(institution: Institution, municipality: Municipality) -> bool:
    """An institution counts for a municipality's technical assistance when it is of that
    municipality, national, or departmental of the municipality's department (or with no
    municipality on record)."""
    if institution.municipality_id == municipality.pk or institution.kind == InstitutionKind.NATIONAL:
        return True
    if institution.kind == InstitutionKind.DEPARTMENTAL:
        return institution.municipality_id is None or institution.municipality.department_id == (
            municipality.department_id
        )
    return False


def check_institution_serves(institution: Institution, municipality: Municipality) -> None:
    if not institution_serves(institution, municipality):
        raise DomainError(
            "institution_elsewhere",
            _(
                "%(institution)s no es de %(municipality)s. Elija una institución del municipio, "
                "o una de tipo departamental o nacional."
            )
            % {"institution": institution.name, "municipality": municipality.name},
            field="institution",
        )


@transaction.atomic
def save_assistance(
    *,
    by: User,
    institution: Institution,
    municipality: Municipality,
    date: datetime.date,
    topic: str,
    hours: Decimal,
    outcome: str = "",
    assistance: TechnicalAssistance | None = None,
) -> TechnicalAssistance:
    """Record (or edit) a technical-assistance action for an institution in the user's department."""
    require(by, Action.CREATE)
    if assistance is not None:
        check_editable(assistance, by)
    check_municipality_in_scope(by, municipality)
    _check_future(date)
    if hours is None or hours <= 0:
        raise DomainError("hours_not_positive", _("Las horas deben ser mayores que cero."), field="hours")
    check_institution_serves(institution, municipality)
    assistance = assistance or TechnicalAssistance(created_by=by)
    save_record(
        assistance,
        {
            **office_fields(by, assistance, municipality),
            "institution": institution,
            "municipality": municipality,
            "date": date,
            "topic": topic,
            "hours": hours,
            "outcome": outcome,
        },
    )
    return assistance


# --- Municipal plans ----------------------------------------------------------------------

# Which plan date a confirmed stage change sets.
STAGE_DATE_FIELDS = {
    PlanStage.DIAGNOSTIC_IN_PROGRESS: "diagnostic_started_on",
    PlanStage.DIAGNOSTIC_DONE: "diagnostic_done_on",
    PlanStage.PLAN_APPROVED: "plan_approved_on",
}


@transaction.atomic
def save_plan(
    *, by: User, municipality: Municipality, gender_actions: str = "", plan: MunicipalPlan | None = None
) -> MunicipalPlan:
    """Open (or edit the gender actions of) a municipality's plan; the stage changes only by confirmation."""
    require(by, Action.CREATE)
    if plan is None:
        check_municipality_in_scope(by, municipality)
        if MunicipalPlan.objects.filter(municipality=municipality).exists():
            raise DomainError("plan_exists", _("El municipio ya tiene un plan registrado."), field="municipality")
        if not municipality.is_pess:
            raise DomainError("not_pess", _("Solo los municipios PESS tienen plan."), field="municipality")
        plan = MunicipalPlan(municipality=municipality, office=office_for(by, municipality), created_by=by)
    else:
        check_editable(plan, by)
    save_record(plan, {"gender_actions": gender_actions})
    return plan


@transaction.atomic
def propose_stage_change(
    *, by: User, plan: MunicipalPlan, to_stage: str, date: datetime.date, note: str = ""
) -> PlanStageChange:
    """Staff propose a new stage for a plan; it takes effect when a coordinator confirms it."""
    require(by, Action.CREATE)
    plan = MunicipalPlan.objects.visible_to(by).select_for_update().filter(pk=plan.pk).first()
    if plan is None:
        raise DomainError("not_allowed", _("El plan no pertenece a su oficina."))
    if to_stage not in PlanStage.values:
        raise DomainError("invalid_stage", _("Etapa no válida."), field="to_stage")
    if to_stage == plan.stage:
        raise DomainError("same_stage", _("El plan ya está en esa etapa."), field="to_stage")
    _check_future(date)
    if plan.stage_date and date < plan.stage_date:
        raise DomainError(
            "before_current_stage",
            _("La fecha no puede ser anterior a la de la etapa actual (%(date)s).")
            % {"date": plan.stage_date.strftime("%d/%m/%Y")},
            field="date",
        )
    if plan.stage_changes.filter(status=StageChangeStatus.PROPOSED).exists():
        raise DomainError("pending_exists", _("Ya hay un cambio de etapa pendiente de confirmación para este plan."))
    return PlanStageChange.objects.create(
        plan=plan, from_stage=plan.stage, to_stage=to_stage, date=date, note=note.strip(), proposed_by=by
    )


NOT_REVIEWER = _("Solo la coordinación departamental confirma cambios de etapa.")


def _decidable(change: PlanStageChange, by: User) -> PlanStageChange:
    require(
        by,
        Action.REVIEW,
        code="not_reviewer",
        message=_("Solo la coordinación departamental confirma cambios de etapa."),
    )
    locked = PlanStageChange.objects.visible_to(by).select_for_update().filter(pk=change.pk).first()
    if locked is None:
        raise DomainError("not_allowed", _("El plan no pertenece a su departamento."))
    return locked


@transaction.atomic
def confirm_stage_change(*, by: User, change: PlanStageChange) -> PlanStageChange:
    """A coordinator confirms a proposal: the plan moves to the stage, with the stage's date. Idempotent."""
    change = _decidable(change, by)
    if change.status == StageChangeStatus.CONFIRMED:
        return change
    if change.status != StageChangeStatus.PROPOSED:
        raise DomainError("already_decided", _("Este cambio de etapa ya fue rechazado."))
    plan = MunicipalPlan.objects.select_for_update().get(pk=change.plan_id)
    if plan.stage != change.from_stage:
        raise DomainError("stale", _("El plan cambió de etapa después de la propuesta; rechácela y proponga de nuevo."))
    plan.stage = change.to_stage
    plan.stage_date = change.date
    fields = ["stage", "stage_date", "updated_at"]
    date_field = STAGE_DATE_FIELDS.get(change.to_stage)
    if date_field:
        setattr(plan, date_field, change.date)
        fields.append(date_field)
    if plan.diagnostic_started_on and plan.diagnostic_done_on and plan.diagnostic_done_on < plan.diagnostic_started_on:
        raise DomainError("dates_out_of_order", _("El diagnóstico no puede concluir antes de iniciar."))
    plan.save(update_fields=fields)
    change.status = StageChangeStatus.CONFIRMED
    change.decided_by = by
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    return change


@transaction.atomic
def reject_stage_change(*, by: User, change: PlanStageChange) -> PlanStageChange:
    """A coordinator rejects a proposal; the plan keeps its stage. Idempotent."""
    change = _decidable(change, by)
    if change.status == StageChangeStatus.REJECTED:
        return change
    if change.status != StageChangeStatus.PROPOSED:
        raise DomainError("already_decided", _("Este cambio de etapa ya fue confirmado."))
    change.status = StageChangeStatus.REJECTED
    change.decided_by = by
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    return change
