"""Exports as background jobs: the one service API (pages, the command and the REST API call it).

    job = request_export(user=user, kind="attendance", filters={"year": "2025"}, fmt="xlsx")
    cancel_export(user=user, job=job)
    exports_of(user)            # the user's exports, newest first (a queryset)
    file_path(user, job)        # the finished file, or None (owner or administrator only)

A job runs through Django's Tasks API (`reports.tasks.run_export`, whatever backend TASKS names)
inside `scope(job.owner)`, so the file holds exactly what the owner may see, with the owner's
personal-data rule (pseudonymous codes for managers). It writes `job-<id>.part` in EXPORT_ROOT
and renames it to its final name only when complete: a file that is served is always whole.
Progress (rows done of total) is stored on the ExportJob row every EXPORT_PROGRESS_ROWS rows; that
write also notices a cancellation. A job whose worker died (no progress for EXPORT_STALE_SECONDS,
or every running job when the only worker starts) is started again or marked failed by
`recover_stuck`; files past their expiry are deleted by `purge_expired`.
"""

from __future__ import annotations

import datetime
import logging
import os
import queue
import threading
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.events import record_export
from core.permissions import Action, may_fetch_file, require
from core.scoping import scope
from reports import builder, exports, profile, raw
from reports.forms import ReportFilterForm
from reports.models import ExportJob, ExportState

logger = logging.getLogger("pess.exports")

PROFILES = "profiles"  # a department bundle of municipal profiles (reports.profile), as PDF
KINDS = ("indicators", *raw.KINDS, PROFILES)  # what users may ask for; monthly packs are queued by reports.packs
PACK_KIND = "monthly_pack"
FORMATS = ("csv", "xlsx")


def formats_for(kind: str) -> tuple[str, ...]:
    return ("pdf",) if kind == PROFILES else FORMATS


FILTER_KEYS = ("level", "department", "municipality", "phase", "period", "year", "quarter", "month", "start", "end")
FILTER_KEYS_REPORT = (*FILTER_KEYS, "line", "chart")


class ExportCancelled(Exception):
    """The owner cancelled the job while it ran."""


def export_root() -> Path:
    root = Path(settings.EXPORT_ROOT)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def temporary_dir() -> Path:
    """Temporary files of jobs: XlsxWriter's row files of report sheets (removed on failure, and by
    `recover_stuck` after a kill) and raw XLSX rows (unnamed: gone with the process whatever happens)."""
    path = export_root() / "tmp"
    path.mkdir(exist_ok=True, mode=0o700)
    return path


def partial_path(job: ExportJob) -> Path:
    return export_root() / f"job-{job.pk}.part"


def final_name(job: ExportJob) -> str:
    """The file's name in EXPORT_ROOT once complete (known in advance: the command prints it)."""
    return f"job-{job.pk}.{job.fmt}"


def _clean_filters(kind: str, filters) -> dict:
    keys = FILTER_KEYS_REPORT if kind == "indicators" else FILTER_KEYS
    return {k: str(filters[k]) for k in keys if filters.get(k) not in (None, "")}


def report_filters(kind: str, filters: dict, user):
    """The validated ReportFilters of `filters` for `user` (DomainError when they are not valid)."""
    return _form(kind, filters, user).filters()


def _form(kind: str, filters: dict, user, default_period: str = "year") -> ReportFilterForm:
    form = ReportFilterForm(filters, user=user, default_period=default_period)
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        raise DomainError("bad_filters", _("Filtros no válidos: %(p)s") % {"p": " ".join(problems)})
    return form


def _profiles_description(form: ReportFilterForm) -> str:
    """A bundle is one department's profiles: the department is required."""
    filters = form.filters()
    if filters.department is None:
        raise DomainError(
            "bad_filters", _("Elija un departamento: el PDF reúne los perfiles de sus municipios."), field="department"
        )
    return str(_("Perfiles municipales · %(f)s") % {"f": filters.describe(records=True)})


