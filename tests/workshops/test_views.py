"""Pages of issue 3: scoping of every URL, locking, the attendance page's actions (plain posts
and htmx), the workshop form and constant query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.disaggregation import AgeGroup, Sex
from review import services as review
from tests import factories
from workshops.models import Attendance, Participant, Workshop

HTMX = {"HTTP_HX_REQUEST": "true"}


def workshop_urls(w, p):
    return [
        ("get", reverse("workshops:detail", args=[w.pk])),
        ("get", reverse("workshops:edit", args=[w.pk])),
        ("get", reverse("workshops:search", args=[w.pk]) + "?q=ana"),
        ("post", reverse("workshops:attendance_add", args=[w.pk])),
        ("post", reverse("workshops:attendance_new", args=[w.pk])),
        ("post", reverse("workshops:attendance_remove", args=[w.pk])),
        ("post", reverse("workshops:mark_held", args=[w.pk])),
        ("post", reverse("workshops:submit", args=[w.pk])),
        ("get", reverse("workshops:sign_in_sheet", args=[w.pk])),
        ("get", reverse("workshops:import", args=[w.pk])),
        ("get", reverse("workshops:import_preview", args=[w.pk])),
        ("get", reverse("workshops:participant_detail", args=[p.pk])),
        ("get", reverse("workshops:participant_merge", args=[p.pk])),
    ]


def test_every_page_requires_login(client, office_a):
    w = factories.workshop(office_a)
    p = factories.participant(office_a)
    urls = [*workshop_urls(w, p), ("get", reverse("workshops:list")), ("get", reverse("workshops:participant_list"))]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/cuenta/ingresar/" in response.url, url


def test_other_offices_objects_are_404_and_unchanged(client, office_a, office_b, staff_b):
    w = factories.workshop(office_a, status="planned")
    p = factories.participant(office_a, first_names="Ana", last_names="Secreta")
    factories.attendance(w, p)
    client.force_login(staff_b)
    for method, url in workshop_urls(w, p):
        response = getattr(client, method)(url, {"participant": p.pk})
        assert response.status_code == 404, url
    w.refresh_from_db()
    assert w.status == "planned" and w.review_state == "draft"
    assert Attendance.objects.filter(workshop=w).count() == 1


def test_lists_never_show_other_offices_rows(client, office_a, office_b, staff_a, staff_b):
    factories.workshop(office_a, title="Taller de San Salvador")
    factories.participant(office_a, first_names="Ana", last_names="Secreta")
    for user, shown in ((staff_a, True), (staff_b, False)):  # their own office's staff do see them
        client.force_login(user)
        assert ("Taller de San Salvador" in client.get(reverse("workshops:list")).content.decode()) is shown
        page = client.get(reverse("workshops:participant_list") + "?q=secreta").content.decode()
        assert ("Secreta" in page) is shown


def test_coordinator_sees_the_departments_workshops_and_manager_everything(
    client, office_a, office_b, coordinator_x, manager
):
    mine = factories.workshop(office_a, title="Taller A")
    factories.workshop(office_b, title="Taller B")
    client.force_login(coordinator_x)
    page = client.get(reverse("workshops:list")).content.decode()
    assert "Taller A" in page and "Taller B" not in page
    client.force_login(manager)
    page = client.get(reverse("workshops:list")).content.decode()
    assert "Taller A" in page and "Taller B" in page
    # Managers read but do not change.
    assert client.get(reverse("workshops:edit", args=[mine.pk])).status_code == 403
    assert client.get(reverse("workshops:create")).status_code == 403


def test_staff_land_on_their_workshops_after_login(client, staff_a):
    response = client.post(reverse("login"), {"username": staff_a.username, "password": factories.PASSWORD})
    assert response.url == reverse("workshops:start")
    assert client.get(response.url).url == reverse("workshops:list")


def test_coordinators_keep_the_dashboard(client, coordinator_x):
    client.force_login(coordinator_x)
    assert client.get(reverse("workshops:start")).url == reverse("home")


def test_list_filters(client, office_a, staff_a):
    m0 = factories.pess_municipality(office_a, 0)
    m1 = factories.pess_municipality(office_a, 1)
    factories.workshop(
        office_a,
        m0,
        title="Prevención comunitaria",
        start_date=datetime.date(2026, 2, 3),
        end_date=datetime.date(2026, 2, 3),
    )
    factories.workshop(office_a, m1, title="LEIV escolar", status="planned")
    client.force_login(staff_a)
    url = reverse("workshops:list")
    page = client.get(url, {"q": "Prevención"}).content.decode()
    assert "Prevención comunitaria" in page and "LEIV escolar" not in page
    page = client.get(url, {"municipality": m1.pk}).content.decode()
    assert "LEIV escolar" in page and "Prevención comunitaria" not in page
    page = client.get(url, {"month": "2026-02"}).content.decode()
    assert "Prevención comunitaria" in page and "LEIV escolar" not in page
    page = client.get(url, {"status": "planned"}).content.decode()
    assert "LEIV escolar" in page and "Prevención comunitaria" not in page
    page = client.get(url, {"view": "no_attendance"}).content.decode()
    assert "LEIV escolar" in page


def _grow(office, workshops, attendees):
    for _ in range(workshops):
        w = factories.workshop(office)
        for _ in range(attendees):
            factories.attendance(w, factories.participant(office))


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def test_workshop_list_query_count_is_constant(client, office_a, staff_a):
    """Guards the N+1 of counting attendees, or reading municipality / thematic table, per workshop."""
    client.force_login(staff_a)
    _grow(office_a, 2, 2)
    small = _count(client, reverse("workshops:list"))
    _grow(office_a, 20, 3)
    assert _count(client, reverse("workshops:list")) == small


def test_attendance_page_query_count_is_constant_from_10_to_500_attendees(client, office_a, staff_a):
    """Guards the N+1 of reading each attendee's participant and institution, and of per-row totals."""
    from workshops.models import Participant as P

    w = factories.workshop(office_a)
    inst = factories.institution(w.municipality)
    client.force_login(staff_a)

    def add(n):
        people = P.objects.bulk_create(
            P(
                first_names=f"P{i}",
                last_names="X",
                search_name=f"p{i} x",
                sex=Sex.FEMALE,
                age_group=AgeGroup.ADULT,
                office=office_a,
                institution=inst,
            )
            for i in range(n)
        )
        Attendance.objects.bulk_create(Attendance(workshop=w, participant=p) for p in people)

    add(10)
    url = reverse("workshops:detail", args=[w.pk])
    participants = reverse("workshops:participant_list")
    small = _count(client, url)
    small_list = _count(client, participants)
    assert client.get(participants).context["page"].paginator.count == 10
    add(490)
    assert Attendance.objects.filter(workshop=w).count() == 500
    assert client.get(participants).context["page"].paginator.count == 500
    assert _count(client, url) == small
    assert _count(client, participants) == small_list


