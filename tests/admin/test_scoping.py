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


def _version_url(obj):
    """The admin page of the record's first history version (django-simple-history)."""
    history = type(obj).history.filter(id=obj.pk).first()
    return reverse(
        f"admin:{obj._meta.app_label}_{obj._meta.model_name}_simple_history", args=[obj.pk, history.history_id]
    )


def _change_form_data(client, obj, **changes):
    """What the record's admin change form posts, as the logged-in user sees it, with `changes`.

    The inline forms are left out (zero forms of each), which leaves their rows untouched.
    """
    response = client.get(_admin_url(obj))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix("TOTAL_FORMS"): 0, management.add_prefix("INITIAL_FORMS"): 0})
    return {**data, **changes}


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
        submit(record=record, by=staff_a, reason="Lista en papel")
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


def test_other_department_records_are_absent_from_every_changelist(
    client, coordinator_x, coordinator_y, dept_x_records
):
    """Changelists of every record type show none of department X's rows to coordinator Y
    (and all of them to coordinator X: the rows are there to be seen)."""
    for obj in dept_x_records.values():
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_changelist")
        client.force_login(coordinator_y)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["cl"].result_count == 0, url
        client.force_login(coordinator_x)
        assert obj.pk in {row.pk for row in client.get(url).context["cl"].result_list}, url


def test_other_department_records_cannot_be_opened_by_url(client, coordinator_x, coordinator_y, dept_x_records):
    """For coordinator Y the change and delete pages of department X's records redirect to the admin
    index, as for a record that does not exist, and the history pages are 404; coordinator X opens
    every one of them."""
    index = reverse("admin:index")
    for obj in dept_x_records.values():
        client.force_login(coordinator_y)
        for view in ("change", "delete"):
            response = client.get(_admin_url(obj, view))
            assert (response.status_code, response.url) == (302, index), (obj, view)
        assert client.get(_admin_url(obj, "history")).status_code == 404, obj
        assert client.get(_version_url(obj)).status_code == 404, obj
        client.force_login(coordinator_x)
        for url in (
            _admin_url(obj, "change"),
            _admin_url(obj, "delete"),
            _admin_url(obj, "history"),
            _version_url(obj),
        ):
            assert client.get(url).status_code == 200, (obj, url)


def test_other_department_records_cannot_be_changed_by_post(client, coordinator_x, coordinator_y, dept_x_records):
    """Coordinator Y's complete, valid change and delete posts are turned away like a missing record;
    the same change posted by coordinator X is saved."""
    workshop = dept_x_records["workshop"]
    client.force_login(coordinator_x)
    data = _change_form_data(client, workshop, title="Cambiado")
    index = reverse("admin:index")
    client.force_login(coordinator_y)
    response = client.post(_admin_url(workshop), data)
    assert (response.status_code, response.url) == (302, index)
    response = client.post(_admin_url(workshop, "delete"), {"post": "yes"})
    assert (response.status_code, response.url) == (302, index)
    workshop.refresh_from_db()
    assert workshop.title == "Taller secreto de San Salvador"
    client.force_login(coordinator_x)
    response = client.post(_admin_url(workshop), data)
    assert (response.status_code, response.url) == (302, reverse("admin:workshops_workshop_changelist"))
    workshop.refresh_from_db()
    assert workshop.title == "Cambiado"


