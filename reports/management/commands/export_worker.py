"""Run the background worker of the database task backend, after its housekeeping.

    python manage.py export_worker [--only-worker] [--batch] [--interval 1]

Before the worker starts: files past their expiry are deleted and jobs left "running" by a worker
that died are queued again or marked failed (reports.jobs.recover_stuck). With --only-worker
(one worker for the site: `make run`, the README's systemd unit) every running job is such a job;
otherwise only those without progress for EXPORT_STALE_SECONDS. Then it runs django-tasks-db's
`db_worker` (the package's own worker: claiming, retries on locked SQLite, graceful shutdown).

The monthly report packs' scheduler (reports.packs.tick) runs here too, so no host cron is
needed: once before the worker starts, then every PACK_SCHEDULE_SECONDS (60) in a thread of this
process while the worker runs (not with --batch, which ticks once and exits after the queue).
It is idempotent (one pack per subscription and month), so several workers may run it.
"""

import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django_tasks import task_backends

from core.scoping import scopes_disabled
from reports import jobs, packs

logger = logging.getLogger("pess.exports")


class PackScheduler(threading.Thread):
    """Calls reports.packs.tick every `interval` seconds until stopped (a daemon thread: it ends
    with the worker; a tick cut short commits nothing half-way)."""

    def __init__(self, interval: float):
        super().__init__(name="pack-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(self.interval):
            try:
                packs.tick()
            except Exception:
                logger.exception("monthly packs: the scheduler's tick failed; it runs again in a minute")
            finally:
                connections.close_all()  # this thread's connections only


class Command(BaseCommand):
    help = "Ejecuta el proceso de tareas en segundo plano (exportaciones), tras limpiar archivos vencidos."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only-worker",
            action="store_true",
            help="Este es el único proceso de tareas del sitio: toda exportación «en curso» quedó huérfana.",
        )
        parser.add_argument("--batch", action="store_true", help="Ejecutar las tareas pendientes y salir.")
        parser.add_argument("--interval", type=float, default=1.0, help="Segundos entre consultas a la cola.")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args, only_worker, batch, interval, max_tasks, worker_id, **options):
        backend = task_backends["default"]
        if type(backend).__module__.split(".")[0] != "django_tasks_db":
            raise CommandError(
                "El backend de tareas configurado no usa este proceso: ejecute el worker propio de ese backend."
            )
        # Housekeeping of the whole installation, not of one user's rows.
        with scopes_disabled():
            purged = jobs.purge_expired()
            recovered = jobs.recover_stuck(all_running=only_worker)
            self.stdout.write(f"Exportaciones vencidas borradas: {purged}; recuperadas: {len(recovered)}.")
            done = packs.tick()
            self.stdout.write(f"Paquetes mensuales en cola: {done['queued']}; correos enviados: {done['emailed']}.")
            scheduler = None
            if not batch:
                scheduler = PackScheduler(settings.PACK_SCHEDULE_SECONDS)
                scheduler.start()
            worker_options = {"batch": batch, "interval": interval, "reload": False, "startup_delay": False}
            if max_tasks:
                worker_options["max_tasks"] = max_tasks
            if worker_id:
                worker_options["worker_id"] = worker_id
            try:
                call_command("db_worker", verbosity=options["verbosity"], stdout=self.stdout, **worker_options)
            finally:
                if scheduler is not None:
                    scheduler.stopped.set()
