"""Benchmark: confirm a 1,000-row sign-in sheet import (workshops.imports.confirm_import).

Runnable on any database (DATABASE_URL=...), e.g. a PostgreSQL COPY of the national demo data:

    createdb -h 127.0.0.1 -U postgres -T pess_national pess_bench_import
    psql -h 127.0.0.1 -U postgres pess_bench_import -c ANALYZE   # a template copy has no statistics
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_import .venv/bin/python bench/bench_import.py

or on small local data:

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 sh -c '.venv/bin/python manage.py migrate &&
        .venv/bin/python manage.py load_reference_data && .venv/bin/python manage.py seed_demo --size small'
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/bench_import.py --runs 5

It builds a CSV of --rows rows (a fifth of them people the office already registered, half with a
DUI, a few institutions), parses and previews it once, then confirms it --runs times in the first
staff user's scope, as the page does, each run in a transaction rolled back afterwards (the data
is left as it was). Prints the median and max seconds and the query count of one confirm.
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

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core.models import User  # noqa: E402
from core.scoping import scope, scopes_disabled  # noqa: E402
from core.validators import dui_check_digit  # noqa: E402
from review.models import PeriodClosure  # noqa: E402
from workshops import imports  # noqa: E402
from workshops.models import Attendance, Participant, Workshop  # noqa: E402

AGES = ["0-11", "12-17", "18-29", "30-59", "60+"]
INSTITUTIONS = ["Alcaldía municipal", "Centro Escolar Bench", "Unidad de Salud", ""]


class Rollback(Exception):
    pass


def build_csv(n: int, existing: list[Participant]) -> str:
    lines = ["Nombres,Apellidos,Sexo,Grupo de edad,Institución,DUI"]
    for p in existing:
        inst = p.institution.name if p.institution_id else ""
        lines.append(f"{p.first_names},{p.last_names},{p.get_sex_display()},{p.age_group},{inst},{p.dui or ''}")
    for i in range(n - len(existing)):
        body = f"{90_000_000 + i:08d}"
        dui = f"{body}-{dui_check_digit(body)}" if i % 2 else ""
        lines.append(f"Banca {i},Prueba {i},{'Mujer' if i % 3 else 'Hombre'},{AGES[i % 5]},{INSTITUTIONS[i % 4]},{dui}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with scopes_disabled():
        staff = User.objects.filter(role="staff", office__isnull=False, is_active=True).order_by("pk").first()
        if staff is None:
            sys.exit("No territorial staff user: run load_reference_data and seed_demo first.")
        workshop = Workshop.objects.filter(office=staff.office).order_by("-start_date").first()
        print(
            f"database={connection.vendor}:{connection.settings_dict['NAME']} "
            f"participants={Participant.objects.count():,} attendance={Attendance.objects.count():,} "
            f"rows={args.rows} runs={args.runs}"
        )
    with scope(staff):
        existing = list(
            Participant.objects.filter(office=staff.office)
            .exclude(attendances__workshop=workshop)
            .select_related("institution")
            .order_by("pk")[: args.rows // 5]
        )
        text = build_csv(args.rows, existing)
        times, queries, result = [], 0, None
        for _run in range(args.runs):
            try:
                with transaction.atomic():
                    # Editable for the run (draft, month open); undone with the rest.
                    PeriodClosure.objects.filter(municipality=workshop.municipality).delete()
                    Workshop.objects.filter(pk=workshop.pk).update(review_state="draft")
                    workshop.refresh_from_db()
                    rows = imports.classify(
                        rows=imports.parse_rows(imports.read_text(text)), workshop=workshop, user=staff
                    )
                    with CaptureQueriesContext(connection) as ctx:
                        start = time.perf_counter()
                        result = imports.confirm_import(workshop=workshop, rows=rows, user=staff)
                        times.append(time.perf_counter() - start)
                    queries = len(ctx.captured_queries)
                    raise Rollback
            except Rollback:
                pass
    print(
        f"confirm {args.rows} rows: median={statistics.median(times):.3f} s  max={max(times):.3f} s  "
        f"queries={queries}  added={result['added']} (new people {result['new']}, existing {result['existing']})"
    )


if __name__ == "__main__":
    main()