# --- The service API --------------------------------------------------------------------------


def request_export(*, user, kind: str, filters, fmt: str, request=None, default_period: str = "year") -> ExportJob:
    """Queue an export of `kind` ("indicators" or a raw-record kind) as `fmt` for `user`.

    Answers at once whatever the size (nothing is counted or written here). Raises DomainError
    for an unknown kind or format, bad filters, or a user who may not export.
    """
    require(user, Action.EXPORT)
    if kind not in KINDS:
        raise DomainError("bad_kind", _("Contenido de exportación desconocido."))
    if fmt not in formats_for(kind):
        if kind == PROFILES:
            raise DomainError("bad_format", _("Los perfiles municipales se preparan en PDF."))
        raise DomainError("bad_format", _("Formato desconocido: use CSV o XLSX."))
    cleaned = _clean_filters(kind, filters)
    if "period" not in cleaned:
        cleaned["period"] = default_period
    form = _form(kind, cleaned, user)
    if kind == PROFILES:
        description = _profiles_description(form)
    else:
        description = form.filters().describe(records=kind != "indicators")
    job = ExportJob.objects.create(owner=user, kind=kind, fmt=fmt, filters=cleaned, description=description[:300])
    _enqueue(job)
    record_export(user, cleaned, 0, request=request, export=f"{kind}_{fmt}", outcome="requested", job=job.pk)
    return job


def cancel_export(*, user, job: ExportJob, request=None) -> ExportJob:
    """Cancel a queued or running job (its owner or an administrator). A finished job stays as it is."""
    if not may_fetch_file(user, job.owner_id):
        raise DomainError("not_allowed", _("Esta exportación no existe."))
    updated = ExportJob.objects.filter(pk=job.pk, state__in=(ExportState.QUEUED, ExportState.RUNNING)).update(
        state=ExportState.CANCELLED, finished_at=timezone.now()
    )
    job.refresh_from_db()
    if updated:
        record_export(
            user, job.filters, job.rows_done, request=request, export=job.export_name, outcome="cancelled", job=job.pk
        )
    return job


def exports_of(user):
    """The exports `user` asked for, newest first (expired ones purged first)."""
    purge_expired()
    return ExportJob.objects.of(user)


def visible_job(user, pk) -> ExportJob | None:
    """The job, if `user` may see it (owner or administrator); None otherwise (pages answer 404)."""
    job = ExportJob.objects.select_related("owner").filter(pk=pk).first()
    if job is None or not may_fetch_file(user, job.owner_id):
        return None
    return job


def file_path(user, job: ExportJob) -> Path | None:
    """The finished file of `job` for `user`, or None: not theirs, not finished, expired or gone."""
    if not may_fetch_file(user, job.owner_id) or job.state != ExportState.COMPLETED or not job.file_name:
        return None
    if job.expires_at is not None and job.expires_at <= timezone.now():
        purge_expired()
        return None
    path = export_root() / job.file_name
    return path if path.is_file() else None


def record_download(user, job: ExportJob, request=None) -> None:
    record_export(
        user, job.filters, job.rows_done, request=request, export=job.export_name, outcome="downloaded", job=job.pk
    )


# --- Housekeeping: expiry and jobs left by a dead worker ------------------------------------------


