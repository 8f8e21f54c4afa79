"""Export jobs (XLSX and CSV, as the worker runs them) side by side with PostgreSQL's COPY.

Run by hand, never on the shared national database itself (and not while the machine is busy):

    createdb -h 127.0.0.1 -U postgres -T pess_national pess_bench_issue12
    psql -h 127.0.0.1 -U postgres -d pess_bench_issue12 -c ANALYZE
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_issue12 \\
        .venv/bin/python bench/bench_exports_jobs.py --user gerencia [--kind attendance] [--period all]

One run measures, each in its own subprocess (so that peak memory is its own):

- "copy": `COPY (the job's SELECT) TO STDOUT WITH (FORMAT csv)` into /dev/null — the same
  compiled SQL as the job (scope, labels, formula neutralisation). Skipped on SQLite (noted).
- "csv job" and "xlsx job": the page's POST that asks for the export (through Django's test
  client, signed in as the user: "request_ms" is the median wall time of 5 requests after a
  first one that warms the process up), then the ExportJob the last one created run
  by `reports.jobs.run` (what the worker calls for `reports.tasks.run_export`), in the user's
  scope, writing its file in a temporary EXPORT_ROOT.

Each prints rows, seconds, rows/s, peak RSS (ru_maxrss) and the RSS before the export, and the
peak of Python allocations during it (tracemalloc, with --tracemalloc: it slows Python code
down, so it is off by default); then the ratios job / COPY, and the load average before and
after (quote the whole output). The jobs made here are deleted.

--repeat N runs the three measurements N times in turn (copy, csv, xlsx, copy, …) and prints
every run and the medians. --verify also opens the XLSX file (after the timing) with openpyxl in
read-only mode, checks that its row count matches and that every dd/mm/aaaa cell of the first
1,000 rows is a date, and reports the file's ZIP integrity check.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REQUESTS = 6  # POSTs asking for the export; the first warms the process up, the median of the rest is kept


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pess_tracker.settings")
    os.environ.setdefault("DEBUG", "True")  # development settings (they default to production)
    import django

    django.setup()


def verify_xlsx(path, rows: int) -> str:
    """The file opens with openpyxl: as many data rows as the job wrote, dates typed as dates."""
    import datetime
    import zipfile

    import openpyxl

    with zipfile.ZipFile(path) as package:
        bad = package.testzip()
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    header = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    count = dates = 0
    for row in sheet.iter_rows(min_row=3):
        count += 1
        if count <= 1000:
            for cell in row:
                if getattr(cell, "number_format", None) == "DD/MM/YYYY" and cell.value is not None:
                    assert isinstance(cell.value, datetime.datetime), (count, cell.value)
                    dates += 1
    book.close()
    assert count == rows, (count, rows)
    assert bad is None, bad
    return f"ok: {count:,} rows, {len(header)} columns, {dates} dates checked in the first 1,000 rows"


def child(mode: str, username: str, kind: str, period: str, use_tracemalloc: bool, verify: bool = False) -> dict:
    setup()
    import tracemalloc

    from django.db import connection

    from core.models import User
    from core.scoping import scope, scopes_disabled
    from reports import jobs, raw
    from reports.forms import ReportFilterForm
    from reports.models import ExportJob

    with scopes_disabled():
        user = User.objects.select_related("office").get(username=username)
    filters = {"period": period}
    before = rss_mb()
    if use_tracemalloc:
        tracemalloc.start()
    start = time.perf_counter()
    if mode == "copy":
        if connection.vendor != "postgresql":
            return {"mode": mode, "skipped": f"COPY needs PostgreSQL (this database: {connection.vendor})"}
        with scope(user):
            form = ReportFilterForm(filters, user=user)
            assert form.is_valid(), form.errors
            _columns, queryset = raw.raw_export(kind, user, form.filters())
            sql, params = queryset.query.sql_with_params()
            with connection.cursor() as cursor:
                statement = cursor.cursor.mogrify(sql, params).decode()
                with open(os.devnull, "wb") as sink:
                    cursor.cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", sink)
                rows = cursor.cursor.rowcount
        size = None
        seconds = time.perf_counter() - start
        peak, checked, request_ms = peak_mb(), None, None
    else:
        fmt = "csv" if mode == "csv job" else "xlsx"
        from django.conf import settings
        from django.test import Client
        from django.urls import reverse
        from django_tasks_db.models import DBTaskResult

        with tempfile.TemporaryDirectory(prefix="bench-exports-") as root:
            settings.EXPORT_ROOT = root
            client = Client()
            client.force_login(user)
            data = {"kind": kind, "fmt": fmt, **filters}
            request_ms = []
            for _ in range(REQUESTS):  # the page's request: it must answer at once whatever the size
                asked = time.perf_counter()
                response = client.post(reverse("reports:request_export"), data)
                request_ms.append((time.perf_counter() - asked) * 1000)
                assert response.status_code == 302, response.status_code
            with scopes_disabled():  # only the last job runs; the others (and their queued tasks) go
                asked_jobs = list(ExportJob.objects.filter(owner=user).order_by("-pk")[:REQUESTS])
                for extra in asked_jobs[1:]:
                    DBTaskResult.objects.filter(id=extra.task_id).delete()
                    extra.delete()
            request_ms = sorted(request_ms[1:])[(REQUESTS - 2) // 2]  # the median after the first
            with scopes_disabled():  # as the worker: jobs.run enters scope(owner) itself
                job = asked_jobs[0]
                start = time.perf_counter()  # the request itself is not the export
                jobs.run(job.pk)
                job.refresh_from_db()
                rows, size, state = job.rows_done, job.size, job.state
                seconds = time.perf_counter() - start
                peak = peak_mb()
                checked = verify_xlsx(Path(root) / job.file_name, rows) if verify and fmt == "xlsx" else None
                DBTaskResult.objects.filter(id=job.task_id).delete()
                ExportJob.objects.filter(pk=job.pk).delete()
        assert state == "completed", state
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if use_tracemalloc else None
    return {
        "mode": mode,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if seconds else None,
        "size_mb": round(size / 2**20, 1) if size else None,
        "peak_rss_mb": round(peak, 1),
        "rss_before_mb": round(before, 1),
        "python_peak_mb": round(traced, 1) if traced is not None else None,
        **({"request_ms": round(request_ms, 1)} if request_ms is not None else {}),
        **({"verified": checked} if checked else {}),
    }


MODES = ("copy", "csv job", "xlsx job")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="gerencia")
    parser.add_argument("--kind", default="attendance")
    parser.add_argument("--period", default="all")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement, in turn")
    parser.add_argument("--only", choices=MODES, action="append", help="measure only these (repeatable)")
    parser.add_argument("--verify", action="store_true", help="open the XLSX with openpyxl after the timing")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        result = child(args.child, args.user, args.kind, args.period, args.tracemalloc, args.verify)
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    modes = [m for m in MODES if not args.only or m in args.only]
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    for _ in range(args.repeat):
        for mode in modes:
            command = [sys.executable, __file__, "--child", mode, "--user", args.user, "--kind", args.kind]
            command += ["--period", args.period] + (["--tracemalloc"] if args.tracemalloc else [])
            command += ["--verify"] if args.verify else []
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            runs[mode].append(json.loads(out.strip().splitlines()[-1]))
            print(json.dumps(runs[mode][-1], ensure_ascii=False))
    results = {mode: median_run(r) for mode, r in runs.items()}
    print()
    print(f"{'measurement':<10} {'rows':>10} {'s':>8} {'rows/s':>10} {'peak RSS MB':>12} {'RSS before':>11}")
    for mode, r in results.items():
        if "skipped" in r:
            print(f"{mode:<10} skipped: {r['skipped']}")
            continue
        print(
            f"{mode:<10} {r['rows']:>10,} {r['seconds']:>8.2f} {r['rows_per_s'] or 0:>10,} "
            f"{r['peak_rss_mb']:>12.1f} {r['rss_before_mb']:>11.1f}"
        )
    if args.repeat > 1:
        print(f"(medians of {args.repeat} runs each)")
    copy = results.get("copy")
    if copy and "skipped" not in copy and copy["seconds"]:
        for mode in ("csv job", "xlsx job"):
            if mode in results:
                print(f"ratio {mode} / COPY: {results[mode]['seconds'] / copy['seconds']:.2f}×")
    elif copy:
        print("ratios: no COPY on this database (SQLite); run on PostgreSQL for the side-by-side figures.")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def median_run(runs: list[dict]) -> dict:
    """The run with the median time (the lower middle one for an even count)."""
    if "skipped" in runs[0]:
        return runs[0]
    return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]


if __name__ == "__main__":
    main()
