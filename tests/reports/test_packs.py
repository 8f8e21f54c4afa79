"""Monthly report packs (reports.packs): subscription on «Mi cuenta», the scheduler run by the
worker at a month end, the pack's contents (the subscriber's scope only) and its one e-mail."""

import datetime
import io
import zipfile
import zoneinfo

import openpyxl
import pytest
import time_machine
from defusedxml import ElementTree
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from core.errors import DomainError
from geography.models import Department
from reports import packs
from reports.models import ExportJob, ExportState, MonthlyPack, PackSubscription
from review.services import submit
from tests import factories

# Transactional, as the worker runs (tests/reports/test_jobs.py).
pytestmark = pytest.mark.django_db(transaction=True)
SV = zoneinfo.ZoneInfo("America/El_Salvador")
FIRST_OF_DECEMBER = datetime.datetime(2026, 12, 1, 0, 5, tzinfo=SV)


@pytest.fixture(autouse=True)
def export_root(tmp_path, settings):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def run_worker():
    """The site's worker in batch mode: the scheduler's tick, then every queued task."""
    out = io.StringIO()
    call_command("export_worker", "--batch", stdout=out)
    return out.getvalue()


@pytest.fixture
def november(office_a, office_y, staff_a):
    """Approved November workshops in San Salvador (m_ss, 3 people) and Santa Ana (m_sa, 2); a
    submitted one in San Salvador (not official: not in any pack)."""
    m_ss, m_sa = factories.pess_municipality(office_a, 0), factories.pess_municipality(office_y, 0)
    day = datetime.date(2026, 11, 10)
    for office, municipality, people in ((office_a, m_ss, 3), (office_y, m_sa, 2)):
        workshop = factories.workshop(office, municipality, start_date=day, end_date=day)
        for _ in range(people):
            factories.attendance(workshop, factories.participant(office))
    factories.approve_all()
    pending = factories.workshop(office_a, m_ss, start_date=day, end_date=day)
    for _ in range(40):
        factories.attendance(pending, factories.participant(office_a))
    submit(record=pending, by=staff_a)
    return {"m_ss": m_ss, "m_sa": m_sa}


def _sheet_texts(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell]