def purge_expired(now=None) -> int:
    """Delete the files of jobs past their expiry and mark them expired. Returns how many."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.expired(now):
        _remove(job.file_name)
        ExportJob.objects.filter(pk=job.pk).update(state=ExportState.EXPIRED, file_name="")
        count += 1
    return count


def recover_stuck(*, all_running: bool = False, now=None) -> list[ExportJob]:
    """Jobs left "running" by a worker that died: their partial file is deleted, and each is queued
    again (up to EXPORT_MAX_ATTEMPTS attempts) or marked failed.

    A job is stuck when it has not reported progress for EXPORT_STALE_SECONDS, or — `all_running`,
    for a worker that knows it is the only one, as `make run` and the single systemd unit — at once.
    """
    now = now or timezone.now()
    running = ExportJob.objects.filter(state=ExportState.RUNNING)
    if not all_running:
        running = running.filter(heartbeat_at__lt=now - datetime.timedelta(seconds=settings.EXPORT_STALE_SECONDS))
    if all_running:  # no job runs anywhere: what a killed worker left in the temporary folder goes
        for leftover in temporary_dir().iterdir():
            leftover.unlink(missing_ok=True)
    recovered = []
    for job in running:
        _remove(f"job-{job.pk}.part")
        if job.attempts < settings.EXPORT_MAX_ATTEMPTS:
            if ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(
                state=ExportState.QUEUED, rows_done=0, heartbeat_at=None
            ):
                job.refresh_from_db()
                _enqueue(job)
        else:
            message = _("El proceso que preparaba el archivo se detuvo; vuelva a solicitarlo.")
            if ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(
                state=ExportState.FAILED, error=message, finished_at=now
            ):
                record_export(
                    job.owner, job.filters, job.rows_done, export=job.export_name, outcome="failed", job=job.pk
                )
        job.refresh_from_db()
        recovered.append(job)
    return recovered


def _remove(name: str) -> None:
    if not name:
        return
    (export_root() / name).unlink(missing_ok=True)


def enqueue(job: ExportJob) -> None:
    """Queue the task that runs `job` (for services that create their own jobs: monthly packs)."""
    _enqueue(job)


def _enqueue(job: ExportJob) -> None:
    from reports.tasks import run_export  # the task module imports this one

    result = run_export.enqueue(job.pk)
    job.task_id = str(result.id)
    ExportJob.objects.filter(pk=job.pk).update(task_id=job.task_id)


# --- Running a job (called by the task) -----------------------------------------------------------


class Progress:
    """Stores rows done on the job every EXPORT_PROGRESS_ROWS rows and notices a cancellation.

    With `own_connection` (PostgreSQL COPY, whose thread owns this thread's connection) the
    writes go through a helper thread with its own database connection.
    """

    def __init__(self, job: ExportJob, *, own_connection: bool = False, every: int | None = None):
        self.job_id = job.pk
        self.every = every or settings.EXPORT_PROGRESS_ROWS
        self.last = 0
        self.cancelled = threading.Event()
        self.thread = None
        if own_connection:
            self.queue: queue.Queue = queue.Queue()
            self.thread = threading.Thread(target=self._drain, name="export-progress", daemon=True)
            self.thread.start()

    def total(self, rows: int) -> None:
        ExportJob.objects.filter(pk=self.job_id).update(rows_total=rows)

    def __call__(self, done: int) -> None:
        if done - self.last < self.every:
            return
        self.last = done
        if self.thread is not None:
            self.queue.put(done)
        else:
            self._write(done)
        if self.cancelled.is_set():
            raise ExportCancelled

    def _write(self, done: int) -> None:
        updated = ExportJob.objects.filter(pk=self.job_id, state=ExportState.RUNNING).update(
            rows_done=done, heartbeat_at=timezone.now()
        )
        if not updated:
            self.cancelled.set()

    def _drain(self) -> None:
        try:
            while (done := self.queue.get()) is not None:
                self._write(done)
        finally:
            connections.close_all()

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()


def run(job_id: int) -> dict:
    """Run one export job: claim it, write the file inside the owner's scope, rename it when whole."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportState.QUEUED).update(
        state=ExportState.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1, rows_done=0
    )
    if not claimed:  # cancelled before it started, or already taken
        state = ExportJob.objects.filter(pk=job_id).values_list("state", flat=True).first()
        return {"job": job_id, "state": state}
    job = ExportJob.objects.select_related("owner", "owner__office").get(pk=job_id)
    part = partial_path(job)
    try:
        if not job.owner.is_active:
            raise DomainError("not_allowed", _("El usuario ya no está activo."))
        with translation.override(settings.LANGUAGE_CODE), scope(job.owner):
            require(job.owner, Action.EXPORT)
            rows = _write(job, part)
        final = final_name(job)
        os.replace(part, export_root() / final)
        size = (export_root() / final).stat().st_size
        finished = timezone.now()
        done = ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(
            state=ExportState.COMPLETED,
            rows_done=rows,
            rows_total=rows,
            file_name=final,
            size=size,
            finished_at=finished,
            heartbeat_at=finished,
            expires_at=finished + datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS),
        )
        if not done:  # cancelled (or recovered by another worker) in the last instant
            _remove(final)
            return {"job": job.pk, "state": ExportState.CANCELLED}
        record_export(job.owner, job.filters, rows, export=job.export_name, outcome="completed", job=job.pk)
        if job.kind == PACK_KIND:
            from reports import packs  # packs imports this module

            try:
                packs.job_completed(job)  # the file is ready whatever happens to its e-mail
            except Exception:
                logger.exception("monthly pack job %s: e-mail not sent (retried by the scheduler)", job.pk)
        return {"job": job.pk, "state": ExportState.COMPLETED, "rows": rows}
    except ExportCancelled:
        part.unlink(missing_ok=True)
        return {"job": job.pk, "state": ExportState.CANCELLED}
    except BaseException as error:
        part.unlink(missing_ok=True)
        message = error.message if isinstance(error, DomainError) else _("No se pudo preparar el archivo.")
        ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(
            state=ExportState.FAILED, error=str(message)[:300], finished_at=timezone.now()
        )
        record_export(job.owner, job.filters, 0, export=job.export_name, outcome="failed", job=job.pk)
        logger.exception("export job %s failed", job.pk)
        raise