def test_participant_list_query_count_is_constant(client, office_a, staff_a):
    """Guards the N+1 of each participant's institution and attendance count."""
    client.force_login(staff_a)
    _grow(office_a, 1, 3)
    small = _count(client, reverse("workshops:participant_list"))
    _grow(office_a, 3, 8)
    assert _count(client, reverse("workshops:participant_list")) == small


# --- the workshop form --------------------------------------------------------------------


def form_data(office, **kw):
    values = {
        "title": "Taller LEIV",
        "topic": "leiv",
        "audience": "school",
        "municipality": factories.pess_municipality(office).pk,
        "start_date": "2026-04-10",
        "end_date": "2026-04-10",
        "hours": "4",
        "status": "planned",
    }
    values.update(kw)
    return values


def test_create_workshop_for_the_users_office(client, office_a, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("workshops:create"), form_data(office_a))
    w = Workshop.objects.get()
    assert response.url == reverse("workshops:detail", args=[w.pk])
    assert w.office == office_a and w.created_by == staff_a and w.review_state == "draft"


def test_municipality_of_another_department_is_refused_and_input_kept(client, office_a, office_b, staff_a):
    client.force_login(staff_a)
    data = form_data(office_a, municipality=factories.pess_municipality(office_b).pk, title="Mi título")
    response = client.post(reverse("workshops:create"), data)
    assert response.status_code == 200 and not Workshop.objects.exists()
    page = response.content.decode()
    assert "Escoja una opción válida" in page and 'value="Mi título"' in page


