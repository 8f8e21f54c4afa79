"""Benchmark: the public transparency page (/transparencia/), cold and warm cache.

Goal: ≤ 200 ms on national data (issue 16). Run it against the national demo database (see
bench/bench_pages.py and README "Demo data" for how it is seeded), on a quiet machine:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_national DEBUG=True
    .venv/bin/python bench/bench_public_page.py [--runs 20] [--cold-runs 5]

It uses whatever database DATABASE_URL names (SQLite by default). On an empty database it says
so and stops, unless `--seed tiny|small|medium|national` is given: then it seeds that size first
(`seed_demo`, deterministic; refused unless the database has no demo data yet).

Each request goes through Django's test Client, anonymous, as a browser would (middleware,
template, cache, throttle; every request from its own address so the throttle never answers).
Cold: the cache is emptied before each request (the figures are computed: one query per source
table and level). Warm: the figures come from the cache. For each it prints the median and p95
wall time and the query count of the last request, with the load average before and after:
quote the whole output.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pess_tracker.settings")
os.environ.setdefault("DEBUG", "True")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from core.scoping import scopes_disabled  # noqa: E402
from reports import public  # noqa: E402
from workshops.models import Attendance  # noqa: E402


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _measure(url, data, runs, cold):
    client = Client()
    times, queries = [], 0
    for run in range(runs + 1):  # the first is a warm-up (imports, template loading)
        if cold or run == 0:
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url, data, REMOTE_ADDR=f"10.{run // 65536 % 256}.{run // 256 % 256}.{run % 256}")
            elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        if run:
            times.append(elapsed)
            queries = len(ctx.captured_queries)
    return statistics.median(times), _p95(times), queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20, help="warm-cache requests per case")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold-cache requests per case")
    parser.add_argument("--seed", choices=["tiny", "small", "medium", "national"], help="seed demo data first")
    args = parser.parse_args()
    if "ALLOWED_HOSTS" not in os.environ:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with scopes_disabled():
        attendances = Attendance.objects.count()
    if not attendances:
        if not args.seed:
            print("La base de datos no tiene datos: use --seed tiny|small|medium|national o la base nacional.")
            return 1
        call_command("load_reference_data")
        call_command("seed_demo", size=args.seed)
        with scopes_disabled():
            attendances = Attendance.objects.count()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, attendances: {attendances:,}")
    print(f"cache: {settings.CACHES['default']['BACKEND']}; runs: cold {args.cold_runs}, warm {args.runs}\n")
    url = reverse("transparency")
    this_year, last_year = public.public_years()
    cases = [
        (f"cold cache, {this_year}", {}, args.cold_runs, True),
        (f"warm cache, {this_year}", {}, args.runs, False),
        (f"cold cache, {last_year}", {"anio": str(last_year)}, args.cold_runs, True),
        (f"warm cache, {last_year}", {"anio": str(last_year)}, args.runs, False),
    ]
    print(f"{'case':28s} {'median':>9s} {'p95':>9s} {'queries':>8s}")
    for label, data, runs, cold in cases:
        median, p95, queries = _measure(url, data, runs, cold)
        print(f"{label:28s} {median * 1000:7.1f}ms {p95 * 1000:7.1f}ms {queries:8d}")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
