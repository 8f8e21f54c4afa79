"""A coordinator of one department sees and acts on nothing of another department in the admin."""

import pytest
from django.urls import reverse

from review.models import ReviewState, ReviewTransition
from review.services import approve, submit
from tests import factories
from workshops.models import Workshop

pytestmark = pytest.mark.django_db


def _admin_url(obj, view="change"):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk])


@pytest.fixture
def dept_x_records(office_a, staff_a, coordinator_x):
    """One record of each kind in coordinator X's department (San Salvador), submitted for review."""
    workshop = factories.workshop(office_a, title="Taller secreto de San Salvador")
    attendance = factories.attendance(workshop, factories.participant(office_a, first_names="Zoila"))
    session = factories.session(factories.window(office_a))
    meeting = factories.meeting(office_a)
    assistance = factories.assistance(office_a)
    plan = factories.plan(office_a)
    for record in (workshop, session, meeting, assistance, plan):
        submit(record=record, by=staff_a)
    return {
        "workshop": workshop,
        "attendance": attendance,
        "participant": attendance.participant,
        "session": session,
        "window": session.window,
        "meeting": meeting,
        "assistance": assistance,
        "plan": plan,
        "stage_change": factories.stage_change(plan, staff_a),
        "reach": session.reach_counts.first(),
        "follow_up": factories.follow_up(meeting),
    }


def test_other_department_records_are_absent_from_every_changelist(client, coordinator_y, dept_x_records):
    """Changelists of every record type show none of department X's rows to coordinator Y."""
    client.force_login(coordinator_y)
    for obj in dept_x_records.values():
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["cl"].result_count == 0, url


def test_other_department_records_cannot_be_opened_by_url(client, coordinator_y, dept_x_records):
    """Change, delete and history pages (and a history version) answer without the record's data."""
    client.force_login(coordinator_y)
    for obj in dept_x_records.values():
        for view in ("change", "delete", "history"):
            response = client.get(_admin_url(obj, view))
            assert response.status_code in (302, 403, 404), (obj, view, response.status_code)
            assert str(obj).encode() not in response.content or response.status_code != 200
        history = type(obj).history.filter(id=obj.pk).first()
        url = reverse(
            f"admin:{obj._meta.app_label}_{obj._meta.model_name}_simple_history",
            args=[obj.pk, history.history_id],
        )
        assert client.get(url).status_code in (302, 403, 404), url


def test_other_department_records_cannot_be_changed_by_post(client, coordinator_y, dept_x_records):
    client.force_login(coordinator_y)
    workshop = dept_x_records["workshop"]
    client.post(_admin_url(workshop), {"title": "Cambiado"})
    client.post(_admin_url(workshop, "delete"), {"post": "yes"})
    workshop.refresh_from_db()
    assert workshop.title == "Taller secreto de San Salvador"


def test_actions_ignore_other_department_records(client, coordinator_y, dept_x_records):
    """Selecting another department's pk in a changelist action or the review queue changes nothing."""
    client.force_login(coordinator_y)
    workshop = dept_x_records["workshop"]
    url = reverse("admin:workshops_workshop_changelist")
    client.post(url, {"action": "approve_selected", "_selected_action": [workshop.pk]})
    client.post(url, {"action": "delete_selected", "_selected_action": [workshop.pk], "post": "yes"})
    queue = reverse("admin:review_review_queue")
    client.post(queue, {"action": "approve", "selected": [f"workshops.workshop:{workshop.pk}"]})
    client.post(
        queue,
        {"action": "return", "post": "yes", "comment": "No", "selected": [f"workshops.workshop:{workshop.pk}"]},
    )
    workshop.refresh_from_db()
    assert workshop.review_state == ReviewState.SUBMITTED
    assert Workshop.objects.filter(pk=workshop.pk).exists()


