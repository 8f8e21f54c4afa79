"""Load test: gunicorn (gunicorn.conf.py, production settings) on a PostgreSQL copy of the
national demo data, driven from this process over 127.0.0.1 only.

    createdb -h 127.0.0.1 -U postgres -T pess_national pess_bench_loadtest
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_loadtest
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_reference_data
    psql -h 127.0.0.1 -U postgres -d pess_bench_loadtest -c ANALYZE   # a template copy has no statistics
    .venv/bin/python bench/loadtest.py --port 8007 --users 6 --duration 60
    dropdb -h 127.0.0.1 -U postgres pess_bench_loadtest

Two phases on the same gunicorn: first the ceiling (GET /healthz, a bare Django view), then the
realistic mix. Each virtual user is a thread holding one keep-alive connection and one session
per role it plays, each signed in through the real login form (GET /cuenta/ingresar/, POST with
the form's CSRF token). Bounded: --duration seconds per phase and at most --max-requests
requests per phase; the server runs with DB_STATEMENT_TIMEOUT_MS (default 55000) so no query
outlives gunicorn's 60 s worker timeout. Prints requests/s, median and 95th-percentile latency
and errors per phase and per page, the mix/ceiling ratio, and asserts afterwards, with one SQL
query, that no (workshop, participant) pair has two attendance rows.

The mix (weights with --mix; a page missing from the build is skipped and said so):
  staff_list        territorial staff open their workshop list       GET /talleres/
  staff_attendance  staff open a workshop's attendance page          GET /talleres/<pk>/
  staff_add         staff add an attendee, as the page does it: the htmx search
                    (GET /talleres/<pk>/buscar/?q=…, timed as staff_search) returns one form
                    per person with its CSRF token; the driver posts one of them
                    (htmx POST /talleres/<pk>/asistencia/agregar/). The workshops are a small
                    pool of editable ones (--add-workshops) so that users really do add the same
                    person to the same workshop at the same time.
  coord_progress    coordinators open the progress changelist        GET /admin/indicators/municipalprogress/
  manager_report    managers open the reports page, national, one year
                                                                     GET /informes/?period=year&year=…
Weights: --mix staff_list=3,staff_attendance=3,staff_add=2,coord_progress=1,manager_report=1
(The home dashboard is not in the mix, which keeps the mix comparable across rounds; it was left out
when its figures were computed live, and now reads the pre-computed ones: see bench/bench_pages.py.)

The server runs with DEBUG=False and the production security settings; the driver plays the
TLS-terminating reverse proxy (X-Forwarded-Proto: https, SECURE_PROXY_SSL_HEADER set). 2FA is
switched off for the run (REQUIRE_2FA=False in gunicorn's environment): the demo accounts have no
authenticator. gunicorn's output (including any traceback) goes to --server-log; the master and
every worker are stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

from loadtest_http import (
    BASE_DIR,
    TOKEN,
    Result,
    Session,
    production_env,
    start_gunicorn,
    stop_gunicorn,
    summarize,
)

USERS = {
    "staff": "personal.sansalvador",
    "coordinator": "coordinacion.sansalvador",
    "manager": "gerencia",
}
DEFAULT_MIX = "staff_list=3,staff_attendance=3,staff_add=2,coord_progress=1,manager_report=1"
ACTION_ROLE = {
    "staff_list": "staff",
    "staff_attendance": "staff",
    "staff_add": "staff",
    "coord_progress": "coordinator",
    "manager_report": "manager",
    "ceiling": None,
}
# What each timed request is, for the printed table.
PAGE_LABEL = {
    "ceiling": "GET /healthz",
    "staff_list": "staff: workshop list",
    "staff_attendance": "staff: attendance page",
    "staff_search": "staff: htmx search",
    "staff_add": "staff: htmx add attendee",
    "coord_progress": "coordinator: progress changelist",
    "manager_report": "manager: reports page",
}
RESULT_FORM = re.compile(rb'<form method="post" action="([^"]+)" class="result-form".*?</form>', re.S)
HIDDEN = re.compile(rb'<input type="hidden" name="(participant|dui)" value="([^"]*)"')


# --- The plan: which paths exist in this build, and the ids to use ---


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pess_tracker.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def _reverse(name, query=None, **kwargs):
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None
    return f"{path}?{urlencode(query)}" if query else path


@dataclass
class Plan:
    paths: dict = field(default_factory=dict)  # action → callable(rng) → (method, path)
    add_workshops: list = field(default_factory=list)
    search_terms: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def build_plan(report_year: int, add_workshops: int, search_terms: int) -> Plan:
    _django()
    from core.models import User
    from review import services as review
    from workshops.models import Participant, Workshop

    plan = Plan()
    staff = User.objects.get(username=USERS["staff"])
    visible = Workshop.objects.visible_to(staff)
    # Attendance pages: the staff member's recent and upcoming workshops, as on their list.
    workshop_ids = list(visible.order_by("-start_date", "-pk").values_list("pk", flat=True)[:200])
    # Adding attendees: a small pool of workshops the staff member may still edit.
    today = datetime.date.today()
    candidates = visible.filter(start_date__lte=today).exclude(review_state="approved").order_by("-start_date", "-pk")
    plan.add_workshops = [w.pk for w in candidates[:200] if review.can_edit(w, staff)][:add_workshops]
    # Search terms: the start of names the staff member may see (the search matches name prefixes).
    names = Participant.objects.visible_to(staff).order_by("?").values_list("search_name", flat=True)[:search_terms]
    plan.search_terms = sorted({name[:6] for name in names if len(name) >= 6})

    if _reverse("workshops:list") is None:
        plan.notes.append("staff_list: workshops:list missing in this build, action skipped")
    else:
        plan.paths["staff_list"] = lambda rng: ("GET", _reverse("workshops:list"))
    if _reverse("workshops:detail", pk=1) is None or not workshop_ids:
        plan.notes.append("staff_attendance: workshops:detail missing (or no workshops), action skipped")
    else:
        plan.paths["staff_attendance"] = lambda rng: ("GET", _reverse("workshops:detail", pk=rng.choice(workshop_ids)))
    if _reverse("workshops:search", pk=1) is None or _reverse("workshops:attendance_add", pk=1) is None:
        plan.notes.append("staff_add: workshops:search / attendance_add missing in this build, action skipped")
    elif not plan.add_workshops or not plan.search_terms:
        plan.notes.append("staff_add: no editable workshop or no participant for the staff user, action skipped")
    else:
        plan.paths["staff_add"] = lambda rng: (
            "GET",
            _reverse("workshops:search", {"q": rng.choice(plan.search_terms)}, pk=rng.choice(plan.add_workshops)),
        )
    progress = _reverse("admin:indicators_municipalprogress_changelist")
    if progress is None:
        plan.notes.append("coord_progress: progress changelist missing in this build, action skipped")
    else:
        plan.paths["coord_progress"] = lambda rng: ("GET", progress)
    report = _reverse("reports:report", {"level": "department", "period": "year", "year": report_year})
    if report is None:
        plan.notes.append("manager_report: reports:report missing in this build, action skipped")
    else:
        plan.paths["manager_report"] = lambda rng: ("GET", report)
    plan.paths["ceiling"] = lambda rng: ("GET", _reverse("healthz"))
    return plan


def duplicate_attendance_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT workshop_id, participant_id FROM workshops_attendance "
            "GROUP BY workshop_id, participant_id HAVING count(*) > 1) d"
        )
        return cursor.fetchone()[0]


def attendance_rows(workshop_ids) -> int:
    from workshops.models import Attendance

    return Attendance.objects.filter(workshop_id__in=workshop_ids).count()


def leftover_queries() -> list:
    """Statements still running in the bench database once the server is gone (should be none)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, now() - query_start, left(query, 120) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'"
        )
        return cursor.fetchall()


