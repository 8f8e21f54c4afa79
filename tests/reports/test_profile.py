"""The municipal profile PDF (reports.profile): parsed back with pypdf, as a reader would see it.

One municipality on one or two pages with its name and its official totals as text; pending
records beside, never inside; scoped like the municipality page; the department bundle runs as an
export job and holds one section per PESS municipality of that department, and only those.
"""

import datetime
import io
import re
from decimal import Decimal

import pypdf
import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import SecurityEvent
from geography.models import Municipality
from indicators import figures as indicators
from indicators import periods
from indicators.figures import IndicatorKey as K
from municipalities.models import FollowUpAction, FollowUpStatus
from reports import jobs, profile
from reports.models import ExportJob, ExportState
from review import services as review_services
from tests import factories

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> tuple[int, str, pypdf.PdfReader]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages), reader


def _row(text: str, label: str) -> list[str]:
    """The cells that follow an indicator's label in the figures table (one per line in pypdf's text)."""
    lines = text.splitlines()
    i = lines.index(label)
    return lines[i + 1 : i + 5]


@pytest.fixture
def municipal(office_a, staff_a):
    """San Salvador m: 2026 — an approved workshop (Ana, Luis), an approved session reaching 7 girls
    and 5 boys, an approved meeting with an open action, and a submitted (pending) workshop with one
    more person and a submitted meeting. A target of 4 workshops. Another municipality of the
    department has its own workshop; Santa Ana has one too (never in this profile)."""
    m = factories.pess_municipality(office_a, 0)
    other = factories.pess_municipality(office_a, 1)
    day = datetime.date
    from indicators.disaggregation import AgeGroup, Sex

    ana = factories.participant(office_a, first_names="Ana", sex=Sex.FEMALE, age_group=AgeGroup.ADULT)
    luis = factories.participant(office_a, first_names="Luis", sex=Sex.MALE, age_group=AgeGroup.YOUTH)
    w = factories.workshop(office_a, m, hours=Decimal(4), start_date=day(2026, 3, 10), end_date=day(2026, 3, 10))
    factories.attendance(w, ana)
    factories.attendance(w, luis)
    window = factories.window(office_a, m)
    factories.session(
        window, counts={(Sex.FEMALE, AgeGroup.CHILD): 7, (Sex.MALE, AgeGroup.ADOLESCENT): 5}, date=day(2026, 4, 2)
    )
    meeting = factories.meeting(office_a, m, date=day(2026, 5, 5))
    FollowUpAction.objects.create(
        meeting=meeting, description="Ruta de atención revisada", responsible="Alcaldía", status=FollowUpStatus.PENDING
    )
    factories.workshop(office_a, other, start_date=day(2026, 3, 1), end_date=day(2026, 3, 1))
    factories.target(m, 2026, K.WORKSHOPS_HELD, 4)
    factories.approve_all()
    pending = factories.workshop(office_a, m, start_date=day(2026, 6, 1), end_date=day(2026, 6, 1))
    factories.attendance(pending, factories.participant(office_a, first_names="Eva"))
    review_services.submit(record=pending, by=staff_a)
    review_services.submit(record=factories.meeting(office_a, m, date=day(2026, 6, 9)), by=staff_a)
    return m


def test_profile_pdf_names_the_municipality_and_its_official_totals(municipal, manager, client):
    client.force_login(manager)
    response = client.get(reverse("reports:municipality_profile", args=[municipal.pk]), {"year": 2026})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(f'attachment; filename="pess-perfil-{municipal.code}-2026')
    pages, text, reader = _text(response.content)
    assert 1 <= pages <= 2
    assert municipal.name in text and municipal.department.name in text
    assert "Solo registros aprobados" in text and "Generado el " in text
    assert reader.metadata.title == f"Perfil municipal: {municipal.name} (2026)"

    totals = indicators.figures(profile.KEYS, Municipality.objects.filter(pk=municipal.pk), *_year(2026))
    assert totals[K.WORKSHOPS_HELD] == 1 and totals[K.PARTICIPANTS] == 2 and totals[K.PEOPLE_REACHED] == 12
    for key in profile.KEYS:
        cells = _row(text, str(K(key).label))
        assert cells[0] == profile._fmt(totals[key]), (key, cells)
    # Against the yearly target; the pending workshop and its person beside, never inside.
    assert _row(text, "Talleres realizados") == ["1", "4", "25.0 %", "+1"]
    assert _row(text, "Participantes únicos")[:3] == ["2", "—", "—"] and "+1" in _row(text, "Participantes únicos")
    assert "Meta anual 2026" in text
    # The grids keep their "No registrado" row and "Edad no registrada" column; the meeting and its action.
    flat = " ".join(text.split())  # a header may wrap over two lines
    assert "No registrado" in flat and "Edad no registrada" in flat
    assert "Ruta de atención revisada" in flat and "+1 reuniones pendientes de revisión" in flat
    assert SecurityEvent.objects.filter(details__export="profile_pdf").count() == 1


def _year(y):
    period = periods.year(y)
    return period.start, period.end


