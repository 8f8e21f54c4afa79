"""Export jobs (XLSX and CSV, as the worker runs them) side by side with PostgreSQL's COPY.

Run by hand, never on the shared national database itself (and not while the machine is busy):

    createdb -h 127.0.0.1 -U postgres -T pess_national pess_bench_issue12
    psql -h 127.0.0.1 -U postgres -d pess_bench_issue12 -c ANALYZE
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_issue12 \\
        .venv/bin/python bench/bench_exports_jobs.py --user gerencia [--kind attendance] [--period all]

One run measures, each in its own subprocess (so that peak memory is its own):

- "copy": `COPY (the job's SELECT) TO STDOUT WITH (FORMAT csv)` into /dev/null — the same
  compiled SQL as the job (scope, labels, formula neutralisation). Skipped on SQLite (noted).
- "csv job" and "xlsx job": a real ExportJob run by `reports.jobs.run` (what the worker calls for
  `reports.tasks.run_export`), in the user's scope, writing its file in a temporary EXPORT_ROOT.

Each prints rows, seconds, rows/s, peak RSS (ru_maxrss) and the RSS before the export, and the
peak of Python allocations during it (tracemalloc, with --tracemalloc: it slows Python code
down, so it is off by default); then the ratios job / COPY. The jobs made here are deleted.
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


def child(mode: str, username: str, kind: str, period: str, use_tracemalloc: bool) -> dict:
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
    else:
        fmt = "csv" if mode == "csv job" else "xlsx"
        from django.conf import settings

        with tempfile.TemporaryDirectory(prefix="bench-exports-") as root:
            settings.EXPORT_ROOT = root
            with scopes_disabled():  # as the worker: jobs.run enters scope(owner) itself
                job = jobs.request_export(user=user, kind=kind, filters=filters, fmt=fmt)
                start = time.perf_counter()  # the request itself is not the export
                jobs.run(job.pk)
                job.refresh_from_db()
                rows, size, state = job.rows_done, job.size, job.state
                ExportJob.objects.filter(pk=job.pk).delete()
        assert state == "completed", state
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if use_tracemalloc else None
    return {
        "mode": mode,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if seconds else None,
        "size_mb": round(size / 2**20, 1) if size else None,
        "peak_rss_mb": round(peak_mb(), 1),
        "rss_before_mb": round(before, 1),
        "python_peak_mb": round(traced, 1) if traced is not None else None,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="gerencia")
    parser.add_argument("--kind", default="attendance")
    parser.add_argument("--period", default="all")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.user, args.kind, args.period, args.tracemalloc)))
        return
    results = {}
    for mode in ("copy", "csv job", "xlsx job"):
        command = [sys.executable, __file__, "--child", mode, "--user", args.user, "--kind", args.kind]
        command += ["--period", args.period] + (["--tracemalloc"] if args.tracemalloc else [])
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        results[mode] = json.loads(out.strip().splitlines()[-1])
        print(json.dumps(results[mode], ensure_ascii=False))
    copy = results["copy"]
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
    if "skipped" not in copy and copy["seconds"]:
        for mode in ("csv job", "xlsx job"):
            print(f"ratio {mode} / COPY: {results[mode]['seconds'] / copy['seconds']:.2f}×")
    else:
        print("ratios: no COPY on this database (SQLite); run on PostgreSQL for the side-by-side figures.")


if __name__ == "__main__":
    main()