def test_a_coordinator_gets_last_months_pack_of_their_department_and_one_email(
    november, coordinator_x, client, mailoutbox, settings
):
    coordinator_x.email = "coordinacion@example.org"
    coordinator_x.save(update_fields=["email"])
    packs.subscribe(user=coordinator_x)  # 30/11/2026, before the month ends
    assert packs.tick() == {"queued": 0, "emailed": 0}  # October's pack is not theirs: they subscribed later

    with time_machine.travel(FIRST_OF_DECEMBER, tick=True):
        output = run_worker()
        assert "Paquetes mensuales en cola: 1" in output
        pack = MonthlyPack.objects.get()
        job = ExportJob.objects.get()
        assert pack.month == datetime.date(2026, 11, 1) and pack.job == job
        assert job.owner == coordinator_x and job.kind == "monthly_pack" and job.state == ExportState.COMPLETED

        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == ["coordinacion@example.org"]
        assert "noviembre de 2026" in message.subject
        assert f"{settings.SITE_URL}/informes/descargas/{job.pk}/" in message.body

        client.force_login(coordinator_x)
        response = client.get(reverse("reports:download", args=[job.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        assert set(archive.namelist()) >= {"indicadores-2026-11.xlsx", "LEEME.txt"}
        texts = _sheet_texts(archive.read("indicadores-2026-11.xlsx"))
        assert november["m_ss"].name in texts
        assert november["m_sa"].name not in texts and "Santa Ana" not in " ".join(map(str, texts))
        book = openpyxl.load_workbook(io.BytesIO(archive.read("indicadores-2026-11.xlsx")), read_only=True)
        workshops = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
        header = next(book.worksheets[0].iter_rows(min_row=2, max_row=2, values_only=True))
        row = next(r for r in workshops if r[1] == november["m_ss"].name)
        assert row[header.index("Participantes únicos")] == 3  # approved only: not the 40 pending
        departments = set(Department.objects.values_list("name", flat=True))
        assert {r[0] for r in workshops} & departments == {"San Salvador"}  # the coordinator's department only
        assert "solo registros aprobados" in archive.read("LEEME.txt").decode()
        svg = archive.read("mapa-participantes-2026-11.svg").decode()
        root = ElementTree.fromstring(svg)  # a well-formed, standalone SVG file with its styles
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and "<style>" in svg and ".c0" in svg
        assert f"<title>{november['m_ss'].name}: 3" in svg  # its figure on hover
        assert november["m_sa"].name not in svg  # another department's municipality is not named
        profiles = PdfReader(io.BytesIO(archive.read("perfiles-san-salvador-2026-11.pdf")))
        text = " ".join(page.extract_text() for page in profiles.pages)
        assert november["m_ss"].name in text and november["m_sa"].name not in text
        assert [n for n in archive.namelist() if n.startswith("perfiles-")] == ["perfiles-san-salvador-2026-11.pdf"]

        # A second run of the scheduler (a restart, another worker) builds and sends nothing more.
        run_worker()
        assert packs.tick() == {"queued": 0, "emailed": 0}
        assert MonthlyPack.objects.count() == 1 and ExportJob.objects.count() == 1 and len(mailoutbox) == 1

        page = client.get(reverse("reports:downloads")).content.decode()
        assert "Paquete mensual de informes (ZIP)" in page


def test_territorial_staff_cannot_subscribe(staff_a, coordinator_x, client):
    staff_a.email = "personal@example.org"
    staff_a.save(update_fields=["email"])
    with pytest.raises(DomainError):
        packs.subscribe(user=staff_a)
    client.force_login(staff_a)
    assert "Paquete mensual" not in client.get(reverse("two_factor")).content.decode()
    assert client.get(reverse("reports:monthly_pack")).status_code == 403
    assert client.post(reverse("reports:monthly_pack"), {"table_format": "xlsx"}).status_code == 403
    assert not PackSubscription.objects.exists()
    client.force_login(coordinator_x)
    assert reverse("reports:monthly_pack") in client.get(reverse("two_factor")).content.decode()


def test_subscribe_change_format_and_unsubscribe_on_the_page(coordinator_x, client):
    client.force_login(coordinator_x)
    url = reverse("reports:monthly_pack")
    response = client.post(url, {"table_format": "csv", "action": "subscribe"})
    assert "no tiene correo electrónico" in response.content.decode()  # nothing saved, choice kept
    assert 'value="csv" required id="id_table_format_1" checked' in response.content.decode()
    assert not PackSubscription.objects.exists()
    coordinator_x.email = "c@example.org"
    coordinator_x.save(update_fields=["email"])
    assert client.post(url, {"table_format": "csv", "action": "subscribe"}).status_code == 302
    subscription = PackSubscription.objects.get(user=coordinator_x)
    assert subscription.active and subscription.table_format == "csv"
    assert "Suscripción activa" in client.get(url).content.decode()
    assert client.post(url, {"table_format": "bogus", "action": "subscribe"}).status_code == 200
    client.post(url, {"action": "unsubscribe"})
    subscription.refresh_from_db()
    assert not subscription.active and subscription.table_format == "csv"


def test_a_failed_email_is_sent_at_the_next_tick(november, manager, settings, mailoutbox):
    manager.email = "gerencia@example.org"
    manager.save(update_fields=["email"])
    packs.subscribe(user=manager, table_format="csv")
    with time_machine.travel(FIRST_OF_DECEMBER, tick=True):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
        run_worker()
        pack = MonthlyPack.objects.get()
        assert pack.job.state == ExportState.COMPLETED and pack.emailed_at is None
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert packs.tick() == {"queued": 0, "emailed": 1}
        assert packs.tick() == {"queued": 0, "emailed": 0}
        assert len(mailoutbox) == 1 and mailoutbox[0].to == ["gerencia@example.org"]
        names = zipfile.ZipFile(packs.jobs.export_root() / pack.job.file_name).namelist()
        assert "indicadores-2026-11.csv" in names  # the manager chose CSV