def test_profile_grid_and_months_add_up(municipal, manager):
    data = profile.build_profile(municipal, periods.year(2026), manager)
    participants, reached = data.grids
    assert participants.rows[-1][2] == data.totals[K.PARTICIPANTS] == 2
    assert reached.rows[-1][2] == data.totals[K.PEOPLE_REACHED] == 12
    assert [label for label, *_rest in participants.rows] == ["Mujer", "Hombre", "No registrado", "Total"]
    assert len(data.months) == 12 and data.months[2][0] == "03/26"
    assert sum(values[K.ATTENDANCES] for _m, values in data.months) == 2
    assert data.meetings_pending == 1 and len(data.meetings) == 1 and len(data.actions) == 1


def test_other_periods_and_bad_input(municipal, coordinator_x, client):
    client.force_login(coordinator_x)
    url = reverse("reports:municipality_profile", args=[municipal.pk])
    _pages, text, _reader = _text(client.get(url, {"period": "quarter", "year": 2026, "quarter": 1}).content)
    assert "Periodo: T1 2026" in text and _row(text, "Talleres realizados")[0] == "1"
    _pages, text, _reader = _text(client.get(url, {"period": "month", "year": 2025, "month": 3}).content)
    assert _row(text, "Talleres realizados")[0] == "0"
    _pages, text, _reader = _text(client.get(url, {"period": "all"}).content)
    assert "todo el periodo" in text and "no se compara con metas anuales" in text
    # Bad input: a Spanish message on the municipality page, no PDF.
    response = client.get(url, {"period": "custom", "start": "31/12/2026", "end": "01/01/2026"}, follow=True)
    assert response.redirect_chain[-1][0] == municipal.get_absolute_url()
    assert "No se pudo preparar el perfil" in response.content.decode()
    response = client.get(url, {"period": "semestre"}, follow=True)
    assert "tipo de periodo desconocido" in response.content.decode()


def test_profile_outside_scope_is_a_404(municipal, coordinator_y, staff_b, client):
    for user in (coordinator_y, staff_b):
        client.force_login(user)
        assert client.get(reverse("reports:municipality_profile", args=[municipal.pk])).status_code == 404


def test_municipality_page_links_to_the_profile_and_offers_the_bundle(municipal, coordinator_x, staff_a, client):
    client.force_login(coordinator_x)
    html = client.get(municipal.get_absolute_url()).content.decode()
    assert reverse("reports:municipality_profile", args=[municipal.pk]) in html
    assert 'name="kind" value="profiles"' in html
    client.force_login(staff_a)  # staff download profiles but do not export bundles (core.permissions)
    html = client.get(municipal.get_absolute_url()).content.decode()
    assert reverse("reports:municipality_profile", args=[municipal.pk]) in html
    assert 'name="kind" value="profiles"' not in html


@pytest.mark.django_db(transaction=True)  # the real worker, as in tests/reports/test_jobs.py
def test_department_bundle_job_has_one_section_per_municipality_of_that_department_only(
    municipal, office_a, office_y, manager, settings, tmp_path, client
):
    """As the national manager, who sees every department: only the department asked for is in."""
    settings.EXPORT_ROOT = str(tmp_path)
    factories.workshop(office_y, factories.pess_municipality(office_y, 0))  # Santa Ana: never in the bundle
    factories.approve_all()
    client.force_login(manager)
    data = {"kind": "profiles", "fmt": "pdf", "department": office_a.department.iso_code, "period": "year"}
    response = client.post(reverse("reports:request_export"), {**data, "year": "2026"})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    call_command("export_worker", "--batch", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.state == ExportState.COMPLETED, job.error
    download = client.get(reverse("reports:download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert "Perfiles municipales de un departamento" in client.get(reverse("reports:downloads")).content.decode()
    path = jobs.file_path(manager, job)
    pages, text, reader = _text(path.read_bytes())
    expected = list(Municipality.objects.pess().filter(department=office_a.department).order_by("name"))
    assert [entry.title for entry in reader.outline] == [m.name for m in expected]
    assert job.rows_done == len(expected) and len(expected) <= pages <= 2 * len(expected)
    # Each section starts on its own page with the municipality's name as its title line.
    starts = [page.extract_text() for page in reader.pages]
    titles = [re.search(r"ISDEMU\n(.+)\n", t).group(1) for t in starts if "PERFIL MUNICIPAL" in t]
    assert titles == [m.name for m in expected]
    others = Municipality.objects.pess().exclude(department=office_a.department)
    assert not any(f"\n{m.name}\nPeriodo" in text for m in others)
    assert "Santa Ana" not in text
    assert job.description.startswith("Perfiles municipales")


def test_bundle_needs_a_department_and_pdf(coordinator_x, office_a):
    from core.errors import DomainError

    with pytest.raises(DomainError, match="Elija un departamento"):
        jobs.request_export(user=coordinator_x, kind="profiles", filters={"year": "2026"}, fmt="pdf")
    with pytest.raises(DomainError, match="PDF"):
        jobs.request_export(
            user=coordinator_x, kind="profiles", filters={"department": office_a.department.iso_code}, fmt="csv"
        )
    assert not ExportJob.objects.exists()
