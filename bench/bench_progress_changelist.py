"""Benchmark: the admin's municipal progress changelist on national-scale data.

Run against a PostgreSQL copy of the national demo database (never the original):

    createdb -h 127.0.0.1 -U postgres -T pess_national pess_bench_issue5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_issue5 \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_issue5 \\
        .venv/bin/python bench/bench_progress_changelist.py [--runs 7]

GETs the changelist (this year, all PESS municipalities visible to the user) through Django's
test Client as a departmental coordinator and as the national manager, and prints the median,
minimum and maximum wall time and the query count. It only reads (sessions aside).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pess_tracker.settings")
os.environ.setdefault("DEBUG", "True")  # development settings (they default to production)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from core.models import User  # noqa: E402
from workshops.models import Attendance  # noqa: E402

CASES = [
    ("coordinación (San Salvador)", "coordinacion.sansalvador", {}),
    ("gerencia (50 municipios)", "gerencia", {}),
    ("gerencia, año anterior", "gerencia", {"periodo": "anio-anterior"}),
    ("gerencia, bajo meta", "gerencia", {"bajo_meta": "si"}),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if "ALLOWED_HOSTS" not in os.environ:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"base de datos: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"asistencias: {Attendance.objects.count():,}")
    url = reverse("admin:indicators_municipalprogress_changelist")
    for label, username, params in CASES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get(url, params)  # warm-up (connection, templates, caches)
        times = []
        for _run in range(args.runs):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url, params)
                times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        rows = response.context_data["cl"].result_count
        print(
            f"{label:32s} filas={rows:3d} consultas={len(ctx.captured_queries):2d} "
            f"mediana={statistics.median(times) * 1000:7.0f} ms  "
            f"mín={min(times) * 1000:7.0f} ms  máx={max(times) * 1000:7.0f} ms  (n={args.runs})"
        )


if __name__ == "__main__":
    from core.scoping import scopes_disabled

    with scopes_disabled():  # a benchmark reads and writes as the whole installation
        main()
