"""The installable field app (issue 15): manifest, service worker and offline page from our own
origin, under the content security policy; logout tells the browser to clear the device."""

import json

import pytest
from django.test import Client

from pess_tracker import pwa
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_manifest_is_spanish_with_our_icons_and_colour():
    response = Client().get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["lang"] == "es" and data["display"] == "standalone" and data["scope"] == "/"
    assert data["theme_color"] == pwa.THEME_COLOR
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        assert Client().get(icon["src"]).status_code == 200


def test_the_service_worker_covers_the_site_and_lists_the_shell(staff_a):
    client = Client()
    client.force_login(staff_a)
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "worker-src 'self'" in response["Content-Security-Policy"]
    body = response.content.decode()
    config = json.loads(body.split("self.PESS_SW = ", 1)[1].split(";\n", 1)[0])
    assert "/sin-conexion/" in config["shell"] and any(u.endswith("offline_attendance.js") for u in config["shell"])
    assert not any(u.startswith("/api/") for u in config["shell"])
    assert config["version"] == pwa.shell_version()
    assert staff_a.username not in body


def test_the_offline_page_carries_nothing_of_the_user(staff_a):
    client = Client()
    client.force_login(staff_a)
    response = client.get("/sin-conexion/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Sin conexión" in text
    assert staff_a.first_name not in text and staff_a.username not in text and "csrfmiddlewaretoken" not in text


def test_logout_asks_the_browser_to_clear_the_device(staff_a):
    client = Client()
    client.force_login(staff_a)
    page = client.get("/talleres/").content.decode()
    assert "data-clear-offline" in page and 'rel="manifest"' in page
    response = client.post("/cuenta/salir/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_the_attendance_page_offers_offline_only_to_those_who_record(staff_a, manager, office_a):
    workshop = factories.workshop(office_a)
    client = Client()
    client.force_login(staff_a)
    assert 'id="offline-panel"' in client.get(workshop.get_absolute_url()).content.decode()
    client.force_login(manager)
    assert 'id="offline-panel"' not in client.get(workshop.get_absolute_url()).content.decode()
