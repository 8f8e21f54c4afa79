"""Benchmark: the API's list endpoints and the figures endpoint (request to response, token auth).

Runs the real stack (middleware, DRF, token authentication, scope) with DRF's test client against an
existing database (the national demo data for the goal of ≤ 100 ms median; any seeded database
works). Read-only apart from the token it creates and revokes.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_national
    .venv/bin/python bench/bench_api_lists.py --runs 20 --user gerencia

Prints, per endpoint, the median and p95 in milliseconds and the number of SQL queries.
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
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from core import tokens  # noqa: E402
from core.models import User  # noqa: E402

ENDPOINTS = [
    "/api/v1/workshops/",
    "/api/v1/workshops/?review_state=approved&start_from=2025-01-01",
    "/api/v1/attendance/",
    "/api/v1/participants/",
    "/api/v1/participants/search/?q=maria",
    "/api/v1/windows/",
    "/api/v1/window-sessions/",
    "/api/v1/meetings/",
    "/api/v1/assistance/",
    "/api/v1/plans/",
    "/api/v1/municipalities/?pess=true",
    "/api/v1/figures/?level=department&period=year",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--user", default="gerencia")
    args = parser.parse_args()
    setup_test_environment()
    user = User.objects.get(username=args.user)
    token, raw = tokens.create_token(user=user, name="bench", days=1, verified=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    rates = {"token": "1000000/hour", "user": "1000000/hour"}
    try:
        with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
            client.get(ENDPOINTS[0])  # warm up (first use of the token writes last_used_at)
            print(f"{'endpoint':70} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
            for url in ENDPOINTS:
                times = []
                for _ in range(args.runs):
                    with CaptureQueriesContext(connection) as ctx:
                        start = time.perf_counter()
                        response = client.get(url)
                        times.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
                times.sort()
                p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
                print(f"{url:70} {statistics.median(times):10.1f} {p95:8.1f} {len(ctx.captured_queries):8d}")
    finally:
        tokens.revoke_token(user=user, token_id=token.pk)


if __name__ == "__main__":
    main()
