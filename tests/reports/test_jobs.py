"""Exports as background jobs (reports.jobs): the worker is the real one (`export_worker`, which
runs django-tasks-db's db_worker), files are real files in a temporary EXPORT_ROOT."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks import task_backends

from core.models import SecurityEvent
from reports import jobs, views
from reports.models import ExportJob, ExportState
from tests import factories

# Transactional, as in production: the worker closes and reopens connections between tasks
# (db_worker's close_old_connections), and on PostgreSQL a CSV job's progress is written from
# a second connection while COPY runs on the first; both need committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def export_root(tmp_path, settings):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def run_worker():
    """The worker a site runs, in batch mode: every queued task, then exit."""
    call_command("export_worker", "--batch", stdout=io.StringIO())


def _events(job):
    return [e.details.get("outcome") for e in SecurityEvent.objects.order_by("pk") if e.details.get("job") == job.pk]


def test_a_job_writes_the_owners_scope_and_the_owner_downloads_it(known, coordinator_x, client):
    client.force_login(coordinator_x)
    response = client.post(reverse("reports:request_export"), {"kind": "attendance", "fmt": "xlsx", "period": "all"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:job", args=[job.pk])
    assert job.state == ExportState.QUEUED and job.task_id
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404  # not ready

    run_worker()

    job.refresh_from_db()
    assert job.state == ExportState.COMPLETED
    assert job.rows_done == job.rows_total == 7  # San Salvador, all periods (coordinator's department)
    assert job.size > 0 and job.expires_at is not None
    assert not list(jobs.export_root().glob("*.part"))
    progress = client.get(reverse("reports:job_progress", args=[job.pk]))
    assert b"7 de 7 filas" in progress.content and b"hx-trigger" not in progress.content
    response = client.get(reverse("reports:download", args=[job.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    header = [c.value for c in sheet[2]]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 7
    assert "Nombres" in header  # a coordinator sees names in their department
    assert {r[header.index("Municipio")] for r in rows} <= {known["m1"].name, known["m2"].name}
    assert _events(job) == ["requested", "completed", "downloaded"]
    completed = SecurityEvent.objects.get(details__outcome="completed")
    assert completed.details["rows"] == 7 and completed.user == coordinator_x


def test_a_managers_job_is_national_and_pseudonymous(known, manager):
    job = jobs.request_export(user=manager, kind="attendance", filters={"period": "all"}, fmt="csv")
    run_worker()
    job.refresh_from_db()
    assert job.state == ExportState.COMPLETED and job.rows_done == 8
    text = (jobs.export_root() / job.file_name).read_text(encoding="utf-8-sig")
    header = text.splitlines()[0]
    assert "Nombres" not in header and "DUI" not in header and ",P-" in text


def test_another_user_gets_404_and_an_administrator_may_fetch(
    known, coordinator_x, coordinator_y, administrator, client
):
    job = jobs.request_export(user=coordinator_x, kind="workshops", filters={"period": "all"}, fmt="csv")
    run_worker()
    client.force_login(coordinator_y)
    for name in ("job", "job_progress", "download"):
        assert client.get(reverse(f"reports:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("reports:job_cancel", args=[job.pk])).status_code == 404
    assert job.pk not in [j.pk for j in jobs.exports_of(coordinator_y)]
    client.force_login(administrator)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 200


def test_my_downloads_lists_files_with_filters(known, manager, client):
    done = jobs.request_export(user=manager, kind="workshops", filters={"period": "all"}, fmt="csv")
    run_worker()
    jobs.request_export(user=manager, kind="indicators", filters={"year": "2026"}, fmt="xlsx")  # still queued
    client.force_login(manager)
    page = client.get(reverse("reports:downloads")).content.decode()
    assert "Talleres (CSV)" in page and "Informe de indicadores (XLSX)" in page
    assert reverse("reports:download", args=[done.pk]) in page
    page = client.get(reverse("reports:downloads"), {"estado": "queued"}).content.decode()
    assert "Informe de indicadores (XLSX)" in page and "Talleres (CSV)" not in page
    page = client.get(reverse("reports:downloads"), {"contenido": "workshops"}).content.decode()
    assert "Talleres (CSV)" in page and "Informe de indicadores (XLSX)" not in page


def test_an_expired_file_is_gone(known, manager, client, settings):
    job = jobs.request_export(user=manager, kind="workshops", filters={"period": "all"}, fmt="xlsx")
    run_worker()
    job.refresh_from_db()
    path = jobs.export_root() / job.file_name
    assert path.is_file()
    assert job.expires_at - job.finished_at == datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    with time_machine.travel(job.expires_at + datetime.timedelta(minutes=1)):
        client.force_login(manager)
        assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404
        assert not path.exists()
        job.refresh_from_db()
        assert job.state == ExportState.EXPIRED and job.file_name == ""
        assert "Vencida" in client.get(reverse("reports:downloads")).content.decode()


def _killed_mid_way(job):
    """What a worker killed with SIGKILL half-way leaves behind: the row still says running, a
    partial file, no progress since."""
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.RUNNING,
        attempts=1,
        rows_done=3,
        rows_total=8,
        started_at=datetime.datetime(2026, 11, 30, 17, 0, tzinfo=datetime.UTC),
        heartbeat_at=datetime.datetime(2026, 11, 30, 17, 0, tzinfo=datetime.UTC),
    )
    jobs.partial_path(job).write_bytes(b"PK\x03\x04 half a workbook")
    job.refresh_from_db()
    return job


def test_a_job_killed_mid_way_is_not_served_and_a_restarted_worker_retries_it(known, manager, client):
    job = jobs.request_export(user=manager, kind="attendance", filters={"period": "all"}, fmt="xlsx")
    job = _killed_mid_way(job)
    client.force_login(manager)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404  # partial never served

    call_command("export_worker", "--batch", "--only-worker", stdout=io.StringIO())  # the worker restarts

    job.refresh_from_db()
    assert job.state == ExportState.COMPLETED and job.attempts == 2 and job.rows_done == 8
    assert not jobs.partial_path(job).exists()
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 200


def test_a_job_killed_on_its_last_attempt_ends_failed(known, manager, client, settings):
    settings.EXPORT_MAX_ATTEMPTS = 1
    job = _killed_mid_way(jobs.request_export(user=manager, kind="attendance", filters={}, fmt="xlsx"))
    call_command("export_worker", "--batch", stdout=io.StringIO())  # stale: no progress for 5 minutes
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and "se detuvo" in job.error
    assert not jobs.partial_path(job).exists() and job.file_name == ""
    client.force_login(manager)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404
    assert "failed" in _events(job)


def test_a_running_job_with_recent_progress_is_left_alone(known, manager):
    job = jobs.request_export(user=manager, kind="attendance", filters={}, fmt="xlsx")
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.RUNNING, heartbeat_at=datetime.datetime.now(datetime.UTC)
    )
    assert jobs.recover_stuck() == []


def test_progress_is_stored_as_rows_are_written(known, manager, settings):
    """Real progress: one UPDATE of rows_done every EXPORT_PROGRESS_ROWS rows, increasing. On
    PostgreSQL it is written from a second connection (COPY holds the job's): both are watched."""
    settings.EXPORT_PROGRESS_ROWS = 2
    job = jobs.request_export(user=manager, kind="attendance", filters={"period": "all"}, fmt="xlsx")
    written = []

    def watch(execute, sql, params, many, context):
        if sql.startswith('UPDATE "reports_exportjob" SET "rows_done"'):
            written.append(params[0])
        return execute(sql, params, many, context)

    def watch_new(sender, connection, **kwargs):
        connection.execute_wrappers.append(watch)

    connection_created.connect(watch_new)
    try:
        with connection.execute_wrapper(watch):
            run_worker()
    finally:
        connection_created.disconnect(watch_new)
    assert written == [2, 4, 6, 8]  # of 8 rows
    job.refresh_from_db()
    assert job.state == ExportState.COMPLETED and job.rows_total == 8


def test_cancel_a_queued_job(known, manager, client):
    job = jobs.request_export(user=manager, kind="attendance", filters={}, fmt="csv")
    client.force_login(manager)
    client.post(reverse("reports:job_cancel", args=[job.pk]))
    run_worker()
    job.refresh_from_db()
    assert job.state == ExportState.CANCELLED and job.file_name == ""
    assert _events(job) == ["requested", "cancelled"]


def test_bad_requests_change_nothing(known, manager, staff_a, client):
    client.force_login(manager)
    for data in (
        {"kind": "people", "fmt": "csv"},
        {"kind": "attendance", "fmt": "pdf"},
        {"kind": "attendance", "fmt": "csv", "period": "custom", "start": "31/02/2026"},
    ):
        response = client.post(reverse("reports:request_export"), data, follow=True)
        assert response.status_code == 200
    assert not ExportJob.objects.exists()
    client.force_login(staff_a)  # territorial staff may not export
    client.post(reverse("reports:request_export"), {"kind": "attendance", "fmt": "csv"})
    assert not ExportJob.objects.exists()
    assert client.get(reverse("reports:request_export")).status_code == 405


def test_the_backend_is_a_setting(known, manager):
    """A site switches TASKS to another backend implementing the same API: no code change. The
    immediate backend stands in here for a distributed one (Celery, RQ): the job runs where the
    backend runs it, and the database worker refuses to start for a backend it does not serve."""
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        assert type(task_backends["default"]).__name__ == "ImmediateBackend"
        job = jobs.request_export(user=manager, kind="workshops", filters={"period": "all"}, fmt="csv")
        job.refresh_from_db()
        assert job.state == ExportState.COMPLETED and job.task_id
        with pytest.raises(CommandError, match="worker propio"):
            call_command("export_worker", "--batch", stdout=io.StringIO())
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"


def test_a_large_raw_export_is_not_streamed_directly(known, manager, client, settings):
    settings.EXPORT_DIRECT_MAX_ROWS = 5
    client.force_login(manager)
    response = client.get(reverse("reports:export_raw", args=["attendance", "csv"]), {"period": "all"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("reports:report"))
    response = client.get(reverse("reports:export_raw", args=["workshops", "csv"]), {"period": "all"})
    assert response.status_code == 200  # 5 workshops: small enough to stream


def test_a_stream_that_fails_mid_way_raises_and_is_recorded_failed(manager):
    """The generator raises again, so the server drops the connection rather than ending cleanly."""

    def chunks():
        yield b"header\n"
        yield b"row 1\n"
        raise OSError("database went away")

    request = RequestFactory().get("/informes/registros/attendance.csv")
    request.user = manager
    stream = views._recorded(chunks(), request, "attendance_csv")
    assert next(stream) == b"header\n"
    assert next(stream) == b"row 1\n"
    with pytest.raises(OSError, match="went away"):
        next(stream)
    event = SecurityEvent.objects.get()
    assert event.details["outcome"] == "failed" and event.details["rows"] == 1


def test_background_option_of_the_command(known, manager, tmp_path):
    out = io.StringIO()
    call_command(
        "export_report",
        "--report",
        "attendance",
        "--format",
        "xlsx",
        "--background",
        "--user",
        manager.username,
        stdout=out,
    )
    job = ExportJob.objects.get()
    assert str(job.pk) in out.getvalue() and reverse("reports:job", args=[job.pk]) in out.getvalue()
    run_worker()
    job.refresh_from_db()
    assert job.state == ExportState.COMPLETED and job.rows_done == 8


def test_asking_for_an_export_costs_the_same_queries_whatever_the_size(known, manager, client):
    """The request counts and writes nothing: its queries do not grow with the data."""
    client.force_login(manager)
    data = {"kind": "attendance", "fmt": "xlsx", "period": "all"}
    with CaptureQueriesContext(connection) as small:
        client.post(reverse("reports:request_export"), data)
    workshop = factories.workshop(known["carla"].office)
    for _ in range(40):
        factories.attendance(workshop, factories.participant(known["carla"].office))
    with CaptureQueriesContext(connection) as large:
        client.post(reverse("reports:request_export"), data)
    assert len(large) == len(small) <= 15
    assert not any("reports_exportjob" not in q["sql"] and "COUNT(" in q["sql"].upper() for q in large)
    records = ("workshops_", "mobile_windows_", "municipalities_")  # nothing of the records is read
    assert not any(table in q["sql"] for q in large for table in records)