# --- Phases ---


def run_phase(host, port, plan, weights, users, duration, max_requests, seed) -> Result:
    result = Result()
    lock = threading.Lock()
    budget = [max_requests]
    actions = [a for a in weights if a in plan.paths and weights[a] > 0]
    roles_needed = {ACTION_ROLE[a] for a in actions} - {None}
    sessions = []
    for i in range(users):
        per_role = {}
        for role in sorted(roles_needed):
            s = Session(host, port)
            s.login(USERS[role])
            per_role[role] = s
        sessions.append((random.Random(seed + i), per_role, Session(host, port)))
    deadline = 0.0

    def timed(page, session, method, path, data=None, headers=None, expect=(200,)):
        """One request, recorded under `page`; returns the body or None when it failed."""
        start = time.perf_counter()
        try:
            status, _h, body = session.request(method, path, data, headers)
            ok = status in expect
        except Exception as exc:  # a reset connection (killed worker), a timeout: an error
            status, body, ok = repr(exc), None, False
        took = time.perf_counter() - start
        with lock:
            result.latencies[page].append(took)
            if not ok:
                result.errors[page] += 1
                if len(result.error_samples) < 20:
                    result.error_samples.append(f"{page}: {method} {path} → {status}")
        return body if ok else None

    def take_budget():
        with lock:
            budget[0] -= 1
            return budget[0] >= 0

    def add_attendee(rng, session, path):
        """The htmx search, then a POST of one of the result forms (as a click on "Agregar")."""
        body = timed("staff_search", session, "GET", path, headers={"HX-Request": "true"})
        if body is None:
            return
        # The people not yet attending carry an "Agregar" button; one is clicked.
        forms = [m for m in RESULT_FORM.finditer(body) if b">Agregar</button>" in m.group(0)]
        if not forms:
            with lock:
                result.adds["search without result"] += 1
            return
        chosen = rng.choice(forms)
        data = {k.decode(): unescape(v.decode()) for k, v in HIDDEN.findall(chosen.group(0))}
        data["csrfmiddlewaretoken"] = TOKEN.search(chosen.group(0)).group(1).decode()
        if time.monotonic() >= deadline or not take_budget():
            return
        headers = {"HX-Request": "true", "HX-Current-URL": f"https://{host}:{port}{path.split('buscar/')[0]}"}
        reply = timed("staff_add", session, "POST", unescape(chosen.group(1).decode()), data, headers)
        if reply is not None:
            outcome = "added" if b"#attendee-rows" in reply else "already there / refused"
            with lock:
                result.adds[outcome] += 1

    def worker(rng, per_role, anon):
        weights_list = [weights[a] for a in actions]
        while time.monotonic() < deadline and take_budget():
            action = rng.choices(actions, weights=weights_list)[0]
            role = ACTION_ROLE[action]
            session = per_role[role] if role else anon
            method, path = plan.paths[action](rng)
            if action == "staff_add":
                add_attendee(rng, session, path)
            else:
                timed(action, session, method, path)

    threads = [threading.Thread(target=worker, args=s, daemon=True) for s in sessions]
    started = time.monotonic()
    deadline = started + duration  # the logins above are not part of the measured time
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 90)  # a request in flight at the deadline ends within gunicorn's timeout
    result.elapsed = time.monotonic() - started
    for _rng, per_role, anon in sessions:
        for session in [*per_role.values(), anon]:
            session.conn.close()
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8007)
    parser.add_argument("--users", type=int, default=6, help="concurrent virtual users (threads)")
    parser.add_argument("--duration", type=float, default=60, help="seconds per phase")
    parser.add_argument("--max-requests", type=int, default=20000, help="cap per phase")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: gunicorn.conf.py)")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"weights (default {DEFAULT_MIX})")
    parser.add_argument("--report-year", type=int, default=datetime.date.today().year - 1)
    parser.add_argument("--add-workshops", type=int, default=5, help="editable workshops attendees are added to")
    parser.add_argument("--search-terms", type=int, default=40, help="name prefixes searched before adding")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server-log", default=f"/tmp/pess_loadtest_gunicorn_{os.getpid()}.log")  # noqa: S108
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL to the PostgreSQL bench copy (never the shared pess_national)")
    if os.environ["DATABASE_URL"].rsplit("/", 1)[-1].split("?")[0] == "pess_national":
        parser.error("copy pess_national first: the load test writes attendance rows")
    weights = {k.strip(): float(v) for k, v in (pair.split("=") for pair in args.mix.split(","))}
    unknown = set(weights) - set(ACTION_ROLE) | ({"ceiling"} & set(weights))
    if unknown:
        parser.error(f"unknown actions in --mix: {', '.join(sorted(unknown))}")

    static_root = f"/tmp/pess_bench_static_{os.getpid()}"  # noqa: S108 - a throwaway collectstatic
    env = production_env(STATIC_ROOT=static_root)
    # The driver itself reads the plan with the same settings module, in DEBUG mode (no manifest needed).
    os.environ["DEBUG"] = "True"
    plan = build_plan(args.report_year, args.add_workshops, args.search_terms)
    for note in plan.notes:
        print("note:", note)
    rows_before = attendance_rows(plan.add_workshops)
    load_before = os.getloadavg()

    with open(args.server_log, "w") as log:
        server = start_gunicorn(args.port, args.workers, env, log)
        try:
            ceiling = run_phase(
                "127.0.0.1", args.port, plan, {"ceiling": 1}, args.users, args.duration, args.max_requests, 1
            )
            mix = run_phase(
                "127.0.0.1", args.port, plan, weights, args.users, args.duration, args.max_requests, args.seed
            )
        finally:
            killed = stop_gunicorn(server)
            shutil.rmtree(static_root, ignore_errors=True)
    load_after = os.getloadavg()

    figures = {"ceiling": summarize(ceiling), "mix": summarize(mix)}
    figures["ratio"] = round(figures["mix"]["all"]["rps"] / figures["ceiling"]["all"]["rps"], 4)
    figures["duplicate_attendance_rows"] = duplicate_attendance_rows()
    figures["attendance_rows_added"] = attendance_rows(plan.add_workshops) - rows_before
    figures["add_outcomes"] = dict(mix.adds)
    figures["users"], figures["duration_s"] = args.users, args.duration
    figures["load_average"] = {"before": load_before, "after": load_after}
    figures["leftover_queries"] = [list(map(str, row)) for row in leftover_queries()]
    figures["workers_killed_after_master"] = killed
    figures["notes"] = plan.notes
    print(f"\n{'phase / page':<42}{'requests':>9}{'req/s':>8}{'median ms':>11}{'p95 ms':>10}{'errors':>8}")
    for phase in ("ceiling", "mix"):
        for page, row in figures[phase].items():
            label = f"{phase}: {PAGE_LABEL.get(page, page)}" if page != "all" else f"{phase} (all)"
            print(
                f"{label:<42}{row['requests']:>9}{row['rps']:>8}{row['median_ms']:>11}"
                f"{row['p95_ms']:>10}{row['errors']:>8}"
            )
    print(f"\nmix / ceiling throughput: {figures['ratio']}")
    print(f"add attendee outcomes: {figures['add_outcomes']}; rows added: {figures['attendance_rows_added']}")
    print(f"duplicate (workshop, participant) attendance rows: {figures['duplicate_attendance_rows']}")
    print(f"load average before {load_before}, after {load_after}")
    print(f"statements still running in the database: {len(figures['leftover_queries'])}")
    print(f"workers left after the master stopped (killed by PID): {killed or 'none'}")
    for sample in ceiling.error_samples + mix.error_samples:
        print("error:", sample)
    server_errors = [
        line.rstrip()
        for line in Path(args.server_log).read_text(errors="replace").splitlines()
        if "Traceback" in line or "Error" in line or "WORKER TIMEOUT" in line or "Internal Server Error" in line
    ]
    for line in server_errors[:20]:
        print("server:", line)
    print(f"gunicorn output: {args.server_log}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    assert figures["duplicate_attendance_rows"] == 0, "duplicate attendance rows after the run"
    failed = figures["mix"]["all"]["errors"] or figures["ceiling"]["all"]["errors"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(BASE_DIR))
    from core.scoping import scopes_disabled

    with scopes_disabled():  # the driver reads the database as the whole installation
        sys.exit(main())
