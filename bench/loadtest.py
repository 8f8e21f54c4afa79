"""Load test: gunicorn (gunicorn.conf.py, production settings) on a PostgreSQL copy of the
national demo data, driven from this process over 127.0.0.1 only.

    createdb -h 127.0.0.1 -U postgres -T pess_national pess_bench_issue7
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_issue7 .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pess_bench_issue7 \\
        .venv/bin/python bench/loadtest.py --port 8007 --users 8 --duration 30

Two phases on the same gunicorn: first the ceiling (GET /healthz, a bare Django view), then the
realistic mix. Each virtual user is a thread with its own keep-alive connection and session,
logged in through the real login form. Bounded: --duration seconds per phase and at most
--max-requests requests per phase. Prints requests/s, median and 95th-percentile latency and
errors per action, the mix/ceiling ratio, and the number of duplicate attendance rows after.

The mix names pages by URL name; a page that does not exist in this build falls back to the
nearest page that does (printed), so the driver runs on any branch:
  staff_list        staff open their workshop list            workshops:list → (skipped)
  staff_attendance  staff open a workshop's attendance page   workshops:detail → (skipped)
  staff_add         staff add an attendee (POST, htmx)        workshops:attendance_add → (skipped)
  coord_progress    coordinators open the progress changelist admin:municipalities_municipalprogress_changelist
                                                              → admin:workshops_workshop_changelist
  manager_report    managers open the reports page            reports:report → (skipped)
(The home dashboard is not a fallback: on the national data its indicator totals take minutes.)
Weights: --mix staff_list=3,staff_attendance=3,staff_add=2,coord_progress=1,manager_report=1

The server runs with DEBUG=False and the production security settings; the driver plays the
TLS-terminating reverse proxy (X-Forwarded-Proto: https, SECURE_PROXY_SSL_HEADER set). 2FA is
switched off for the run (REQUIRE_2FA=False): the demo accounts have no authenticator.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "pess-demo-2026"
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


# --- The plan: which paths exist in this build, and the ids to use ---


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pess_tracker.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def _reverse(name, **kwargs):
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


@dataclass
class Plan:
    paths: dict = field(default_factory=dict)  # action → callable(rng) → (method, path, data)
    notes: list = field(default_factory=list)


def build_plan() -> Plan:
    _django()
    from pess_tracker.models import User
    from workshops.models import Participant, Workshop

    plan = Plan()
    staff = User.objects.get(username=USERS["staff"])
    workshop_ids = list(Workshop.objects.visible_to(staff).order_by("-start_date").values_list("pk", flat=True)[:200])
    participant_ids = list(Participant.objects.visible_to(staff).order_by("pk").values_list("pk", flat=True)[:5000])

    list_path = _reverse("workshops:list")
    if list_path is None:
        plan.notes.append("staff_list: workshops:list missing in this build, action skipped")
    else:
        plan.paths["staff_list"] = lambda rng: ("GET", list_path, None)

    if _reverse("workshops:detail", pk=1):
        plan.paths["staff_attendance"] = lambda rng: (
            "GET",
            _reverse("workshops:detail", pk=rng.choice(workshop_ids)),
            None,
        )
    else:
        plan.notes.append("staff_attendance: workshops:detail missing in this build, action skipped")

    if _reverse("workshops:attendance_add", pk=1):
        plan.paths["staff_add"] = lambda rng: (
            "POST",
            _reverse("workshops:attendance_add", pk=rng.choice(workshop_ids)),
            {"participant": str(rng.choice(participant_ids))},
        )
    else:
        plan.notes.append("staff_add: workshops:attendance_add missing in this build, action skipped")

    progress = _reverse("admin:municipalities_municipalprogress_changelist")
    if progress is None:
        progress = _reverse("admin:workshops_workshop_changelist")
        plan.notes.append("coord_progress: progress changelist missing in this build, using the workshop changelist")
    plan.paths["coord_progress"] = lambda rng: ("GET", progress, None)

    report = _reverse("reports:report")
    if report is None:
        plan.notes.append("manager_report: reports:report missing in this build, action skipped")
    else:
        plan.paths["manager_report"] = lambda rng: ("GET", report, None)
    plan.paths["ceiling"] = lambda rng: ("GET", _reverse("healthz"), None)
    return plan


def duplicate_attendance_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT workshop_id, participant_id FROM workshops_attendance "
            "GROUP BY workshop_id, participant_id HAVING count(*) > 1) d"
        )
        return cursor.fetchone()[0]


# --- A virtual user: one keep-alive connection, its own cookies ---


class Session:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method, path, data=None, headers=None):
        origin = f"https://{self.host}:{self.port}"
        h = {"X-Forwarded-Proto": "https", "Host": f"{self.host}:{self.port}", "Referer": origin + "/"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urlencode(data)
            h["Content-Type"] = "application/x-www-form-urlencoded"
            h["Origin"] = origin
            h["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        h.update(headers or {})
        try:
            self.conn.request(method, path, body=body, headers=h)
            response = self.conn.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, response.headers, content

    def login(self, username):
        status, _h, body = self.request("GET", "/cuenta/ingresar/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or token is None:
            raise RuntimeError(f"login page answered {status}")
        status, _headers, _b = self.request(
            "POST", "/cuenta/ingresar/", {"username": username, "password": PASSWORD, "next": "/"}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed ({status})")


# --- Phases ---


@dataclass
class Result:
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    errors: dict = field(default_factory=lambda: defaultdict(int))
    error_samples: list = field(default_factory=list)
    elapsed: float = 0.0


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
        anon = Session(host, port)
        sessions.append((random.Random(seed + i), per_role, anon))
    deadline = 0.0

    def worker(rng, per_role, anon):
        population = actions
        cum = [weights[a] for a in actions]
        while time.monotonic() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            action = rng.choices(population, weights=cum)[0]
            role = ACTION_ROLE[action]
            session = per_role[role] if role else anon
            method, path, data = plan.paths[action](rng)
            headers = {"HX-Request": "true"} if action == "staff_add" else None
            start = time.perf_counter()
            try:
                status, _h, _body = session.request(method, path, data, headers)
                ok = status == 200 or (status == 302 and method == "POST")
            except Exception as exc:
                status, ok = repr(exc), False
            took = time.perf_counter() - start
            with lock:
                result.latencies[action].append(took)
                if not ok:
                    result.errors[action] += 1
                    if len(result.error_samples) < 10:
                        result.error_samples.append(f"{action} {method} {path} → {status}")

    threads = [threading.Thread(target=worker, args=s, daemon=True) for s in sessions]
    started = time.monotonic()
    deadline = started + duration  # logins above are not part of the measured time
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 120)
    result.elapsed = time.monotonic() - started
    for _rng, per_role, anon in sessions:
        for session in [*per_role.values(), anon]:
            session.conn.close()
    return result


def summarize(result: Result) -> dict:
    rows = {}
    every = []
    for action, values in sorted(result.latencies.items()):
        every.extend(values)
        rows[action] = _stats(values, result.errors[action], result.elapsed)
    rows["all"] = _stats(every, sum(result.errors.values()), result.elapsed)
    return rows


def _stats(values, errors, elapsed):
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else 0.0
    return {
        "requests": len(values),
        "rps": round(len(values) / elapsed, 1) if elapsed else 0.0,
        "median_ms": round(statistics.median(ordered) * 1000, 1) if ordered else 0.0,
        "p95_ms": round(p95 * 1000, 1),
        "errors": errors,
    }


# --- gunicorn ---


def start_gunicorn(port, workers, env) -> subprocess.Popen:
    static_root = env["STATIC_ROOT"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True
    )
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    for _ in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); static files in {static_root}")
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not become ready")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8007)
    parser.add_argument("--users", type=int, default=8, help="concurrent virtual users (threads)")
    parser.add_argument("--duration", type=float, default=30, help="seconds per phase")
    parser.add_argument("--max-requests", type=int, default=20000, help="cap per phase")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: gunicorn.conf.py)")
    parser.add_argument("--mix", default=DEFAULT_MIX)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL to the PostgreSQL bench copy (never the shared pess_national)")
    if os.environ["DATABASE_URL"].rsplit("/", 1)[-1].split("?")[0] == "pess_national":
        parser.error("copy pess_national first: the load test writes attendance rows")

    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "REQUIRE_2FA": "False",
        "DEMO_MODE": "False",
        "CONN_MAX_AGE": "60",
        "DB_STATEMENT_TIMEOUT_MS": "55000",
        "STATIC_ROOT": f"/tmp/pess_bench_static_{os.getpid()}",  # noqa: S108 - a throwaway collectstatic
        "LOG_LEVEL": "WARNING",
    }
    # The driver itself reads the plan with the same settings module, in DEBUG mode (no manifest needed).
    os.environ.setdefault("DEBUG", "True")
    plan = build_plan()
    weights = {k: float(v) for k, v in (pair.split("=") for pair in args.mix.split(","))}
    for note in plan.notes:
        print("note:", note)

    server = start_gunicorn(args.port, args.workers, env)
    try:
        ceiling = run_phase(
            "127.0.0.1", args.port, plan, {"ceiling": 1}, args.users, args.duration, args.max_requests, 1
        )
        mix = run_phase("127.0.0.1", args.port, plan, weights, args.users, args.duration, args.max_requests, args.seed)
    finally:
        server.terminate()
        try:
            server.wait(45)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)

    figures = {"ceiling": summarize(ceiling), "mix": summarize(mix)}
    figures["ratio"] = round(figures["mix"]["all"]["rps"] / figures["ceiling"]["all"]["rps"], 3)
    figures["duplicate_attendance_rows"] = duplicate_attendance_rows()
    figures["users"], figures["duration_s"] = args.users, args.duration
    figures["notes"] = plan.notes
    print(f"\n{'action':<18}{'requests':>9}{'req/s':>8}{'median ms':>11}{'p95 ms':>9}{'errors':>8}")
    for phase in ("ceiling", "mix"):
        for action, row in figures[phase].items():
            label = f"{phase}:{action}" if action != "all" else f"{phase} (all)"
            print(
                f"{label:<18}{row['requests']:>9}{row['rps']:>8}{row['median_ms']:>11}{row['p95_ms']:>9}{row['errors']:>8}"
            )
    print(f"\nmix / ceiling throughput: {figures['ratio']}")
    print(f"duplicate attendance rows: {figures['duplicate_attendance_rows']}")
    for sample in mix.error_samples + ceiling.error_samples:
        print("error:", sample)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    failed = (
        figures["mix"]["all"]["errors"] or figures["ceiling"]["all"]["errors"] or figures["duplicate_attendance_rows"]
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