# (admin page, post data for the workshop's pk, the workshop's review state once coordinator X posts it)
ACTIONS = {
    "changelist approve": (
        "admin:workshops_workshop_changelist",
        lambda pk: {"action": "approve_selected", "_selected_action": [pk]},
        ReviewState.APPROVED,
    ),
    "changelist delete": (
        "admin:workshops_workshop_changelist",
        lambda pk: {"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
        "deleted",
    ),
    "queue approve": (
        "admin:review_review_queue",
        lambda pk: {"action": "approve", "selected": [f"workshops.workshop:{pk}"]},
        ReviewState.APPROVED,
    ),
    "queue return": (
        "admin:review_review_queue",
        lambda pk: {"action": "return", "post": "yes", "comment": "No", "selected": [f"workshops.workshop:{pk}"]},
        ReviewState.RETURNED,
    ),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_ignore_other_department_records(client, coordinator_x, coordinator_y, dept_x_records, action):
    """Another department's pk in a changelist action or the review queue changes nothing; the same
    post from the record's own coordinator does."""
    url_name, data, done_by_x = ACTIONS[action]
    workshop = dept_x_records["workshop"]

    def state():
        found = Workshop.objects.filter(pk=workshop.pk).first()
        return found.review_state if found else "deleted"

    client.force_login(coordinator_y)
    client.post(reverse(url_name), data(workshop.pk))
    assert state() == ReviewState.SUBMITTED
    client.force_login(coordinator_x)
    client.post(reverse(url_name), data(workshop.pk))
    assert state() == done_by_x


def test_autocompletes_are_scoped(client, coordinator_y, coordinator_x, staff_a, office_y, dept_x_records):
    """Autocompletes (users for ISDEMU participants, records for FKs) list only the user's department:
    department X's users and records are offered to coordinator X, never to coordinator Y."""
    colleague = factories.user("staff", office_y, first_name="Yesenia")

    def ids(app, model, field, term=""):
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": app, "model_name": model, "field_name": field, "term": term},
        )
        assert response.status_code == 200, (model, field)
        return {int(r["id"]) for r in response.json()["results"]}

    dept_x_choices = {
        ("workshops", "attendance", "workshop"): dept_x_records["workshop"].pk,
        ("workshops", "attendance", "participant"): dept_x_records["participant"].pk,
        ("municipalities", "planstagechange", "plan"): dept_x_records["plan"].pk,
        ("municipalities", "followupaction", "meeting"): dept_x_records["meeting"].pk,
        ("workshops", "workshop", "municipality"): dept_x_records["workshop"].municipality_id,
    }
    client.force_login(coordinator_y)
    users = ids("municipalities", "tablemeeting", "isdemu_participants")
    assert colleague.pk in users
    assert staff_a.pk not in users and coordinator_x.pk not in users
    for field, pk in dept_x_choices.items():
        assert pk not in ids(*field), field
    assert ids("workshops", "workshop", "municipality")  # their own department's municipalities are there
    client.force_login(coordinator_x)
    assert staff_a.pk in ids("municipalities", "tablemeeting", "isdemu_participants")
    for field, pk in dept_x_choices.items():
        assert pk in ids(*field), field


def test_review_transitions_and_users_are_scoped(client, coordinator_x, coordinator_y, staff_a, dept_x_records):
    approve(record=dept_x_records["workshop"], by=coordinator_x)
    client.force_login(coordinator_y)
    response = client.get(reverse("admin:review_reviewtransition_changelist"))
    assert response.context["cl"].result_count == 0
    response = client.get(reverse("admin:core_user_changelist"))
    assert staff_a.username not in response.content.decode()
    transition = ReviewTransition.objects.first()
    index = reverse("admin:index")
    for url in (_admin_url(transition), _admin_url(staff_a)):
        response = client.get(url)
        assert (response.status_code, response.url) == (302, index), url
    client.force_login(coordinator_x)
    response = client.get(reverse("admin:review_reviewtransition_changelist"))
    assert response.context["cl"].result_count == ReviewTransition.objects.count() > 0
    assert staff_a.username in client.get(reverse("admin:core_user_changelist")).content.decode()
    assert client.get(_admin_url(transition)).status_code == 200
    assert client.get(_admin_url(staff_a)).status_code == 200


def test_progress_detail_and_closing_of_another_department_are_404(
    client, coordinator_x, coordinator_y, dept_x_records
):
    muni = dept_x_records["workshop"].municipality
    progress = reverse("admin:indicators_municipalprogress_changelist")
    detail = reverse("admin:indicators_municipalprogress_change", args=[muni.pk])
    close = reverse("admin:indicators_municipalprogress_close", args=[muni.pk, 2026, 3])
    client.force_login(coordinator_y)
    response = client.get(progress)
    assert muni.name not in {row.name for row in response.context["cl"].result_list}
    assert client.get(detail).status_code == 404
    assert client.get(close).status_code == 404
    assert client.post(close).status_code == 404
    closure = factories.closure(muni, dept_x_records["workshop"].created_by or coordinator_y)
    reopen = reverse("admin:indicators_municipalprogress_reopen", args=[closure.pk])
    assert client.post(reopen, {"reason": "x"}).status_code == 404
    closure.refresh_from_db()
    assert closure.reopened_at is None
    # The same pages are there for the municipality's own coordinator.
    client.force_login(coordinator_x)
    assert muni.name in {row.name for row in client.get(progress).context["cl"].result_list}
    assert client.get(detail).status_code == 200
    assert client.get(reopen).status_code == 200


def test_record_links_stay_scoped(client, coordinator_x, coordinator_y, dept_x_records):
    """The 'records behind a figure' lookups narrow a scoped changelist; they never widen it."""
    muni = dept_x_records["workshop"].municipality
    url = reverse("admin:workshops_workshop_changelist")
    lookup = {"municipality__id__exact": muni.pk, "status__exact": "held"}
    client.force_login(coordinator_y)
    response = client.get(url, lookup)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    client.force_login(coordinator_x)  # the lookup itself finds department X's held workshop
    assert list(client.get(url, lookup).context["cl"].result_list) == [dept_x_records["workshop"]]


def test_coordinators_only_view_targets(client, coordinator_x, manager):
    muni = factories.pess_municipality(coordinator_x.office)
    target = factories.target(muni)
    data = {"year": 2026, "indicator": "workshops_held", "municipality": muni.pk, "value": 99}
    client.force_login(coordinator_x)
    assert client.get(reverse("admin:indicators_target_changelist")).status_code == 200
    assert client.post(_admin_url(target), data).status_code == 403
    target.refresh_from_db()
    assert target.value == 10
    assert client.get(reverse("admin:indicators_target_import")).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("admin:indicators_target_import")).status_code == 200
    client.post(_admin_url(target), data)  # the same post changes the target for a manager
    target.refresh_from_db()
    assert target.value == 99
