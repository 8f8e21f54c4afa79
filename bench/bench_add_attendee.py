"""Benchmark: add one attendee on the attendance page of a 500-attendee workshop (request to response).

Runs the real view stack (middleware, session, CSRF-exempt test client, htmx partial) with Django's
test Client against a COPY of the national demo database, never the original:

    createdb -h 127.0.0.1 -U postgres -T pess_national pess_bench_issue3
    psql -h 127.0.0.1 -U postgres pess_bench_issue3 -c ANALYZE   # a template copy starts with no statistics
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_issue3
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/bench_add_attendee.py --runs 50

It picks a workshop of the first staff user's office, tops it up to exactly 500 attendees (in the
copy), makes it editable (draft, month open), then times N of each:
  add existing  POST attendance_add (htmx) with a participant not yet attending, then removes it
  add new       POST attendance_new (htmx) with a fresh name: duplicate check over 100,000 people
  search        GET search?q=<3 letters> (htmx fragment)
and the duplicate check alone (`people.possible_duplicates`, one typo away, same institution),
and prints median and p95 in milliseconds. Writes made by a run are undone after each request.
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from core.models import User  # noqa: E402
from review.models import PeriodClosure  # noqa: E402
from workshops.models import Attendance, Participant, Workshop  # noqa: E402

HTMX = {"HTTP_HX_REQUEST": "true"}
SIZE = 500


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(name, times):
    ms = [t * 1000 for t in times]
    print(f"{name:<14} n={len(ms):<4} median={statistics.median(ms):7.1f} ms   p95={pct(ms, 95):7.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or connection.settings_dict["NAME"] == "pess_national":
        sys.exit("Run against a PostgreSQL COPY of pess_national (see the docstring).")
    setup_test_environment()  # allows the 'testserver' host
    staff = User.objects.filter(role="staff", office__isnull=False, is_active=True).order_by("pk").first()
    office = staff.office
    print(
        f"database={connection.settings_dict['NAME']} participants={Participant.objects.count():,} "
        f"attendance={Attendance.objects.count():,}"
    )
    workshop = Workshop.objects.filter(office=office).order_by("-start_date").first()
    PeriodClosure.objects.filter(municipality=workshop.municipality).delete()
    Workshop.objects.filter(pk=workshop.pk).update(review_state="draft")
    have = Attendance.objects.filter(workshop=workshop).count()
    if have < SIZE:
        people = (
            Participant.objects.filter(office=office)
            .exclude(attendances__workshop=workshop)
            .values_list("pk", flat=True)[: SIZE - have]
        )
        Attendance.objects.bulk_create(Attendance(workshop=workshop, participant_id=pk) for pk in people)
    elif have > SIZE:
        extra = Attendance.objects.filter(workshop=workshop).order_by("-pk").values_list("pk", flat=True)[: have - SIZE]
        Attendance.objects.filter(pk__in=list(extra)).delete()
    print(f"workshop #{workshop.pk} office={office} attendees={Attendance.objects.filter(workshop=workshop).count()}")

    client = Client()
    client.force_login(staff)
    add_url = reverse("workshops:attendance_add", args=[workshop.pk])
    new_url = reverse("workshops:attendance_new", args=[workshop.pk])
    search_url = reverse("workshops:search", args=[workshop.pk])
    candidates = list(
        Participant.objects.filter(office=office)
        .exclude(attendances__workshop=workshop)
        .values_list("pk", "search_name")[: args.runs]
    )
    client.get(reverse("workshops:detail", args=[workshop.pk]))  # warm up

    add_times, new_times, search_times = [], [], []
    for i, (pk, name) in enumerate(candidates):
        start = time.perf_counter()
        response = client.post(add_url, {"participant": pk}, **HTMX)
        add_times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        Attendance.objects.filter(workshop=workshop, participant_id=pk).delete()

        data = {"first_names": f"Zoila Bench{i}", "last_names": "Quintanilla Ñúñez", "sex": "F", "age_group": "30-59"}
        start = time.perf_counter()
        response = client.post(new_url, data, **HTMX)
        new_times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        created = Participant.objects.filter(first_names=data["first_names"], last_names=data["last_names"])
        Attendance.objects.filter(participant__in=created).delete()
        created.delete()

        start = time.perf_counter()
        response = client.get(search_url, {"q": name[:3]}, **HTMX)
        search_times.append(time.perf_counter() - start)
        assert response.status_code == 200
    report("add existing", add_times)
    report("add new", new_times)
    report("search", search_times)

    # The duplicate check alone (the service, no HTTP): same name, one typo, same institution.
    sample = list(
        Participant.objects.filter(office=office, institution__isnull=False)
        .select_related("institution")
        .order_by("pk")[: args.runs]
    )
    dup_times = []
    for person in sample:
        start = time.perf_counter()
        found = people.possible_duplicates(
            user=staff,
            first_names=person.first_names,
            last_names=person.last_names[:-1] + "x",
            dui=None,
            institution=person.institution,
            municipality=workshop.municipality,
        )
        dup_times.append(time.perf_counter() - start)
        assert person.pk in {p.pk for p in found}
    report("dup check", dup_times)


if __name__ == "__main__":
    from core.scoping import scopes_disabled

    with scopes_disabled():  # a benchmark reads and writes as the whole installation
        main()