def test_autocompletes_are_scoped(client, coordinator_y, coordinator_x, staff_a, office_y, dept_x_records):
    """Autocompletes (users for ISDEMU participants, records for FKs) list only the user's department."""
    colleague = factories.user("staff", office_y, first_name="Yesenia")
    client.force_login(coordinator_y)

    def ids(app, model, field, term=""):
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": app, "model_name": model, "field_name": field, "term": term},
        )
        assert response.status_code == 200, (model, field)
        return {int(r["id"]) for r in response.json()["results"]}

    users = ids("municipalities", "tablemeeting", "isdemu_participants")
    assert colleague.pk in users
    assert staff_a.pk not in users and coordinator_x.pk not in users
    assert dept_x_records["workshop"].pk not in ids("workshops", "attendance", "workshop")
    assert dept_x_records["participant"].pk not in ids("workshops", "attendance", "participant")
    assert dept_x_records["plan"].pk not in ids("municipalities", "planstagechange", "plan")
    assert dept_x_records["meeting"].pk not in ids("municipalities", "followupaction", "meeting")
    municipalities = ids("workshops", "workshop", "municipality")
    assert dept_x_records["workshop"].municipality_id not in municipalities
    assert municipalities  # their own department's municipalities are there


def test_review_transitions_and_users_are_scoped(client, coordinator_x, coordinator_y, staff_a, dept_x_records):
    approve(record=dept_x_records["workshop"], by=coordinator_x)
    client.force_login(coordinator_y)
    response = client.get(reverse("admin:review_reviewtransition_changelist"))
    assert response.context["cl"].result_count == 0
    response = client.get(reverse("admin:core_user_changelist"))
    assert staff_a.username not in response.content.decode()
    transition = ReviewTransition.objects.first()
    assert client.get(_admin_url(transition)).status_code in (302, 403, 404)
    assert client.get(_admin_url(staff_a)).status_code in (302, 403, 404)
    client.force_login(coordinator_x)
    response = client.get(reverse("admin:review_reviewtransition_changelist"))
    assert response.context["cl"].result_count == ReviewTransition.objects.count()


def test_progress_detail_and_closing_of_another_department_are_404(client, coordinator_y, dept_x_records):
    client.force_login(coordinator_y)
    muni = dept_x_records["workshop"].municipality
    progress = reverse("admin:indicators_municipalprogress_changelist")
    response = client.get(progress)
    assert muni.name not in {row.name for row in response.context["cl"].result_list}
    assert client.get(reverse("admin:indicators_municipalprogress_change", args=[muni.pk])).status_code == 404
    close = reverse("admin:indicators_municipalprogress_close", args=[muni.pk, 2026, 3])
    assert client.get(close).status_code == 404
    assert client.post(close).status_code == 404
    closure = factories.closure(muni, dept_x_records["workshop"].created_by or coordinator_y)
    reopen = reverse("admin:indicators_municipalprogress_reopen", args=[closure.pk])
    assert client.post(reopen, {"reason": "x"}).status_code == 404
    closure.refresh_from_db()
    assert closure.reopened_at is None


def test_record_links_stay_scoped(client, coordinator_y, dept_x_records):
    """The 'records behind a figure' lookups narrow a scoped changelist; they never widen it."""
    client.force_login(coordinator_y)
    muni = dept_x_records["workshop"].municipality
    url = reverse("admin:workshops_workshop_changelist")
    response = client.get(url, {"municipality__id__exact": muni.pk, "status__exact": "held"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_coordinators_only_view_targets(client, coordinator_x, manager):
    muni = factories.pess_municipality(coordinator_x.office)
    target = factories.target(muni)
    client.force_login(coordinator_x)
    assert client.get(reverse("admin:indicators_target_changelist")).status_code == 200
    client.post(_admin_url(target), {"year": 2026, "indicator": "workshops_held", "municipality": muni.pk, "value": 99})
    target.refresh_from_db()
    assert target.value == 10
    assert client.get(reverse("admin:indicators_target_import")).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("admin:indicators_target_import")).status_code == 200