def _write(job: ExportJob, part: Path) -> int:
    """Write the export into `part`; returns the number of data rows."""
    owner = job.owner
    if job.kind == PACK_KIND:
        from reports import packs  # packs imports this module

        return packs.write(job, part)
    form = _form(job.kind, job.filters, owner)
    filters = form.filters()
    if job.kind == PROFILES:
        _profiles_description(form)  # the department is still required (and still visible)
        progress = Progress(job, every=1)
        progress.total(len(profile.bundle_municipalities(filters.department, owner)))
        pdf = profile.department_bundle_pdf(filters.department, filters.period, owner, progress=progress)
        part.write_bytes(pdf)
        return progress.last
    if job.kind == "indicators":
        report = builder.build_report(filters, owner)
        rows = sum(len(t.rows) for t in report.tables)
        progress = Progress(job)
        progress.total(rows)
        if job.fmt == "csv":
            part.write_bytes(exports.report_csv(report))
        else:
            exports.report_xlsx(report, str(part), tmpdir=temporary_dir())
        return rows
    columns, queryset = raw.raw_export(job.kind, owner, filters)
    uses_copy = connection.vendor == "postgresql"  # both formats read their rows by COPY there
    progress = Progress(job, own_connection=uses_copy)
    if connection.vendor == "postgresql":
        # DB_STATEMENT_TIMEOUT_MS protects web requests; a job is meant to run long (RESET below).
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    try:
        if job.fmt == "xlsx":
            progress.total(queryset.count())
            return exports.raw_xlsx(
                columns,
                queryset,
                str(part),
                raw.title(job.kind),
                filters.describe(records=True),
                progress,
                tmpdir=temporary_dir(),
            )
        lines = 0
        with open(part, "wb") as file:
            chunks = exports.raw_csv_chunks(columns, queryset, progress)
            header = next(chunks)  # the file starts at once; the count runs before COPY takes the connection
            file.write(header)
            lines += header.count(b"\n")
            progress.total(queryset.count())
            for chunk in chunks:
                file.write(chunk)
                lines += chunk.count(b"\n")
        return max(lines - 1, 0)
    finally:
        progress.close()
        if connection.vendor == "postgresql" and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
