"""Admin review messages tell the truth: records out of the user's reach are counted as such;
the queue shows people's names; the return page names each record's type and municipality; the
workshop page's attendance inline shows sex and age group."""

import pytest
from django.urls import reverse

from review.models import ReviewState
from review.services import submit
from tests import factories

pytestmark = pytest.mark.django_db

REASON = "Lista en papel"


def test_approving_another_departments_record_says_it_is_out_of_reach(client, office_b, staff_b, coordinator_x):
    other = factories.workshop(office_b)
    submit(record=other, by=staff_b, reason=REASON)
    client.force_login(coordinator_x)
    url = reverse("admin:workshops_workshop_changelist")
    body = client.post(url, {"action": "approve_selected", "_selected_action": [other.pk]}, follow=True)
    text = body.content.decode()
    assert "1 registro(s) seleccionados están fuera de su alcance" in text
    assert "ya estaban aprobados" not in text
    other.refresh_from_db()
    assert other.review_state == ReviewState.SUBMITTED


def test_mixed_selection_counts_done_already_and_out_of_reach(
    client, office_a, office_b, staff_a, staff_b, coordinator_x
):
    mine, approved = factories.workshop(office_a), factories.workshop(office_a, review_state=ReviewState.APPROVED)
    submit(record=mine, by=staff_a, reason=REASON)
    other = factories.workshop(office_b)
    submit(record=other, by=staff_b, reason=REASON)
    client.force_login(coordinator_x)
    url = reverse("admin:workshops_workshop_changelist")
    data = {"action": "approve_selected", "_selected_action": [mine.pk, approved.pk, other.pk]}
    text = client.post(url, data, follow=True).content.decode()
    assert "1 registro(s) aprobado(s)" in text
    assert "1 registro(s) ya estaban aprobados" in text
    assert "1 registro(s) seleccionados están fuera de su alcance" in text


def test_the_queue_out_of_reach_selection_is_reported(client, office_b, staff_b, coordinator_x):
    other = factories.workshop(office_b)
    submit(record=other, by=staff_b, reason=REASON)
    client.force_login(coordinator_x)
    url = reverse("admin:review_review_queue")
    data = {"action": "approve", "selected": [f"workshops.workshop:{other.pk}"]}
    text = client.post(url, data, follow=True).content.decode()
    assert "fuera de su alcance" in text


def test_the_queue_shows_names_and_the_return_page_type_and_municipality(client, office_a, coordinator_x):
    staff = factories.user("staff", office_a, first_name="Karla", last_name="Menjívar")
    workshop = factories.workshop(office_a, created_by=staff)
    submit(record=workshop, by=staff, reason=REASON)
    client.force_login(coordinator_x)
    url = reverse("admin:review_review_queue")
    queue = client.get(url).content.decode()
    assert "Karla Menjívar" in queue and workshop.municipality.name in queue
    page = client.post(url, {"action": "return", "selected": [f"workshops.workshop:{workshop.pk}"]}).content.decode()
    assert "Taller</strong>" in page and workshop.municipality.name in page


def test_the_attendance_inline_shows_sex_and_age_group(client, office_a, coordinator_x):
    workshop = factories.workshop(office_a)
    factories.attendance(workshop, factories.participant(office_a, sex="M", age_group="18-29"))
    client.force_login(coordinator_x)
    body = client.get(reverse("admin:workshops_workshop_change", args=[workshop.pk])).content.decode()
    assert "Hombre" in body and "18–29 años" in body
