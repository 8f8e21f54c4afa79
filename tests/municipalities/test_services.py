import datetime
from decimal import Decimal

import pytest

from core.errors import DomainError
from geography.models import Institution, ThematicTable
from municipalities.models import FollowUpStatus, PlanStage, StageChangeStatus, TableMeeting, TechnicalAssistance
from municipalities.services import (
    add_follow_up_action,
    confirm_stage_change,
    get_or_create_institution,
    propose_stage_change,
    reject_stage_change,
    save_assistance,
    save_meeting,
    set_follow_up_status,
)
from review.models import ReviewState
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 5)


def test_a_meeting_belongs_to_the_users_office(staff_a, office_a):
    municipality = factories.pess_municipality(office_a)
    meeting = save_meeting(
        by=staff_a,
        municipality=municipality,
        table=ThematicTable.objects.first(),
        date=DAY,
        isdemu_participants=[staff_a],
        agreements="Jornada en centros escolares",
    )
    assert meeting.office == office_a and list(meeting.isdemu_participants.all()) == [staff_a]


def test_a_meeting_in_another_department_is_refused(staff_a, office_b):
    with pytest.raises(DomainError) as exc:
        save_meeting(
            by=staff_a,
            municipality=factories.pess_municipality(office_b),
            table=ThematicTable.objects.first(),
            date=DAY,
        )
    assert exc.value.code == "municipality_out_of_scope"
    assert not TableMeeting.objects.exists()


def test_follow_up_actions_have_due_dates_and_a_status(staff_a, office_a):
    meeting = factories.meeting(office_a)
    with pytest.raises(DomainError) as exc:
        add_follow_up_action(by=staff_a, meeting=meeting, description="Informe", due_date=DAY - datetime.timedelta(1))
    assert exc.value.code == "due_before_meeting"
    action = add_follow_up_action(by=staff_a, meeting=meeting, description="Informe", due_date=DAY)
    set_follow_up_status(by=staff_a, action=action, status=FollowUpStatus.DONE)
    action.refresh_from_db()
    assert action.status == FollowUpStatus.DONE


def test_an_institution_created_inline_is_reused_by_name(staff_a, office_a):
    municipality = factories.pess_municipality(office_a)
    first, created = get_or_create_institution(
        by=staff_a, name="Unidad Municipal de la Mujer", kind="municipal", municipality=municipality
    )
    again, created_again = get_or_create_institution(
        by=staff_a, name="  unidad municipal de la MUJER ", kind="municipal", municipality=municipality
    )
    assert created and not created_again and first == again
    assert Institution.objects.count() == 1


def test_assistance_hours_must_be_positive_and_the_municipality_in_scope(staff_a, office_a, office_b):
    institution = factories.institution(kind="national")
    values = {"institution": institution, "date": DAY, "topic": "gender_approach"}
    with pytest.raises(DomainError) as exc:
        save_assistance(by=staff_a, municipality=factories.pess_municipality(office_a), hours=Decimal(0), **values)
    assert exc.value.code == "hours_not_positive"
    with pytest.raises(DomainError) as exc:
        save_assistance(by=staff_a, municipality=factories.pess_municipality(office_b), hours=Decimal(2), **values)
    assert exc.value.code == "municipality_out_of_scope"
    record = save_assistance(by=staff_a, municipality=factories.pess_municipality(office_a), hours=Decimal(2), **values)
    assert record.office == office_a and TechnicalAssistance.objects.count() == 1


def test_an_approved_assistance_is_locked_for_staff(staff_a, office_a):
    record = factories.assistance(office_a, review_state=ReviewState.APPROVED)
    with pytest.raises(DomainError) as exc:
        save_assistance(
            by=staff_a,
            assistance=record,
            institution=record.institution,
            municipality=record.municipality,
            date=DAY,
            topic="leiv",
            hours=Decimal(1),
        )
    assert exc.value.code == "locked"


def test_staff_propose_and_a_coordinator_confirms_a_stage_change(staff_a, coordinator_x, office_a):
    plan = factories.plan(office_a, review_state=ReviewState.APPROVED)
    change = propose_stage_change(
        by=staff_a, plan=plan, to_stage=PlanStage.DIAGNOSTIC_IN_PROGRESS, date=datetime.date(2026, 2, 1)
    )
    plan.refresh_from_db()
    assert plan.stage == PlanStage.NOT_STARTED  # nothing changes until confirmed
    with pytest.raises(DomainError) as exc:
        confirm_stage_change(by=staff_a, change=change)
    assert exc.value.code == "not_reviewer"
    with pytest.raises(DomainError) as exc:
        propose_stage_change(by=staff_a, plan=plan, to_stage=PlanStage.DIAGNOSTIC_DONE, date=DAY)
    assert exc.value.code == "pending_exists"
    confirm_stage_change(by=coordinator_x, change=change)
    confirm_stage_change(by=coordinator_x, change=change)  # a repeated confirm is harmless
    plan.refresh_from_db()
    assert plan.stage == PlanStage.DIAGNOSTIC_IN_PROGRESS
    assert plan.stage_date == plan.diagnostic_started_on == datetime.date(2026, 2, 1)
    done = propose_stage_change(by=staff_a, plan=plan, to_stage=PlanStage.DIAGNOSTIC_DONE, date=DAY)
    confirm_stage_change(by=coordinator_x, change=done)
    plan.refresh_from_db()
    assert plan.diagnostic_done_on == DAY and plan.stage == PlanStage.DIAGNOSTIC_DONE


def test_a_rejected_change_leaves_the_plan_and_a_stale_one_cannot_be_confirmed(staff_a, coordinator_x, office_a):
    plan = factories.plan(office_a)
    change = propose_stage_change(by=staff_a, plan=plan, to_stage=PlanStage.PLAN_DRAFTED, date=DAY)
    reject_stage_change(by=coordinator_x, change=change)
    change.refresh_from_db()
    plan.refresh_from_db()
    assert change.status == StageChangeStatus.REJECTED and plan.stage == PlanStage.NOT_STARTED
    with pytest.raises(DomainError) as exc:
        confirm_stage_change(by=coordinator_x, change=change)
    assert exc.value.code == "already_decided"


def test_a_coordinator_of_another_department_cannot_decide(staff_a, coordinator_y, office_a):
    change = propose_stage_change(by=staff_a, plan=factories.plan(office_a), to_stage=PlanStage.PLAN_DRAFTED, date=DAY)
    with pytest.raises(DomainError) as exc:
        confirm_stage_change(by=coordinator_y, change=change)
    assert exc.value.code == "not_allowed"


def test_a_stage_change_dated_before_the_current_stage_is_refused(staff_a, office_a):
    plan = factories.plan(office_a, stage=PlanStage.DIAGNOSTIC_DONE, stage_date=datetime.date(2026, 4, 1))
    with pytest.raises(DomainError) as exc:
        propose_stage_change(by=staff_a, plan=plan, to_stage=PlanStage.PLAN_DRAFTED, date=DAY)
    assert exc.value.code == "before_current_stage"
