"""Review in the admin: actions, the cross-type queue, locking, comments and the audit trail."""

import datetime

import pytest
from django.urls import reverse

from review.models import ReviewState
from review.services import can_edit, submit, transitions_for
from tests import factories

pytestmark = pytest.mark.django_db


def test_approve_action_locks_the_record_for_staff(client, office_a, staff_a, coordinator_x):
    workshop = factories.workshop(office_a)
    submit(record=workshop, by=staff_a, reason="Lista en papel")
    client.force_login(coordinator_x)
    url = reverse("admin:workshops_workshop_changelist")
    response = client.post(url, {"action": "approve_selected", "_selected_action": [workshop.pk]}, follow=True)
    assert "1 registro(s) aprobado(s)" in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.review_state == ReviewState.APPROVED
    assert not can_edit(workshop, staff_a)
    [t, _submitted] = transitions_for(workshop)
    assert (t.from_state, t.to_state, t.by) == ("submitted", "approved", coordinator_x)


def test_return_action_asks_for_a_comment_that_reaches_the_record(client, office_a, staff_a, coordinator_x):
    session = factories.session(factories.window(office_a))
    submit(record=session, by=staff_a, reason="Lista en papel")
    client.force_login(coordinator_x)
    url = reverse("admin:mobile_windows_windowsession_changelist")
    data = {"action": "return_selected", "_selected_action": [session.pk]}
    page = client.post(url, data)
    assert page.status_code == 200
    assert "Observaciones para el personal" in page.content.decode()
    empty = client.post(url, {**data, "post": "yes", "comment": "  "})
    assert "Indique el motivo" in empty.content.decode()
    session.refresh_from_db()
    assert session.review_state == ReviewState.SUBMITTED
    client.post(url, {**data, "post": "yes", "comment": "Faltan los conteos de hombres"})
    session.refresh_from_db()
    assert session.review_state == ReviewState.RETURNED
    assert session.review_comment == "Faltan los conteos de hombres"
    assert can_edit(session, staff_a)
    assert transitions_for(session).first().comment == "Faltan los conteos de hombres"


def test_staff_and_managers_get_no_review_actions(client, office_a, manager):
    factories.workshop(office_a)
    client.force_login(manager)
    response = client.get(reverse("admin:workshops_workshop_changelist"))
    form = response.context["action_form"]
    actions = dict(form.fields["action"].choices) if form is not None else {}
    assert "approve_selected" not in actions and "return_selected" not in actions


def test_review_queue_lists_every_type_oldest_first_and_acts(client, office_a, office_b, staff_a, coordinator_x):
    """One list across record types, submitted only, in the coordinator's department, oldest first."""
    meeting = factories.meeting(office_a)
    workshop = factories.workshop(office_a)
    assistance = factories.assistance(office_b)  # La Libertad: another department
    draft = factories.workshop(office_a, title="Borrador")
    for record in (meeting, workshop):
        submit(record=record, by=staff_a, reason="Lista en papel")
    submit(record=assistance, by=factories.user("staff", office_b))
    type(meeting).objects.filter(pk=meeting.pk).update(submitted_at=datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC))
    client.force_login(coordinator_x)
    url = reverse("admin:review_review_queue")
    response = client.get(url)
    rows = response.context["rows"]
    assert [r["value"] for r in rows] == [
        f"municipalities.tablemeeting:{meeting.pk}",
        f"workshops.workshop:{workshop.pk}",
    ]
    assert draft.title not in response.content.decode()
    client.post(url, {"action": "approve", "selected": [rows[0]["value"]]})
    page = client.post(url, {"action": "return", "selected": [rows[1]["value"]]})
    assert "Observaciones para el personal" in page.content.decode()
    client.post(url, {"action": "return", "post": "yes", "comment": "Revise horas", "selected": [rows[1]["value"]]})
    meeting.refresh_from_db()
    workshop.refresh_from_db()
    assert meeting.review_state == ReviewState.APPROVED
    assert (workshop.review_state, workshop.review_comment) == (ReviewState.RETURNED, "Revise horas")
    assert client.get(url).context["rows"] == []


def test_review_queue_query_count_does_not_grow(client, office_a, staff_a, coordinator_x, django_assert_num_queries):
    """Guards the queue's UNION: one query for the rows and one for the count, whatever the number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator_x)
    url = reverse("admin:review_review_queue")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _i in range(2):
        submit(record=factories.workshop(office_a), by=staff_a, reason="Lista en papel")
        submit(record=factories.assistance(office_a), by=staff_a, reason="Lista en papel")
    small = queries()
    for _i in range(15):
        submit(record=factories.workshop(office_a), by=staff_a, reason="Lista en papel")
        submit(record=factories.session(factories.window(office_a)), by=staff_a, reason="Lista en papel")
    assert queries() == small


def test_change_page_lists_transitions_and_history_shows_who_changed_what(client, office_a, staff_a, coordinator_x):
    workshop = factories.workshop(office_a, title="Taller original")
    submit(record=workshop, by=staff_a, reason="Lista en papel")
    client.force_login(coordinator_x)
    client.post(
        reverse("admin:workshops_workshop_changelist"),
        {"action": "return_selected", "_selected_action": [workshop.pk], "post": "yes", "comment": "Corrija"},
    )
    page = client.get(reverse("admin:workshops_workshop_change", args=[workshop.pk])).content.decode()
    assert "Historial de revisión" in page and "Corrija" in page
    workshop.title = "Taller corregido"
    workshop.save()
    history = client.get(reverse("admin:workshops_workshop_history", args=[workshop.pk]))
    assert history.status_code == 200
    text = history.content.decode()
    assert "Taller corregido" in text or "corregido" in text


def test_attendance_and_reach_counts_have_history_pages(client, office_a, coordinator_x):
    attendance = factories.attendance(factories.workshop(office_a), factories.participant(office_a))
    reach = factories.session(factories.window(office_a)).reach_counts.first()
    client.force_login(coordinator_x)
    for obj in (attendance, reach):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])
        assert client.get(url).status_code == 200, url


def test_every_tracked_model_admin_shows_history():
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin
    from simple_history.models import registered_models

    for model in registered_models.values():
        if model._meta.auto_created or model not in admin.site._registry:
            assert model._meta.auto_created, model  # only m2m through tables have no admin of their own
            continue
        if model._meta.app_label in ("pess_tracker", "municipalities", "workshops", "mobile_windows"):
            assert isinstance(admin.site._registry[model], SimpleHistoryAdmin), model
