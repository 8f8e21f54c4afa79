"""Raw attendance export, side by side with PostgreSQL's own COPY; XLSX rows/s; peak memory.

Run by hand against a COPY of the national demo database (never pess_national itself):

    createdb -h 127.0.0.1 -U postgres -T pess_national pess_bench_issue6
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_issue6 \
        .venv/bin/python bench/bench_exports.py [--user admin] [--xlsx-rows 200000]

Each measurement runs in its own subprocess, which reports its wall time and its peak resident
memory (ru_maxrss) together with its resident memory just before the export started, so the
figures are not mixed up with each other or with Django's start-up.

- "ours": the real view (`reports:export_raw`, attendance, CSV, period "all") called with a
  RequestFactory request; its StreamingHttpResponse is consumed into /dev/null.
- "copy": the same SELECT (Django's compiled SQL of the very same queryset, scoping, labels and
  formula neutralisation included) as ONE `COPY (...) TO STDOUT WITH (FORMAT csv)` into /dev/null.
- "xlsx": the XLSX writer (openpyxl write-only) for the first N rows of the same queryset.

The reports page has its own benchmark: bench/bench_reports_page.py.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
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


def _query(username):
    from core.models import User
    from reports import raw
    from reports.forms import ReportFilterForm

    user = User.objects.select_related("office").get(username=username)
    form = ReportFilterForm({"period": "all"}, user=user)
    assert form.is_valid(), form.errors
    return user, raw.raw_export("attendance", user, form.filters())


def child_ours(username):
    from django.test import RequestFactory

    from reports import views

    user, _ = _query(username)
    request = RequestFactory().get("/informes/registros/attendance.csv", {"period": "all"})
    request.user = user
    before = rss_mb()
    start = time.perf_counter()
    response = views.export_raw(request, "attendance", "csv")
    size = rows = 0
    with open(os.devnull, "wb") as sink:
        for chunk in response.streaming_content:
            sink.write(chunk)
            size += len(chunk)
            rows += chunk.count(b"\n")
    response.close()
    return {"seconds": time.perf_counter() - start, "rows": rows - 1, "bytes": size, "rss_before": before}


def child_copy(username):
    from django.db import connection

    _user, (_columns, queryset) = _query(username)
    before = rss_mb()
    start = time.perf_counter()
    with connection.cursor() as cursor, open(os.devnull, "wb") as sink:

        class Counter:
            size = rows = 0

            def write(self, data):
                Counter.size += len(data)
                Counter.rows += bytes(data).count(b"\n")
                sink.write(data)

        sql, params = queryset.query.sql_with_params()
        statement = cursor.cursor.mogrify(sql, params).decode()
        cursor.cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", Counter())
    return {"seconds": time.perf_counter() - start, "rows": Counter.rows, "bytes": Counter.size, "rss_before": before}


def child_xlsx(username, limit):
    import tempfile

    from reports import exports, raw

    _user, (columns, queryset) = _query(username)
    before = rss_mb()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        rows = exports.raw_xlsx(columns, queryset[:limit], output, raw.title("attendance"), "benchmark")
        output.seek(0, 2)
        size = output.tell()
    return {"seconds": time.perf_counter() - start, "rows": rows, "bytes": size, "rss_before": before}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="admin", help="whose scope and columns (default: admin, all columns)")
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        setup()
        kind = args.child[0]
        if kind == "ours":
            result = child_ours(args.user)
        elif kind == "copy":
            result = child_copy(args.user)
        else:
            result = child_xlsx(args.user, int(args.child[1]))
        result["peak"] = peak_mb()
        print(json.dumps(result))
        return

    setup()
    from django.db import connection

    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor}); user: {args.user}")
    copy = run_child_user("copy", args.user)
    ours = run_child_user("ours", args.user)
    print(f"{'':<34}{'rows':>11}{'MB':>9}{'seconds':>10}{'rows/s':>11}{'RSS before':>12}{'peak RSS':>10}")
    for label, r in (("PostgreSQL COPY (same SELECT)", copy), ("ours: CSV view, streamed", ours)):
        print(
            f"{label:<34}{r['rows']:>11,}{r['bytes'] / 1e6:>9.1f}{r['seconds']:>10.2f}"
            f"{r['rows'] / r['seconds']:>11,.0f}{r['rss_before']:>10.0f}MB{r['peak']:>8.0f}MB"
        )
    print(f"ratio ours / COPY: {ours['seconds'] / copy['seconds']:.2f}x (goal < 1.5x)")
    xlsx = run_child_user("xlsx", args.user, str(args.xlsx_rows))
    print(
        f"XLSX (openpyxl write-only): {xlsx['rows']:,} rows in {xlsx['seconds']:.1f} s = "
        f"{xlsx['rows'] / xlsx['seconds']:,.0f} rows/s, {xlsx['bytes'] / 1e6:.1f} MB file, "
        f"RSS before {xlsx['rss_before']:.0f} MB, peak {xlsx['peak']:.0f} MB"
    )
    print("reports page: see bench/bench_reports_page.py")


def run_child_user(kind, user, *extra):
    output = subprocess.run(
        [sys.executable, __file__, "--user", user, "--child", kind, *extra],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    if output.returncode:
        sys.stderr.write(output.stderr)
        raise SystemExit(output.returncode)
    return json.loads(output.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    from core.scoping import scopes_disabled

    with scopes_disabled():  # a benchmark reads and writes as the whole installation
        main()
