"""Benchmark: the main pages on national-scale data, side by side with /healthz in one run.

Run against a PostgreSQL copy of the national demo database (it adds one attendee per run of
the "add one attendee" case, and removes it again):

    createdb -h 127.0.0.1 -U postgres pess_national
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_national DEBUG=True
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_reference_data
    .venv/bin/python manage.py seed_demo --size national
    .venv/bin/python bench/bench_pages.py [--runs 7]

Every page is requested through Django's test Client in this process (the same middleware, the
same scoping and templates as gunicorn serves), after one warm-up request. For each page it prints
the median and p95 wall time over --runs, the query count of the last run, and the ratio of the
median to /healthz's median measured in the same run (a machine-speed-independent figure). It
prints the load average before and after: quote the whole output, never single numbers.
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

import logging  # noqa: E402

logging.getLogger("pess.security").setLevel(logging.WARNING)  # one login per case: not news here

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from core.models import User  # noqa: E402
from core.scoping import scopes_disabled  # noqa: E402
from geography.models import Municipality  # noqa: E402
from indicators import cells  # noqa: E402
from review import services as review  # noqa: E402
from review.models import ReviewState  # noqa: E402
from workshops.models import Attendance, Participant, Workshop  # noqa: E402


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _measure(client, method, url, data, runs, undo=None):
    getattr(client, method)(url, data)  # warm-up
    if undo:
        undo()
    times = []
    for _run in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = getattr(client, method)(url, data)
            times.append(time.perf_counter() - start)
        assert response.status_code in (200, 302), (url, response.status_code)
        if undo:
            undo()
    return statistics.median(times), _p95(times), len(ctx.captured_queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if "ALLOWED_HOSTS" not in os.environ:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with scopes_disabled():
        attendances = Attendance.objects.count()
        # A draft workshop of the San Salvador office with 500 of its people: the attendance page
        # and "add one attendee" need a workshop staff may still edit (demo workshops are reviewed).
        staff = User.objects.get(username="personal.sansalvador")
        model = Workshop.objects.filter(office=staff.office).order_by("pk").first()
        big = Workshop.objects.create(
            title="Taller de referencia (bench_pages)",
            topic=model.topic,
            audience=model.audience,
            municipality=model.municipality,
            office=staff.office,
            start_date=model.start_date,
            end_date=model.end_date,
            hours=model.hours,
            status="planned",
        )
        people = list(Participant.objects.filter(office=staff.office).order_by("pk")[:501])
        Attendance.objects.bulk_create([Attendance(workshop=big, participant=p) for p in people[:500]])
        big.n = min(len(people), 500)
        newcomer = people[-1]
        san_salvador = Municipality.objects.filter(department__iso_code="SV-SS").pess().order_by("code").first()
        year = str(time.localtime().tm_year - 1)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, attendances: {attendances:,}")
    print(f"attendance page: editable workshop #{big.pk} with {big.n} attendees; runs per case: {args.runs}\n")

    def remove_newcomer():
        with scopes_disabled():
            Attendance.objects.filter(workshop=big, participant=newcomer).delete()

    users = {u.username: u for u in User.objects.filter(username__in=["gerencia", "coordinacion.sansalvador"])}
    users[staff.username] = staff
    report = reverse("reports:report")
    cases = [
        ("healthz", "gerencia", "get", reverse("healthz"), {}, None),
        ("reports: national by department, 1 year", "gerencia", "get", report, {"year": year}, None),
        ("reports: by municipality, 1 year", "gerencia", "get", report, {"year": year, "level": "municipality"}, None),
        (
            "reports: custom one-year range",
            "gerencia",
            "get",
            report,
            {"period": "custom", "start": f"15/02/{year}", "end": f"14/02/{int(year) + 1}"},
            None,
        ),
        (
            "progress changelist: manager",
            "gerencia",
            "get",
            reverse("admin:indicators_municipalprogress_changelist"),
            {},
            None,
        ),
        (
            "progress changelist: coordinator",
            "coordinacion.sansalvador",
            "get",
            reverse("admin:indicators_municipalprogress_changelist"),
            {},
            None,
        ),
        (
            "municipality page",
            "gerencia",
            "get",
            reverse("municipalities:municipality_detail", args=[san_salvador.pk]),
            {},
            None,
        ),
        ("home page: manager", "gerencia", "get", reverse("home"), {}, None),
        (
            "attendance page (500 attendees)",
            staff.username,
            "get",
            reverse("workshops:detail", args=[big.pk]),
            {},
            None,
        ),
        (
            "add one attendee",
            staff.username,
            "post",
            reverse("workshops:attendance_add", args=[big.pk]),
            {"participant": newcomer.pk},
            remove_newcomer,
        ),
    ]
    healthz = None
    print(f"{'page':42s} {'median':>9s} {'p95':>9s} {'queries':>8s} {'x healthz':>10s}")
    for label, username, method, url, data, undo in cases:
        client = Client()
        client.force_login(users[username])
        median, p95, queries = _measure(client, method, url, data, args.runs, undo)
        healthz = healthz or median
        print(f"{label:42s} {median * 1000:7.1f}ms {p95 * 1000:7.1f}ms {queries:8d} {median / healthz:10.1f}")
    _approval(big, users, args.runs)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with scopes_disabled():
        big.delete()


def _approval(big, users, runs):
    """Approving the 500-attendee workshop (the service a coordinator's click runs), then the
    background job that brings the pre-computed figures up to date (no page waits for it)."""
    coordinator = users["coordinacion.sansalvador"]
    approve_times, refresh_times, queries = [], [], 0
    with scopes_disabled():
        cells.refresh()  # nothing else waiting
        for _run in range(runs):
            Workshop.objects.filter(pk=big.pk).update(review_state=ReviewState.SUBMITTED, status="held")
            big.refresh_from_db()
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                review.approve(record=big, by=coordinator)
                approve_times.append(time.perf_counter() - start)
            queries = len(ctx.captured_queries)
            start = time.perf_counter()
            cells.refresh()
            refresh_times.append(time.perf_counter() - start)
            Workshop.objects.filter(pk=big.pk).update(review_state=ReviewState.DRAFT, status="planned")
            cells.mark_stale([(big.municipality_id, big.start_date)])
            cells.refresh()
    print(
        f"{'approve the 500-attendee workshop':42s} {statistics.median(approve_times) * 1000:7.1f}ms "
        f"{_p95(approve_times) * 1000:7.1f}ms {queries:8d}"
    )
    print(
        f"{'  then the figures refresh job':42s} {statistics.median(refresh_times) * 1000:7.1f}ms "
        f"{_p95(refresh_times) * 1000:7.1f}ms"
    )


if __name__ == "__main__":
    main()
