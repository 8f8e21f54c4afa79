"""End to end in headless Chromium: a territorial staff member creates a workshop, logs attendance
with the keyboard, removes a wrong attendee, imports a sign-in sheet (fixing its errors first) and
prints the sheet."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from workshops.models import Attendance, Participant, Workshop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ("Nombres", "Apellidos", "Sexo", "Grupo de edad", "Institución", "DUI")


def sheet(bad: bool) -> bytes:
    rows = [
        (f"Importada{i}", "Sánchez", "Mujer" if i % 2 else "Hombre", "18-29", "ADESCO Centro", "") for i in range(10)
    ]
    if bad:
        rows[3] = ("Importada3", "Sánchez", "Quizás", "18-29", "ADESCO Centro", "")
        rows[7] = ("=HYPERLINK(1)", "Sánchez", "Mujer", "18-29", "ADESCO Centro", "")
    return factories.sheet_csv(rows, header=HEADER, sep=";").encode("cp1252")


def test_staff_log_a_workshop_end_to_end(browser_login, live_server, office_a, staff_a):
    for first, last in [("Beatriz", "Alvarado"), ("Carmen", "Ortiz"), ("Daniel", "Flores")]:
        factories.participant(office_a, first_names=first, last_names=last, sex="M" if first == "Daniel" else "F")
    municipality = factories.pess_municipality(office_a)
    page = browser_login(staff_a, width=390)
    assert page.url.endswith("/talleres/")

    # Create the workshop.
    page.get_by_role("link", name="Nuevo taller").click()
    page.fill("#id_title", "Prevención de la violencia en Apopa")
    page.select_option("#id_topic", "violence_prevention")
    page.select_option("#id_audience", "community")
    page.select_option("#id_municipality", str(municipality.pk))
    page.fill("#id_start_date", "2026-04-10")
    page.fill("#id_end_date", "2026-04-10")
    page.fill("#id_hours", "3")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator("h1")).to_have_text("Prevención de la violencia en Apopa")
    workshop = Workshop.objects.get()

    # Three existing participants, keyboard only: type, Enter adds the highlighted result.
    search = page.locator("#participant-search")
    for i, name in enumerate(["beatriz", "carmen ortiz", "DANIEL"], start=1):
        search.focus()
        page.keyboard.type(name)
        expect(page.locator("#search-results .result-item.active")).to_have_count(1)
        page.keyboard.press("Enter")
        expect(page.locator("#attendee-rows tr")).to_have_count(i)
        expect(search).to_be_focused()

    # Two new participants, keyboard only (Tab between fields, letters choose in the selects).
    for i, (first, last, sex_key) in enumerate([("Gloria", "Umaña", "M"), ("Héctor", "Zelaya", "H")], start=4):
        page.locator("#id_first_names").focus()
        page.keyboard.type(first)
        page.keyboard.press("Tab")
        page.keyboard.type(last)
        page.keyboard.press("Tab")
        page.keyboard.type(sex_key)  # "M" → Mujer, "H" → Hombre
        page.keyboard.press("Tab")
        page.keyboard.type("3")  # 30–59 años
        page.keyboard.press("Tab")
        page.keyboard.type("Alcaldía Municipal")
        page.keyboard.press("Enter")
        expect(page.locator("#attendee-rows tr")).to_have_count(i)
    assert Participant.objects.filter(last_names__in=["Umaña", "Zelaya"]).count() == 2

    # Totals by sex: Beatriz, Carmen, Gloria (women); Daniel, Héctor (men).
    summary = page.locator("#attendance-summary")
    expect(summary.locator("h2")).to_have_text("5 asistentes")
    expect(summary.locator(".totals-row").first).to_contain_text(re.compile(r"Mujer\s*3"))
    expect(summary.locator(".totals-row").first).to_contain_text(re.compile(r"Hombre\s*2"))

    # Remove one attendee.
    page.locator("#attendee-rows tr", has_text="Carmen Ortiz").get_by_role("button", name="Quitar").click()
    expect(page.locator("#attendee-rows tr")).to_have_count(4)
    expect(summary.locator("h2")).to_have_text("4 asistentes")

    # Import a sheet with 2 invalid rows: errors shown, nothing saved; fix and import.
    page.get_by_role("link", name="Importar / pegar hoja").click()
    page.set_input_files("#id_file", {"name": "hoja.csv", "mimeType": "text/csv", "buffer": sheet(bad=True)})
    page.locator("form[enctype] button[type=submit]").click()
    expect(page.locator(".import-summary")).to_contain_text("2 con errores")
    expect(page.locator("tr.row-error")).to_have_count(2)
    expect(page.get_by_text("Sexo «Quizás» no reconocido")).to_be_visible()
    expect(page.get_by_role("button", name="Confirmar y guardar")).to_have_count(0)
    assert Attendance.objects.filter(workshop=workshop).count() == 4
    page.get_by_role("link", name="Cargar otro archivo").click()
    page.set_input_files("#id_file", {"name": "hoja.csv", "mimeType": "text/csv", "buffer": sheet(bad=False)})
    page.locator("form[enctype] button[type=submit]").click()
    expect(page.locator(".import-summary")).to_contain_text("10 nuevas")
    page.get_by_role("button", name="Confirmar y guardar").click()
    expect(page.locator("#attendance-summary h2")).to_have_text("14 asistentes")

    # Print the sign-in sheet.
    page.get_by_role("link", name="Hoja de asistencia").click()
    expect(page.locator("h1")).to_have_text("Hoja de asistencia")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("table.sheet thead th")).to_have_count(12)  # N.º + import columns + signature
    assert page.pdf(format="Letter", landscape=True)[:4] == b"%PDF"
