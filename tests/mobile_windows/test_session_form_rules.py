"""The window-session form reports missing hours first, never pushes the "nobody reached"
confirmation, and shows a negative cell's error beside that cell."""

import re

import pytest
from django.urls import reverse

from mobile_windows.models import WindowSession
from tests import factories

pytestmark = pytest.mark.django_db


def _field_block(body: str, name: str) -> str:
    match = re.search(rf'<div class="field[^"]*"[^>]*>(?:(?!</div>).)*name="{name}"(?:(?!</div>).)*</div>', body, re.S)
    return match.group(0) if match else ""


def test_an_empty_submit_reports_hours_not_the_zero_confirmation(client, staff_a, office_a):
    window = factories.window(office_a)
    client.force_login(staff_a)
    response = client.post(reverse("mobile_windows:session_create", args=[window.pk]), {"date": "", "hours": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "has-error" in _field_block(body, "hours") and "errorlist" in _field_block(body, "hours")
    zero = re.search(r'<div class="field zero-confirm[^"]*"', body).group(0)
    assert "has-error" not in zero
    assert "no tuvo público" not in body
    checkbox = re.search(r'<input[^>]*name="confirm_zero"[^>]*>', body).group(0)
    assert "autofocus" not in checkbox
    assert not WindowSession.objects.exists()


def test_the_zero_confirmation_comes_after_the_other_errors(client, staff_a, office_a):
    window = factories.window(office_a)
    client.force_login(staff_a)
    url = reverse("mobile_windows:session_create", args=[window.pk])
    before = client.post(url, {"date": "01/01/2000", "hours": "2"}).content.decode()
    assert "anterior a la instalación" in before and "no tuvo público" not in before
    # Once everything else is right, the empty grid asks for the confirmation.
    right = client.post(url, {"date": window.installed_on.strftime("%d/%m/%Y"), "hours": "2"}).content.decode()
    assert "no tuvo público" in right


def test_a_negative_cell_shows_its_error_beside_it(client, staff_a, office_a):
    window = factories.window(office_a)
    client.force_login(staff_a)
    body = client.post(
        reverse("mobile_windows:session_create", args=[window.pk]),
        {"date": "12/03/2026", "hours": "3", "reach_F_1": "-4", "reach_M_2": "7"},
    ).content.decode()
    cell = re.search(r'<td class="has-error">.*?</td>', body, re.S).group(0)
    assert 'name="reach_F_1"' in cell and "No puede ser negativo" in cell
    grid = body[body.index('<fieldset class="reach-grid">') : body.index("</fieldset>", body.index("reach-grid"))]
    assert grid.count("No puede ser negativo") == 1  # beside the cell, not in a list above the grid
    assert not WindowSession.objects.exists()
