import datetime

import pytest
from django.urls import reverse

from indicators.disaggregation import AgeGroup, Sex
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession
from review.models import ReviewState
from review.services import return_for_changes
from tests import factories
from tests.query_counts import queries_for

pytestmark = pytest.mark.django_db


def _session_post(**overrides):
    data = {"date": "12/03/2026", "hours": "3", "topic_leiv_rights": "on", "materials_handed_out": "20"}
    data.update(overrides)
    return data


def test_pages_require_login(client, office_a):
    window = factories.window(office_a)
    for url in [reverse("mobile_windows:window_list"), window.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_every_page_of_another_office_is_a_404(client, staff_b, office_a):
    window = factories.window(office_a)
    session = factories.session(window)
    client.force_login(staff_b)
    gets = [
        window.get_absolute_url(),
        reverse("mobile_windows:window_update", args=[window.pk]),
        reverse("mobile_windows:session_create", args=[window.pk]),
        session.get_absolute_url(),
        reverse("mobile_windows:session_update", args=[session.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("mobile_windows:window_submit", args=[window.pk]),
        reverse("mobile_windows:session_submit", args=[session.pk]),
        reverse("mobile_windows:session_create", args=[window.pk]),
    ]
    for url in posts:
        assert client.post(url, _session_post(reach_F_1="3")).status_code == 404, url
    assert WindowSession.objects.count() == 1
    body = client.get(reverse("mobile_windows:window_list")).content.decode()
    assert str(window) not in body


def test_recording_a_session_with_the_grid(client, staff_a, office_a):
    window = factories.window(office_a)
    client.force_login(staff_a)
    form = client.get(reverse("mobile_windows:session_create", args=[window.pk])).content.decode()
    assert 'name="reach_F_0"' in form and 'name="reach_N_4"' in form
    assert "nombre" not in form.lower().replace("nunca se piden nombres", "")
    response = client.post(
        reverse("mobile_windows:session_create", args=[window.pk]),
        _session_post(reach_F_1="12", reach_M_1="9", reach_F_3=""),
    )
    session = WindowSession.objects.get()
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert {(r.sex, r.age_group): r.count for r in ReachCount.objects.all()} == {
        (Sex.FEMALE, AgeGroup.ADOLESCENT): 12,
        (Sex.MALE, AgeGroup.ADOLESCENT): 9,
    }
    detail = client.get(session.get_absolute_url()).content.decode()
    assert "21" in detail and "badge-draft" in detail and "Enviar a revisión" in detail


def test_a_negative_count_keeps_what_was_typed_and_saves_nothing(client, staff_a, office_a):
    window = factories.window(office_a)
    client.force_login(staff_a)
    response = client.post(
        reverse("mobile_windows:session_create", args=[window.pk]), _session_post(reach_F_1="-4", reach_M_2="7")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "No puede ser negativo" in body
    assert 'value="7"' in body and 'value="-4"' in body
    assert not WindowSession.objects.exists()


def test_zero_people_needs_the_confirmation_box(client, staff_a, office_a):
    window = factories.window(office_a)
    client.force_login(staff_a)
    url = reverse("mobile_windows:session_create", args=[window.pk])
    response = client.post(url, _session_post())
    assert response.status_code == 200
    assert "confirme que la jornada no tuvo público" in response.content.decode()
    assert not WindowSession.objects.exists()
    assert client.post(url, _session_post(confirm_zero="on")).status_code == 302
    assert WindowSession.objects.get().reach_counts.count() == 0


def test_a_session_dated_after_removal_is_refused_on_the_form(client, staff_a, office_a):
    window = factories.window(office_a, removed_on=datetime.date(2026, 3, 1), status="removed")
    client.force_login(staff_a)
    response = client.post(reverse("mobile_windows:session_create", args=[window.pk]), _session_post(reach_F_1="3"))
    assert response.status_code == 200
    assert "ya estaba retirada" in response.content.decode()
    assert not WindowSession.objects.exists()


def test_a_window_form_with_end_before_start_is_refused(client, staff_a, office_a):
    school = factories.school(factories.pess_municipality(office_a))
    client.force_login(staff_a)
    response = client.post(
        reverse("mobile_windows:window_create"),
        {"school": school.pk, "installed_on": "10/03/2026", "removed_on": "01/03/2026", "status": "removed"},
    )
    assert response.status_code == 200
    assert "no puede ser anterior a la de instalación" in response.content.decode()
    assert not MobileWindow.objects.exists()


def test_a_school_form_offers_only_municipalities_of_the_users_department(client, staff_a, office_a, office_b):
    client.force_login(staff_a)
    other = factories.pess_municipality(office_b)
    response = client.post(
        reverse("mobile_windows:school_create"), {"mined_code": "88001", "name": "CE X", "municipality": other.pk}
    )
    assert response.status_code == 200
    assert not School.objects.exists()
    ok = client.post(
        reverse("mobile_windows:school_create"),
        {"mined_code": "88001", "name": "CE X", "municipality": factories.pess_municipality(office_a).pk},
    )
    assert ok.status_code == 302 and School.objects.get().mined_code == "88001"


def test_submit_then_approved_locks_the_session(client, staff_a, coordinator_x, office_a):
    session = factories.session(factories.window(office_a))
    client.force_login(staff_a)
    client.post(reverse("mobile_windows:session_submit", args=[session.pk]))
    session.refresh_from_db()
    assert session.review_state == ReviewState.SUBMITTED
    session.review_state = ReviewState.APPROVED
    session.save(update_fields=["review_state"])
    response = client.get(reverse("mobile_windows:session_update", args=[session.pk]))
    assert response.status_code == 302
    body = client.get(session.get_absolute_url()).content.decode()
    assert "badge-approved" in body and reverse("mobile_windows:session_update", args=[session.pk]) not in body
    response = client.post(reverse("mobile_windows:session_update", args=[session.pk]), _session_post(reach_F_1="1"))
    assert response.status_code == 302
    assert session.reach_counts.get().count == 10  # unchanged


def test_a_returned_session_shows_the_coordinators_comment(client, staff_a, coordinator_x, office_a):
    session = factories.session(factories.window(office_a))
    return_for_changes(record=session, by=coordinator_x, comment="Faltan los materiales entregados.")
    client.force_login(staff_a)
    body = client.get(session.get_absolute_url()).content.decode()
    assert "Faltan los materiales entregados." in body and "badge-returned" in body


def test_window_list_query_count_is_constant(client, staff_a, office_a):
    """Guards the N+1 of per-window session counts, people totals, schools and municipalities."""
    client.force_login(staff_a)
    url = reverse("mobile_windows:window_list")
    factories.session(factories.window(office_a))
    small = queries_for(client, url)
    for i in range(4):
        window = factories.window(office_a, factories.pess_municipality(office_a, i))
        factories.session(window)
        factories.session(window, date=datetime.date(2026, 3, 13))
    assert queries_for(client, url) == small


def test_window_page_query_count_is_constant(client, staff_a, office_a):
    """Guards the N+1 of people reached per session on the window page."""
    client.force_login(staff_a)
    window = factories.window(office_a)
    factories.session(window)
    small = queries_for(client, window.get_absolute_url())
    for day in range(13, 20):
        factories.session(window, date=datetime.date(2026, 3, day), counts={(Sex.MALE, AgeGroup.YOUTH): day})
    assert queries_for(client, window.get_absolute_url()) == small


def test_school_list_query_count_is_constant(client, staff_a, office_a):
    """Guards the N+1 of each school's municipality and window count."""
    client.force_login(staff_a)
    url = reverse("mobile_windows:school_list")
    factories.window(office_a)
    small = queries_for(client, url)
    for i in range(4):
        factories.window(office_a, factories.pess_municipality(office_a, i))
    assert queries_for(client, url) == small
