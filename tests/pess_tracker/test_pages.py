import pytest
from django.urls import reverse

from demo.seeder import SIZES, DemoSeeder, ensure_demo_users
from workshops.models import Attendance, Participant, Workshop

pytestmark = pytest.mark.django_db


def test_home_requires_login(client, ref):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_shows_the_users_indicators_in_spanish(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Talleres realizados" in response.content.decode()


def test_english_is_available_when_chosen(client, staff_a):
    client.force_login(staff_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get(reverse("home")).content.decode()


def test_login_page_is_in_spanish(client, ref):
    body = client.get(reverse("login")).content.decode()
    assert "Ingresar" in body and "Contraseña" in body


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_seed_demo_is_deterministic(ref):
    ensure_demo_users()
    DemoSeeder("tiny", seed=7, log=lambda _m: None).run()
    first = (Workshop.objects.count(), Participant.objects.count(), Attendance.objects.count())
    titles = list(Workshop.objects.order_by("pk").values_list("title", "start_date", "municipality__code"))
    assert first[0] == SIZES["tiny"].workshops
    assert first[1] == SIZES["tiny"].participants
    Attendance.objects.all().delete()
    Workshop.objects.all().delete()
    from demo.seeder import delete_demo_data

    delete_demo_data()
    DemoSeeder("tiny", seed=7, log=lambda _m: None).run()
    assert list(Workshop.objects.order_by("pk").values_list("title", "start_date", "municipality__code")) == titles
