"""End to end in headless Chromium (issue 15): QR self check-in with two browser contexts — the
staff member's and a participant's phone (390 × 844, never logged in). The participant submits,
staff confirm with one tap, the attendance counts; the same link after the workshop's day and a
forged or altered link are refused.

PESS_SCREENSHOTS=docs/screenshots saves the staff QR page, the participant's form and the
thank-you page at 390 and 1280 px."""

import datetime
import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from workshops.models import Attendance, AttendanceMethod, CheckInEntry, Workshop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("PESS_SCREENSHOTS")
PHONE = {"width": 390, "height": 844}


AXE = Axe()
FOUND = []  # accessibility: axe-core's critical and serious violations on each page shot


def shot(page, name):
    for violation in AXE.run(page).response["violations"]:
        if violation["impact"] in ("critical", "serious"):
            FOUND.append(
                f"{name}: {violation['impact']} {violation['id']} {[n['target'] for n in violation['nodes'][:2]]}"
            )
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def csp_watch(page, violations):
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)


def test_a_participant_checks_in_on_their_phone_and_staff_confirm(
    chromium, browser_login, live_server, office_a, staff_a
):
    today = timezone.localdate()  # the browser tests run on the real clock
    workshop = factories.workshop(
        office_a, title="Prevención de la violencia", start_date=today, end_date=today, status="planned"
    )
    factories.attendance(workshop, factories.participant(office_a, first_names="Ya", last_names="Presente"))
    violations = []

    # Staff open "Registro por QR" from the attendance page.
    staff = browser_login(staff_a, width=1280)
    csp_watch(staff, violations)
    staff.goto(f"{live_server.url}{workshop.get_absolute_url()}")
    staff.get_by_role("link", name="Registro por QR").click()
    staff.get_by_role("button", name="Abrir registro por QR").click()
    expect(staff.locator(".checkin-qr-code svg")).to_be_visible()
    expect(staff.locator("[data-checkin-pending]")).to_have_text("0 registros por confirmar")
    link = staff.locator("[data-checkin-url]").get_attribute("href")
    assert link.startswith(f"{live_server.url}/talleres/registro/")
    shot(staff, "checkin-qr-1280")
    staff.set_viewport_size(PHONE)
    shot(staff, "checkin-qr-390")
    staff.set_viewport_size({"width": 1280, "height": 900})

    # The participant's phone: a second context, never logged in.
    phone_context = chromium.new_context(viewport=PHONE, locale="es-SV", has_touch=True, is_mobile=True)
    try:
        phone = phone_context.new_page()
        phone.set_default_timeout(15_000)
        csp_watch(phone, violations)
        phone.goto(link)
        expect(phone.locator("h1")).to_have_text("Registro de asistencia")
        body = phone.locator("main").inner_text()
        assert "Prevención de la violencia" in body and "Aviso de privacidad" in body
        assert "Presente" not in body and workshop.municipality.name not in body  # nothing of anyone else
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, "checkin-form-390")
        phone.fill("#id_first_names", "Rosa Elena")
        phone.fill("#id_last_names", "Martínez")
        phone.select_option("#id_sex", "F")
        phone.select_option("#id_age_group", "30-59")
        phone.fill("#id_institution", "Casa de la Cultura")
        phone.get_by_role("button", name="Enviar mi registro").click()
        expect(phone.locator(".has-error")).to_contain_text("debe aceptar el aviso de privacidad")
        assert phone.input_value("#id_first_names") == "Rosa Elena"  # what was typed is kept
        assert not CheckInEntry.objects.exists()
        phone.check("#id_consent")
        phone.get_by_role("button", name="Enviar mi registro").click()
        expect(phone.locator("h1")).to_have_text("Gracias, su asistencia quedó registrada para confirmar")
        thanks = phone.locator("main").inner_text()
        assert "Presente" not in thanks and "asistentes" not in thanks
        shot(phone, "checkin-thanks-390")
        thanks_url = phone.url

        # Staff see it "por confirmar" (and it does not count yet), then confirm with one tap.
        staff.goto(f"{live_server.url}{workshop.get_absolute_url()}")
        pending = staff.locator("#checkin-entry-" + str(CheckInEntry.objects.get().pk))
        expect(pending).to_contain_text("Rosa Elena Martínez")
        expect(pending).to_contain_text("por confirmar")
        expect(staff.locator("#list-title")).to_have_text("1 asistente")
        assert Attendance.objects.filter(workshop=workshop).count() == 1
        staff.locator("#por-confirmar").scroll_into_view_if_needed()
        shot(staff, "checkin-pending-1280")
        pending.get_by_role("button", name="Confirmar").click()
        expect(staff.locator("#attendee-rows tr", has_text="Rosa Elena Martínez")).to_have_count(1)
        expect(staff.locator("#list-title")).to_have_text("2 asistentes")
        expect(staff.locator("#por-confirmar")).not_to_contain_text("Rosa Elena")
        attendance = Attendance.objects.get(workshop=workshop, participant__last_names="Martínez")
        assert attendance.method == AttendanceMethod.SELF_CHECKIN
        assert Attendance.objects.filter(workshop=workshop).count() == 2
        staff.reload()
        expect(staff.locator("#list-title")).to_have_text("2 asistentes")
        staff.goto(f"{live_server.url}/talleres/{workshop.pk}/qr/")
        expect(staff.locator("[data-checkin-pending]")).to_have_text("0 registros por confirmar")

        # The same pages at 1280 px (a laptop opening the link).
        desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="es-SV")
        try:
            wide = desktop.new_page()
            csp_watch(wide, violations)
            wide.goto(link)
            shot(wide, "checkin-form-1280")
            wide.goto(thanks_url)
            shot(wide, "checkin-thanks-1280")
        finally:
            desktop.close()

        # A forged or altered link is refused and stores nothing.
        token = link.rstrip("/").rsplit("/", 1)[1]
        payload, signature = token.rsplit(":", 1)
        for bad in (
            f"{live_server.url}/talleres/registro/{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}:{signature}/",
            f"{live_server.url}/talleres/registro/{payload}:{signature[::-1]}/",
            f"{live_server.url}/talleres/registro/inventado/",
        ):
            response = phone.goto(bad)
            assert response.status == 404, bad
            expect(phone.locator("main")).to_contain_text("Este enlace no es válido")
            assert phone.locator("form.checkin-form").count() == 0

        # The same link after the workshop's day: refused, with a clear message.
        yesterday = today - datetime.timedelta(days=1)
        Workshop.objects.filter(pk=workshop.pk).update(start_date=yesterday, end_date=yesterday)
        response = phone.goto(link)
        assert response.status == 410
        expect(phone.locator("main")).to_contain_text("Este enlace ya venció")
        assert phone.locator("form.checkin-form").count() == 0
        assert CheckInEntry.objects.count() == 1
    finally:
        phone_context.close()
    assert violations == []
    assert FOUND == []
    assert re.fullmatch(r"[\w\-:]+", token)
