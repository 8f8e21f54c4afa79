"""The report form shows the period the report actually uses, defaults included."""

import re

import pytest

pytestmark = pytest.mark.django_db
URL = "/informes/"


def _value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    match = re.search(r'value="([^"]*)"', tag)
    return match.group(1) if match else None


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="([^"]*)"[^>]*selected', select).group(1)


def test_a_blank_form_shows_this_year(client, manager):
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert _value(html, "year") == "2026"  # tests.conftest.TEST_NOW
    assert _selected(html, "period") == "year"


def test_a_quarter_without_its_number_shows_the_current_one(client, manager):
    client.force_login(manager)
    html = client.get(URL, {"period": "quarter"}).content.decode()
    assert _value(html, "year") == "2026" and _selected(html, "quarter") == "4"


def test_a_month_shows_its_year_and_month(client, manager):
    client.force_login(manager)
    html = client.get(URL, {"period": "month", "year": "2025", "month": "3"}).content.decode()
    assert _value(html, "year") == "2025" and _selected(html, "month") == "3"
