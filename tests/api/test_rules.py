"""The API follows the pages' rules: scope of a token user, personal data, review, idempotent
creates, Spanish (or English) messages per field, audit history, constant query counts."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.privacy import pseudonym_code as participant_code
from mobile_windows.models import WindowSession
from review.models import ReviewState
from review.services import submit
from tests import factories
from workshops.models import Attendance, Participant, Workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_offices(staff_a, staff_b):
    a = factories.workshop(staff_a.office, title="Taller de A", status="planned")
    b = factories.workshop(staff_b.office, title="Taller de B", status="planned")
    pa = factories.participant(staff_a.office, last_names="DeA", dui=factories.valid_dui(12345678))
    pb = factories.participant(staff_b.office, last_names="DeB", dui=factories.valid_dui(87654321))
    return {"a": a, "b": b, "pa": pa, "pb": pb}


# --- Scope ---


def test_a_token_user_sees_only_their_scope(api, staff_a, two_offices):
    client = api(staff_a)
    titles = [w["title"] for w in client.get("/api/v1/workshops/").json()["results"]]
    assert titles == ["Taller de A"]
    assert client.get(f"/api/v1/workshops/{two_offices['b'].pk}/").status_code == 404
    people = [p["last_names"] for p in client.get("/api/v1/participants/").json()["results"]]
    assert people == ["DeA"]
    assert client.get(f"/api/v1/participants/{two_offices['pb'].pk}/").status_code == 404


def test_anonymous_gets_401_and_no_data(api, two_offices):
    response = api(None).get("/api/v1/workshops/")
    assert response.status_code == 401
    assert "Taller" not in response.content.decode()


def test_session_authentication_also_runs_in_scope(client, staff_b, two_offices):
    client.force_login(staff_b)
    titles = [w["title"] for w in client.get("/api/v1/workshops/").json()["results"]]
    assert titles == ["Taller de B"]


def test_search_finds_another_office_person_only_by_exact_dui(api, staff_a, two_offices):
    client = api(staff_a)
    assert client.get("/api/v1/participants/search/?q=DeB").json() == []
    found = client.get(f"/api/v1/participants/search/?q={two_offices['pb'].dui}").json()
    assert [p["id"] for p in found] == [two_offices["pb"].pk]
    assert found[0]["other_office"] is True
    assert found[0]["dui"] is None and found[0]["phone"] is None  # by name only


# --- Personal data ---


def test_manager_participant_responses_carry_no_personal_data(api, manager, two_offices):
    client = api(manager)
    pa = two_offices["pa"]
    bodies = [
        client.get("/api/v1/participants/").json()["results"],
        [client.get(f"/api/v1/participants/{pa.pk}/").json()],
    ]
    for rows in bodies:
        for row in rows:
            assert row["personal_data"] is False
            assert all(row[f] is None for f in ("first_names", "last_names", "dui", "phone", "email", "position"))
            assert row["code"] == participant_code(row["id"])
    text = str(bodies)
    assert pa.dui not in text and "DeA" not in text and "DeB" not in text


def test_pseudonymous_code_is_the_exports_code(manager, two_offices):
    from reports.raw import pseudonym

    pk = two_offices["pa"].pk
    code = Participant.objects.filter(pk=pk).annotate(c=pseudonym("pk")).values_list("c", flat=True).get()
    assert code == participant_code(pk)


def test_staff_see_personal_data_of_their_office(api, staff_a, two_offices):
    row = api(staff_a).get(f"/api/v1/participants/{two_offices['pa'].pk}/").json()
    assert row["personal_data"] is True and row["dui"] == two_offices["pa"].dui


# --- Review ---


def test_a_coordinator_cannot_approve_outside_their_department(api, staff_a, coordinator_y, two_offices):
    workshop = two_offices["a"]
    submit(record=workshop, by=staff_a, reason="La lista se entregó en papel")
    response = api(coordinator_y).post(f"/api/v1/review/workshops/{workshop.pk}/approve/", {}, format="json")
    assert response.status_code == 404
    workshop.refresh_from_db()
    assert workshop.review_state == ReviewState.SUBMITTED


def test_coordinator_approves_and_staff_cannot(api, staff_a, coordinator_x, two_offices):
    workshop = two_offices["a"]
    empty = api(staff_a).post(f"/api/v1/review/workshops/{workshop.pk}/submit/", {}, format="json")
    assert empty.status_code == 400  # a workshop without attendees needs a stated reason (issue 13's rule)
    reason = {"comment": "La lista se entregó en papel"}
    assert (
        api(staff_a).post(f"/api/v1/review/workshops/{workshop.pk}/submit/", reason, format="json").status_code == 200
    )
    refused = api(staff_a).post(f"/api/v1/review/workshops/{workshop.pk}/approve/", {}, format="json")
    assert refused.status_code == 403
    assert "coordinación" in refused.json()["detail"]
    ok = api(coordinator_x).post(f"/api/v1/review/workshops/{workshop.pk}/approve/", {}, format="json")
    assert ok.status_code == 200 and ok.json()["review_state"] == "approved"
    back = api(coordinator_x).post(f"/api/v1/review/workshops/{workshop.pk}/return/", {"comment": ""}, format="json")
    assert back.status_code == 400 and back.json()["code"] == "comment_required"


# --- Idempotent creates ---


def test_attendance_create_is_idempotent(api, staff_a, two_offices):
    client = api(staff_a)
    body = {"workshop": two_offices["a"].pk, "participant": two_offices["pa"].pk, "client_uuid": str(uuid.uuid4())}
    first = client.post("/api/v1/attendance/", body, format="json")
    second = client.post("/api/v1/attendance/", body, format="json")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Attendance.objects.filter(workshop=two_offices["a"]).count() == 1
    other = client.post("/api/v1/attendance/", {**body, "participant": two_offices["pb"].pk}, format="json")
    assert other.status_code == 409


def test_participant_create_is_idempotent(api, staff_a, two_offices):
    client = api(staff_a)
    body = {
        "workshop": two_offices["a"].pk,
        "first_names": "Rosa Elena",
        "last_names": "Martínez Cruz",
        "sex": "F",
        "age_group": "18-29",
        "client_uuid": str(uuid.uuid4()),
    }
    first = client.post("/api/v1/participants/", body, format="json")
    second = client.post("/api/v1/participants/", body, format="json")
    assert first.status_code == 201, first.json()
    assert first.json() == second.json()
    assert Participant.objects.filter(last_names="Martínez Cruz").count() == 1
    # Without a client UUID the same person again is a duplicate suggestion, as on the page.
    again = client.post("/api/v1/participants/", {**body, "client_uuid": None}, format="json")
    assert again.status_code == 409
    assert again.json()["candidates"][0]["id"] == first.json()["participant"]["id"]


def test_window_session_create_is_idempotent_with_its_grid(api, staff_a):
    window = factories.window(staff_a.office)
    client = api(staff_a)
    body = {
        "window": window.pk,
        "date": "2026-03-20",
        "hours": "3.0",
        "grid": [{"sex": "F", "age_group": "12-17", "count": 7}, {"sex": "M", "age_group": "12-17", "count": 5}],
        "client_uuid": str(uuid.uuid4()),
    }
    first = client.post("/api/v1/window-sessions/", body, format="json")
    second = client.post("/api/v1/window-sessions/", body, format="json")
    assert first.status_code == 201, first.json()
    assert first.json() == second.json()
    assert first.json()["people"] == 12
    assert WindowSession.objects.filter(window=window).count() == 1


def test_writes_are_in_the_audit_history_with_the_token_user(api, staff_a, two_offices):
    body = {"workshop": two_offices["a"].pk, "participant": two_offices["pa"].pk}
    api(staff_a).post("/api/v1/attendance/", body, format="json")
    attendance = Attendance.objects.get(workshop=two_offices["a"])
    assert attendance.history.get().history_user == staff_a


def test_managers_cannot_write(api, manager, two_offices):
    body = {"workshop": two_offices["a"].pk, "participant": two_offices["pa"].pk}
    response = api(manager).post("/api/v1/attendance/", body, format="json")
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_staff_cannot_write_to_another_office(api, staff_a, two_offices):
    body = {"workshop": two_offices["b"].pk, "participant": two_offices["pa"].pk}
    response = api(staff_a).post("/api/v1/attendance/", body, format="json")
    assert response.status_code == 400
    assert response.json()["workshop"] == ["Taller no encontrado."]


# --- Bad input ---


def test_bad_input_gets_a_spanish_message_per_field(api, staff_a):
    body = {"window": "x", "date": "31/02/2026", "hours": -1, "grid": [{"sex": "Z"}]}
    data = api(staff_a).post("/api/v1/window-sessions/", body, format="json").json()
    assert set(data) >= {"window", "date", "hours", "grid"}
    assert "Introduzca un número entero válido." in data["window"]
    english = api(staff_a, language="en").post("/api/v1/window-sessions/", body, format="json").json()
    assert "A valid integer is required." in english["window"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/workshops/?cursor=basura",
        "/api/v1/workshops/?municipality=99999999999999",
        "/api/v1/workshops/?updated_since=ayer",
        "/api/v1/attendance/?updated_since=0310-04-05T17%3A54%3A58.0936%2B23%3A58",  # PostgreSQL: offset > 15:59
        "/api/v1/meetings/?updated_since=0001-01-01T00%3A00%3A00%2B05%3A00",  # before year 1 in UTC
        "/api/v1/figures/?period=custom&start=31/12/2026&end=01/01/2026",
        "/api/v1/figures/?level=galaxia",
        "/api/v1/figures/?indicators=nada",
        "/api/v1/participants/search/?q=",
        "/api/v1/participants/search/?q=a%00b",  # PostgreSQL refuses NUL characters
        "/api/v1/workshops/?title=a%00b",
        "/api/v1/participants/duplicates/?first_names=a%00&last_names=b",
    ],
)
def test_bad_parameters_never_give_500(api, staff_a, url):
    response = api(staff_a).get(url)
    assert response.status_code in (400, 404), response.content
    assert response.json()


def test_malformed_json_is_a_spanish_400(api, staff_a):
    response = api(staff_a).post("/api/v1/attendance/", "{no", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "El cuerpo de la solicitud no es JSON válido."


def test_updated_since_returns_only_changed_records(api, staff_a, two_offices):
    client = api(staff_a)
    since = Workshop.objects.get(pk=two_offices["a"].pk).updated_at
    factories.workshop(staff_a.office, title="Nuevo")
    rows = client.get("/api/v1/workshops/", {"updated_since": since.isoformat()}).json()["results"]
    assert {r["title"] for r in rows} == {"Nuevo", "Taller de A"}


# --- Figures ---


def test_figures_are_the_reports_figures(api, coordinator_x, staff_a, two_offices):
    from geography.models import Municipality
    from indicators.figures import figures_and_pending
    from indicators.periods import year

    factories.attendance(two_offices["a"], two_offices["pa"])
    two_offices["a"].status = "held"
    two_offices["a"].save()
    submit(record=two_offices["a"], by=staff_a)  # pending review: beside the official figure, not in it
    url = "/api/v1/figures/?indicators=workshops_held,attendances&year=2026&level=municipality"
    for bucket in ("aprobados", "con_pendientes"):
        data = api(coordinator_x).get(f"{url}&review={bucket}")
        assert data.status_code == 200, data.json()
        period = year(2026)
        expected, pending = figures_and_pending(
            ["workshops_held", "attendances"],
            Municipality.objects.pess(),
            period.start,
            period.end,
            user=coordinator_x,
            review=bucket,
        )
        assert data.json()["total"] == {k: float(v) for k, v in expected.items()}
        assert data.json()["pending"] == {k: float(v) for k, v in pending.items()}
    assert data.json()["pending"]["attendances"] == 1.0


# --- Query counts ---

LISTS = [
    "/api/v1/workshops/",
    "/api/v1/attendance/",
    "/api/v1/participants/",
    "/api/v1/windows/",
    "/api/v1/window-sessions/",
    "/api/v1/meetings/",
    "/api/v1/assistance/",
    "/api/v1/plans/",
    "/api/v1/municipalities/",
    "/api/v1/institutions/",
]


def _add_rows(office, n):
    for _ in range(n):
        w = factories.workshop(office)
        p = factories.participant(office)
        factories.attendance(w, p)
        factories.session(factories.window(office))
        factories.meeting(office)
        factories.assistance(office)


def _counts(client):
    counts = {}
    for url in LISTS:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(ctx.captured_queries)
    return counts


@pytest.mark.parametrize("role", ["staff_a", "coordinator_x", "manager"])
def test_list_endpoints_have_constant_query_counts(api, role, request):
    user = request.getfixturevalue(role)
    office = factories.office("SV-SS")
    factories.plan(office)
    client = api(user)
    client.get("/api/v1/departments/")  # the token's first use writes its last_used_at
    _add_rows(office, 2)
    small = _counts(client)
    _add_rows(office, 12)
    assert _counts(client) == small


# --- Throttling ---


def test_throttling_per_token_and_per_user(api, staff_a, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/minute", "user": "6/minute"},
    }
    first, second = api(staff_a), api(staff_a)  # two tokens of the same user
    assert [first.get("/api/v1/departments/").status_code for _ in range(4)] == [200, 200, 200, 429]
    # The other token has its own budget, until the user's budget (6 requests, refused ones included) runs out.
    assert [second.get("/api/v1/departments/").status_code for _ in range(3)] == [200, 200, 429]
    assert "Solicitud fue regulada" in second.get("/api/v1/departments/").json()["detail"]
    cache.clear()


def test_a_manager_cannot_submit_even_a_submitted_record(api, staff_a, manager, two_offices):
    submit(record=two_offices["a"], by=staff_a, reason="La lista se entregó en papel")
    response = api(manager).post(f"/api/v1/review/workshops/{two_offices['a'].pk}/submit/", {}, format="json")
    assert response.status_code == 403


def test_token_errors_in_english(staff_a):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/workshops/", HTTP_AUTHORIZATION="Bearer pess_x_y", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "The token is not valid, has expired or was revoked."
