"""Median time of the reports page at national level (by department) for one year.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_issue6 \
        .venv/bin/python bench/bench_reports_page.py [--runs 7] [--year 2025] [--level department]

Logs in as the demo national manager (`gerencia`), warms up once, then times full GET requests
through Django's test client (view, every query, template rendering) and prints the median,
the individual runs and the number of queries of one request.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--year", type=int)
    parser.add_argument("--level", default="department")
    parser.add_argument("--line", default="all")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pess_tracker.settings")
    os.environ.setdefault("DEBUG", "True")  # development settings (they default to production)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.models import User
    from indicators import periods

    client = Client()
    client.force_login(User.objects.get(username="gerencia"))
    year = args.year or periods.today().year - 1  # the last complete year of the demo data
    params = {"period": "year", "year": year, "level": args.level, "line": args.line}
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/informes/", params).status_code == 200  # warm-up
    times = []
    for _i in range(args.runs):
        start = time.perf_counter()
        response = client.get("/informes/", params)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"database: {connection.settings_dict['NAME']}; level {args.level}, line {args.line}, year {year}")
    print(
        f"reports page: median {statistics.median(times):.2f} s over {args.runs} runs ({runs}); {len(queries)} queries"
    )


if __name__ == "__main__":
    from core.scoping import scopes_disabled

    with scopes_disabled():  # a benchmark reads and writes as the whole installation
        main()