def test_end_before_start_is_refused_in_spanish(client, office_a, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("workshops:create"), form_data(office_a, end_date="2026-04-01"))
    assert "no puede ser anterior" in response.content.decode() and not Workshop.objects.exists()


def test_duplicate_workshop_needs_confirmation(client, office_a, staff_a):
    client.force_login(staff_a)
    client.post(reverse("workshops:create"), form_data(office_a))
    response = client.post(reverse("workshops:create"), form_data(office_a, title="taller leiv"))
    assert "ya tiene un taller con el mismo título" in response.content.decode()
    assert Workshop.objects.count() == 1
    client.post(reverse("workshops:create"), form_data(office_a, title="taller leiv", confirm_duplicate="on"))
    assert Workshop.objects.count() == 2


def test_approved_workshop_is_read_only_for_staff(client, office_a, staff_a, coordinator_x):
    w = factories.workshop(office_a)
    review.submit(record=w, by=staff_a, reason="Lista en papel")
    review.approve(record=w, by=coordinator_x)
    client.force_login(staff_a)
    assert client.get(reverse("workshops:edit", args=[w.pk])).status_code == 403
    page = client.get(reverse("workshops:detail", args=[w.pk])).content.decode()
    assert "Solo lectura" in page and "Enviar a revisión" not in page
    p = factories.participant(office_a)
    client.post(reverse("workshops:attendance_add", args=[w.pk]), {"participant": p.pk})
    assert not Attendance.objects.filter(workshop=w).exists()


def test_returned_workshop_shows_the_comment_and_can_be_resubmitted(client, office_a, staff_a, coordinator_x):
    w = factories.workshop(office_a)
    review.submit(record=w, by=staff_a, reason="Lista en papel")
    review.return_for_changes(record=w, by=coordinator_x, comment="Faltan las horas reales")
    client.force_login(staff_a)
    page = client.get(reverse("workshops:detail", args=[w.pk])).content.decode()
    assert "Faltan las horas reales" in page and "badge-returned" in page
    client.post(reverse("workshops:submit", args=[w.pk]), {"reason": "Lista en papel"})
    w.refresh_from_db()
    assert w.review_state == "submitted"


# --- the attendance page ------------------------------------------------------------------


def test_search_without_javascript_lists_matches(client, office_a, staff_a):
    w = factories.workshop(office_a)
    factories.participant(office_a, first_names="María José", last_names="Hernández")
    client.force_login(staff_a)
    page = client.get(reverse("workshops:detail", args=[w.pk]), {"q": "maria jose"}).content.decode()
    assert "María José Hernández" in page and "Agregar" in page


