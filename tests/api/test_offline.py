"""The API side of offline attendance (issue 15): the bundle a device carries, idempotent removal,
and the conflicts a queued action meets (409 with a machine-readable `code`, nothing changed)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import IdempotencyKey
from review.services import approve, submit
from tests import factories
from workshops.models import Attendance, Participant
from workshops.people import merge_participants

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(staff_a, staff_b):
    a = factories.workshop(staff_a.office, title="Taller de A", status="planned")
    b = factories.workshop(staff_b.office, title="Taller de B", status="planned")
    pa = factories.participant(
        staff_a.office, first_names="Ana", last_names="DeA", dui=factories.valid_dui(12345678), phone="7777-0000"
    )
    pb = factories.participant(staff_b.office, last_names="DeB", dui=factories.valid_dui(87654321))
    return {"a": a, "b": b, "pa": pa, "pb": pb}


def post(client, url, body):
    return client.post(url, body, format="json")


# --- The bundle: GET /api/v1/workshops/<id>/offline/ ---


def test_the_bundle_carries_names_institution_and_dui_end_of_the_office_only(api, staff_a, world):
    other_office_attendee = world["pb"]
    factories.attendance(world["a"], world["pa"])
    factories.attendance(world["a"], other_office_attendee)
    response = api(staff_a).get(f"/api/v1/workshops/{world['a'].pk}/offline/")
    assert response.status_code == 200
    body = response.json()
    assert body["workshop"]["id"] == world["a"].pk and body["workshop"]["title"] == "Taller de A"
    assert [p["last_names"] for p in body["participants"]] == ["DeA"]  # the office's registry only
    person = body["participants"][0]
    assert set(person) == {"id", "first_names", "last_names", "sex", "age_group", "institution", "dui_end"}
    assert person["dui_end"] == world["pa"].dui[-5:]
    text = response.content.decode()
    assert world["pa"].dui not in text and "7777-0000" not in text and world["pb"].dui[-5:] not in text
    assert {p["last_names"] for p in body["attendance"]} == {"DeA", "DeB"}
    assert all(p["dui_end"] == "" for p in body["attendance"])


def test_the_bundle_is_for_those_who_may_change_the_workshop(api, staff_a, staff_b, coordinator_x, manager, world):
    url = f"/api/v1/workshops/{world['a'].pk}/offline/"
    assert api(staff_b).get(url).status_code == 404  # another office's workshop
    assert api(coordinator_x).get(url).status_code == 200
    refused = api(manager).get(url)
    assert refused.status_code == 403 and refused.json()["code"] == "not_offline"
    assert "DeA" not in refused.content.decode()
    assert api(None).get(url).status_code == 401
    assert api(staff_a).get("/api/v1/workshops/abc/offline/").status_code == 404
    factories.attendance(world["a"], world["pa"])
    submit(record=world["a"], by=staff_a)
    approve(record=world["a"], by=coordinator_x)
    assert api(staff_a).get(url).status_code == 403  # approved: nothing could be recorded


def test_the_bundle_costs_the_same_queries_for_any_registry_size(api, staff_a, world):
    client = api(staff_a)
    url = f"/api/v1/workshops/{world['a'].pk}/offline/"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    count()  # the token's first use is recorded once
    small = count()
    for i in range(20):
        person = factories.participant(staff_a.office, last_names=f"Más{i}")
        factories.attendance(world["a"], person)
    assert count() == small


# --- Removal: POST /api/v1/attendance/remove/ ---


def test_remove_is_idempotent_with_its_client_uuid(api, staff_a, world):
    factories.attendance(world["a"], world["pa"])
    client = api(staff_a)
    body = {"workshop": world["a"].pk, "participant": world["pa"].pk, "client_uuid": str(uuid.uuid4())}
    first = post(client, "/api/v1/attendance/remove/", body)
    assert first.status_code == 200 and first.json()["removed"] is True
    assert not Attendance.objects.exists()
    factories.attendance(world["a"], world["pa"])  # added again meanwhile: a replay must not remove it
    again = post(client, "/api/v1/attendance/remove/", body)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Attendance.objects.count() == 1
    fresh = post(client, "/api/v1/attendance/remove/", {**body, "client_uuid": str(uuid.uuid4())})
    assert fresh.json()["removed"] is True
    twice = post(client, "/api/v1/attendance/remove/", {**body, "client_uuid": str(uuid.uuid4())})
    assert twice.status_code == 200 and twice.json()["removed"] is False


def test_remove_answers_400_per_field_and_never_touches_another_office(api, staff_a, staff_b, manager, world):
    factories.attendance(world["b"], world["pb"])
    client = api(staff_a)
    missing = post(client, "/api/v1/attendance/remove/", {})
    assert missing.status_code == 400 and set(missing.json()) >= {"workshop", "participant"}
    wrong = post(client, "/api/v1/attendance/remove/", {"workshop": "x", "participant": -1})
    assert wrong.status_code == 400 and set(wrong.json()) == {"workshop", "participant", "code"}
    bad_key = post(
        client, "/api/v1/attendance/remove/", {"workshop": world["a"].pk, "participant": 1, "client_uuid": "no"}
    )
    assert bad_key.status_code == 400 and bad_key.json()["client_uuid"] == ["Debe ser un UUID."]
    other = post(client, "/api/v1/attendance/remove/", {"workshop": world["b"].pk, "participant": world["pb"].pk})
    assert other.status_code == 400 and other.json()["workshop"] == ["Taller no encontrado."]
    refused = post(
        api(manager), "/api/v1/attendance/remove/", {"workshop": world["b"].pk, "participant": world["pb"].pk}
    )
    assert refused.status_code == 403
    assert Attendance.objects.filter(workshop=world["b"]).count() == 1


# --- Conflicts: 409 with a code, nothing changed ---


def test_an_approved_workshop_is_a_409_for_every_attendance_write(api, staff_a, coordinator_x, world):
    kept = world["pa"]
    factories.attendance(world["a"], kept)
    newcomer = factories.participant(staff_a.office, last_names="Tarde")
    submit(record=world["a"], by=staff_a)
    approve(record=world["a"], by=coordinator_x)
    client = api(staff_a)
    add = post(client, "/api/v1/attendance/", {"workshop": world["a"].pk, "participant": newcomer.pk})
    remove = post(client, "/api/v1/attendance/remove/", {"workshop": world["a"].pk, "participant": kept.pk})
    new = post(
        client,
        "/api/v1/participants/",
        {"workshop": world["a"].pk, "first_names": "Nueva", "last_names": "Persona", "sex": "F", "age_group": "30-59"},
    )
    for response in (add, remove, new):
        assert response.status_code == 409
        assert response.json()["code"] == "workshop_approved"
        assert "aprobó" in response.json()["detail"]
    assert list(Attendance.objects.values_list("participant_id", flat=True)) == [kept.pk]
    assert not Participant.objects.filter(last_names="Persona").exists()
    assert not IdempotencyKey.objects.exists()


def test_a_closed_month_is_a_409_period_closed(api, staff_a, coordinator_x, world):
    factories.closure(world["a"].municipality, coordinator_x, year=2026, month=3)
    response = post(api(staff_a), "/api/v1/attendance/", {"workshop": world["a"].pk, "participant": world["pa"].pk})
    assert response.status_code == 409 and response.json()["code"] == "period_closed"
    assert "reabra el mes" in response.json()["detail"]
    assert not Attendance.objects.exists()


def test_a_person_merged_meanwhile_is_a_409_naming_the_kept_record(api, staff_a, world):
    duplicate = factories.participant(staff_a.office, first_names="Ana", last_names="DeA")
    merge_participants(keep=world["pa"], remove=duplicate, by=staff_a)
    client = api(staff_a)
    add = post(client, "/api/v1/attendance/", {"workshop": world["a"].pk, "participant": duplicate.pk})
    assert add.status_code == 409 and add.json()["code"] == "participant_merged"
    assert add.json()["merged_into"]["id"] == world["pa"].pk
    assert not Attendance.objects.exists()
    factories.attendance(world["a"], world["pa"])
    remove = post(client, "/api/v1/attendance/remove/", {"workshop": world["a"].pk, "participant": duplicate.pk})
    assert remove.status_code == 409 and remove.json()["merged_into"]["id"] == world["pa"].pk
    assert Attendance.objects.count() == 1
    # Another office never learns about the merge.
    other = post(
        api(factories.user(office_obj=world["b"].office)),
        "/api/v1/attendance/",
        {"workshop": world["b"].pk, "participant": duplicate.pk},
    )
    assert other.status_code == 400 and "merged_into" not in other.json()


def test_a_dui_registered_meanwhile_is_a_409_dui_exists_with_the_person(api, staff_a, world):
    body = {
        "workshop": world["a"].pk,
        "first_names": "Otra",
        "last_names": "Distinta",
        "sex": "F",
        "age_group": "18-29",
        "dui": world["pa"].dui,
        "client_uuid": str(uuid.uuid4()),
    }
    response = post(api(staff_a), "/api/v1/participants/", body)
    assert response.status_code == 409
    assert response.json()["code"] == "dui_exists"
    assert [c["id"] for c in response.json()["candidates"]] == [world["pa"].pk]
    assert Participant.objects.count() == 2 and not Attendance.objects.exists()
    # Even when the user says it is another person: one DUI, one person.
    again = post(
        api(staff_a), "/api/v1/participants/", {**body, "not_duplicate": True, "client_uuid": str(uuid.uuid4())}
    )
    assert again.status_code == 409 and again.json()["code"] == "dui_exists"
