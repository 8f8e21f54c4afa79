"""A worker process really killed (SIGKILL) in the middle of a job, on PostgreSQL.

The worker runs as a subprocess against the test database. To catch the job half-way, the test
holds a lock on the participants table: the job claims the job, opens its partial file, writes
the CSV header into it, and its row count then waits on the lock. The worker is killed there; the partial file
is never served, and the next worker (started with --only-worker) marks the job failed
(EXPORT_MAX_ATTEMPTS=1) and deletes the partial file.
"""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from reports import jobs
from reports.models import ExportState

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def _wait(condition, seconds=25):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database another process can share")
def test_a_killed_worker_leaves_a_failed_job_and_no_file(known, manager, client, tmp_path, settings):
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.EXPORT_MAX_ATTEMPTS = 1
    job = jobs.request_export(user=manager, kind="attendance", filters={"period": "all"}, fmt="csv")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "True",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EXPORT_ROOT": str(settings.EXPORT_ROOT),
    }
    locker = connections.create_connection("default")
    locker.connect()
    locker.set_autocommit(False)
    with locker.cursor() as cursor:
        cursor.execute("LOCK TABLE workshops_participant IN ACCESS EXCLUSIVE MODE")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "export_worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "worker.log", "w"),  # noqa: SIM115
    )
    try:
        partial = jobs.partial_path(job)
        assert _wait(lambda: partial.exists()), (tmp_path / "worker.log").read_text()[-3000:]
        job.refresh_from_db()
        assert job.state == ExportState.RUNNING
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
        locker.rollback()
        locker.close()

    job.refresh_from_db()
    assert job.state == ExportState.RUNNING and partial.exists()  # what the dead worker left
    client.force_login(manager)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404

    call_command("export_worker", "--batch", "--only-worker", stdout=io.StringIO())  # the worker restarts

    job.refresh_from_db()
    assert job.state == ExportState.FAILED and job.file_name == ""
    assert not partial.exists() and not list(Path(settings.EXPORT_ROOT).glob("job-*"))
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404