def test_add_existing_with_htmx_returns_the_panel_with_totals(client, office_a, staff_a):
    w = factories.workshop(office_a)
    p = factories.participant(office_a, sex=Sex.MALE)
    client.force_login(staff_a)
    url = reverse("workshops:attendance_add", args=[w.pk])
    response = client.post(url, {"participant": p.pk}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "1 asistente" in page and p.full_name in page
    client.post(url, {"participant": p.pk}, **HTMX)  # a double click
    assert Attendance.objects.filter(workshop=w).count() == 1


def test_add_new_participant_without_javascript(client, office_a, staff_a):
    w = factories.workshop(office_a)
    client.force_login(staff_a)
    data = {"first_names": "Rosa", "last_names": "Martínez", "sex": "F", "age_group": "18-29", "institution": "ADESCO"}
    response = client.post(reverse("workshops:attendance_new", args=[w.pk]), data)
    assert response.status_code == 302
    assert Attendance.objects.get(workshop=w).participant.full_name == "Rosa Martínez"


def test_probable_duplicate_is_offered_before_saving(client, office_a, staff_a):
    w = factories.workshop(office_a)
    factories.participant(office_a, first_names="Rosa", last_names="Martínez", municipality=w.municipality)
    client.force_login(staff_a)
    data = {"first_names": "rosa", "last_names": "Martines", "sex": "F", "age_group": "18-29"}
    response = client.post(reverse("workshops:attendance_new", args=[w.pk]), data, **HTMX)
    page = response.content.decode()
    assert "¿Es la misma persona?" in page and "Rosa Martínez" in page and 'value="Martines"' in page
    assert Participant.objects.count() == 1
    client.post(reverse("workshops:attendance_new", args=[w.pk]), {**data, "not_duplicate": "on"})
    assert Participant.objects.count() == 2


def test_invalid_dui_keeps_what_was_typed(client, office_a, staff_a):
    w = factories.workshop(office_a)
    client.force_login(staff_a)
    data = {"first_names": "Rosa", "last_names": "Paz", "sex": "F", "age_group": "18-29", "dui": "12345678-0"}
    response = client.post(reverse("workshops:attendance_new", args=[w.pk]), data)
    page = response.content.decode()
    assert response.status_code == 422 and "dígito verificador" in page and 'value="Rosa"' in page
    assert not Participant.objects.exists()


def test_other_offices_person_can_be_added_by_dui_but_not_by_pk_alone(client, office_a, office_b, staff_a):
    w = factories.workshop(office_a)
    dui = factories.valid_dui(45678901)
    other = factories.participant(office_b, dui=dui)
    client.force_login(staff_a)
    url = reverse("workshops:attendance_add", args=[w.pk])
    client.post(url, {"participant": other.pk})
    assert not Attendance.objects.exists()
    client.post(url, {"participant": other.pk, "dui": dui})
    assert Attendance.objects.get().participant == other


def test_remove_and_mark_held(client, office_a, staff_a):
    w = factories.workshop(office_a, status="planned")
    p = factories.participant(office_a)
    factories.attendance(w, p)
    client.force_login(staff_a)
    client.post(reverse("workshops:attendance_remove", args=[w.pk]), {"participant": p.pk}, **HTMX)
    assert not Attendance.objects.exists() and Participant.objects.filter(pk=p.pk).exists()
    client.post(reverse("workshops:mark_held", args=[w.pk]))
    w.refresh_from_db()
    assert w.status == "held"


def test_sign_in_sheet_has_the_import_columns(client, office_a, staff_a):
    from workshops.imports import COLUMNS

    w = factories.workshop(office_a, venue="Casa de la Cultura")
    client.force_login(staff_a)
    page = client.get(reverse("workshops:sign_in_sheet", args=[w.pk])).content.decode()
    assert "Hoja de asistencia" in page and "Casa de la Cultura" in page
    for _key, label in COLUMNS:
        assert f"<th>{label}</th>" in page


@pytest.mark.parametrize("name", ["workshops:list", "workshops:participant_list"])
def test_pages_have_no_inline_script_or_style(client, office_a, staff_a, name):
    client.force_login(staff_a)
    page = client.get(reverse(name)).content.decode()
    assert "<script>" not in page and 'style="' not in page and " onclick=" not in page


def test_merge_page(client, office_a, staff_a):
    w = factories.workshop(office_a)
    keep = factories.participant(office_a, first_names="Rosa", last_names="Martínez")
    dup = factories.participant(office_a, first_names="Rosa", last_names="Martines")
    factories.attendance(w, dup)
    client.force_login(staff_a)
    url = reverse("workshops:participant_merge", args=[keep.pk])
    assert "Rosa Martines" in client.get(url, {"q": "rosa"}).content.decode()
    assert "Se elimina" in client.get(url, {"other": dup.pk}).content.decode()
    client.post(url, {"other": dup.pk})
    assert Attendance.objects.get().participant == keep


def test_the_admin_finds_people_with_the_one_search(client, office_a, administrator):
    person = factories.participant(office_a, first_names="José", last_names="Martínez")
    client.force_login(administrator)
    page = client.get(reverse("admin:workshops_participant_changelist"), {"q": "martinez jose"})
    assert (
        page.status_code == 200
        and reverse("admin:workshops_participant_change", args=[person.pk]) in page.content.decode()
    )


def test_an_htmx_save_answers_with_a_full_navigation(client, office_a, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("workshops:create"), form_data(office_a), HTTP_HX_REQUEST="true")
    workshop = Workshop.objects.get()
    assert response.status_code == 204 and response["HX-Redirect"] == workshop.get_absolute_url()
