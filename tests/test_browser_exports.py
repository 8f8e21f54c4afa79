"""The manager asks for the national attendance XLSX, watches its progress, downloads it."""

import io
import re

import openpyxl
import pytest
from django.core.management import call_command

from reports.models import ExportJob, ExportState
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_exports_national_attendance_as_a_background_job(
    browser_login, live_server, office_a, office_y, manager, tmp_path, settings
):
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.EXPORT_PROGRESS_ROWS = 10
    expected = 0
    for office in (office_a, office_y):  # two departments: the national level has both
        workshop = factories.workshop(office, factories.pess_municipality(office))
        for _ in range(30):
            factories.attendance(workshop, factories.participant(office))
            expected += 1
    page = browser_login(manager, width=390)

    page.goto(f"{live_server.url}/informes/?level=department&period=all")
    row = page.locator(".raw-list li", has_text="Asistencias a talleres")
    row.get_by_role("button", name="XLSX").click()
    page.wait_for_url(re.compile(r"/informes/descargas/\d+/$"))
    bar = page.locator("progress.job-bar")
    assert bar.get_attribute("value") == "0"
    assert "En cola" in page.locator("#job-progress").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    job = ExportJob.objects.get()
    assert job.state == ExportState.QUEUED and job.owner == manager

    # The site's worker (django-tasks-db's db_worker behind export_worker) runs the queued job;
    # the page, polling every second through htmx, follows it to the end.
    call_command("export_worker", "--batch", stdout=io.StringIO())
    download = page.get_by_role("link", name="Descargar archivo")
    download.wait_for(timeout=10_000)
    assert bar.get_attribute("value") == "100"
    assert f"{expected} de {expected} filas" in page.locator("#job-progress").inner_text()
    assert page.locator("#job-progress button", has_text="Cancelar").count() == 0

    with page.expect_download() as info:
        download.click()
    path = tmp_path / "descarga.xlsx"
    info.value.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == expected
    header = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert "Código de participante" in header and "Nombres" not in header  # a manager: pseudonymous

    page.goto(f"{live_server.url}/informes/descargas/")
    assert "Asistencias a talleres (XLSX)" in page.locator("main").inner_text()
