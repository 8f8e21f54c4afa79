"""Run the background worker of the database task backend, after its housekeeping.

    python manage.py export_worker [--only-worker] [--batch] [--interval 1]

Before the worker starts: files past their expiry are deleted and jobs left "running" by a worker
that died are queued again or marked failed (reports.jobs.recover_stuck). With --only-worker
(one worker for the site: `make run`, the README's systemd unit) every running job is such a job;
otherwise only those without progress for EXPORT_STALE_SECONDS. Then it runs django-tasks-db's
`db_worker` (the package's own worker: claiming, retries on locked SQLite, graceful shutdown).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tasks import task_backends

from core.scoping import scopes_disabled
from reports import jobs


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
            worker_options = {"batch": batch, "interval": interval, "reload": False, "startup_delay": False}
            if max_tasks:
                worker_options["max_tasks"] = max_tasks
            if worker_id:
                worker_options["worker_id"] = worker_id
            call_command("db_worker", verbosity=options["verbosity"], stdout=self.stdout, **worker_options)
