"""Every export is recorded as a security event: who, which filters, how many rows."""

import pytest
from django.urls import reverse

from core.models import SecurityEvent, SecurityEventKind
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_streamed_raw_export_records_its_filters_and_rows(client, office_a, staff_a):
    workshop = factories.workshop(office_a)
    for _ in range(3):
        factories.attendance(workshop, factories.participant(office_a))
    client.force_login(staff_a)
    url = reverse("reports:export_raw", kwargs={"kind": "attendance", "fmt": "csv"})
    response = client.get(url, {"period": "all"})
    body = b"".join(response.streaming_content)  # the test client closes the response at the end
    assert body.count(b"\n") == 4  # header + 3 rows
    event = SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT)
    assert event.user == staff_a
    assert event.details["export"] == "attendance_csv"
    assert event.details["rows"] == 3
    assert event.details["filter:period"] == "all"


def test_an_xlsx_page_export_is_recorded(client, office_a, manager):
    factories.workshop(office_a)
    client.force_login(manager)
    response = client.get(reverse("reports:export", kwargs={"fmt": "xlsx"}), {"period": "all"})
    assert response.status_code == 200
    event = SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT)
    assert event.user == manager
    assert event.details["export"] == "indicators_xlsx"
    assert event.details["rows"] > 0
