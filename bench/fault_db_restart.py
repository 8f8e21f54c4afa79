"""Fault test (by hand, not in CI): restart PostgreSQL under load and check what users were told.

    .venv/bin/python bench/fault_db_restart.py [--threads 4] [--duration 30] [--restart-at 10]

It needs nothing running: it creates a PostgreSQL cluster of its own in a temporary directory
(/usr/lib/postgresql/*/bin/initdb and pg_ctl; as the `postgres` user when run as root) on a free
loopback port, migrates it and seeds `--size tiny` demo data, starts gunicorn (gunicorn.conf.py,
DEBUG=False and the production settings, CONN_MAX_AGE=60 as in production, the driver playing the
TLS proxy) and drives it over 127.0.0.1 from --threads threads, each a signed-in territorial
staff member who alternately opens the workshop list and registers a new person on a workshop's
attendance page ("Persona nueva", the htmx POST), for --duration seconds and at most
--max-requests requests. At --restart-at seconds it restarts the cluster (pg_ctl restart -m fast).

It prints the status codes per second, the recovery time (restart issued → first successful write
after the last failure), the rows the users were told were added (a 200 that inserts the row in the
page) against the rows in the database (they must be equal), and what the server logged (tracebacks,
error records, "session was deleted"). Everything it started is stopped by PID and the temporary
directory removed.
"""

from __future__ import annotations

import argparse
import glob
import os
import secrets
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadtest_http import TOKEN, Session, production_env, start_gunicorn, stop_gunicorn

BASE_DIR = Path(__file__).resolve().parent.parent
STAFF = "personal.sansalvador"
LAST_NAME_PREFIX = "Falla"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1:<port>, trust authentication, in `root`."""

    def __init__(self, root: Path, port: int):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            sys.exit("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb)")
        self.bin = Path(bins[-1]).parent
        self.root, self.port = root, port
        self.data, self.log = root / "data", root / "postgres.log"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args, check=True):
        return subprocess.run([*self.as_postgres, *args], check=check, capture_output=True, text=True)

    def init(self):
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def pg_ctl(self, *args):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        return self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, *args)

    def url(self, db="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"


def sql(url: str, query: str, params=()):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        conn.close()


def random_word(n=9) -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n)).capitalize()


def drive(port, workshop_id, threads, duration, max_requests, restart_at, cluster):
    started = time.monotonic()
    deadline = started + duration
    lock = threading.Lock()
    budget = [max_requests]
    events = []  # (seconds since start, kind, status)
    believed = [0]
    restart = {}

    sessions = []
    for _ in range(threads):
        s = Session("127.0.0.1", port)
        s.login(STAFF)
        sessions.append(s)
    page_path = f"/talleres/{workshop_id}/"
    new_path = f"/talleres/{workshop_id}/asistencia/nueva/"

    def record(kind, status):
        with lock:
            events.append((time.monotonic() - started, kind, status))

    def worker(session):
        token = None
        n = 0
        while time.monotonic() < deadline:
            with lock:
                budget[0] -= 1
                if budget[0] < 0:
                    return
            n += 1
            try:
                if token is None or n % 2:
                    status, _h, body = session.request("GET", page_path)
                    record("read", status)
                    found = TOKEN.search(body) if status == 200 else None
                    if found:
                        token = found.group(1).decode()
                    continue
                data = {
                    "csrfmiddlewaretoken": token,
                    "first_names": random_word(),
                    "last_names": f"{LAST_NAME_PREFIX} {random_word()}",
                    "sex": "F",
                    "age_group": "30-59",
                }
                headers = {"HX-Request": "true", "HX-Current-URL": f"https://127.0.0.1:{port}{page_path}"}
                status, _h, body = session.request("POST", new_path, data, headers)
                record("write", status)
                if status == 200 and b"#attendee-rows" in body:
                    with lock:
                        believed[0] += 1
            except Exception as exc:  # a connection error is a result here
                record("read" if n % 2 else "write", f"conn:{type(exc).__name__}")
                time.sleep(0.2)

    def restarter():
        time.sleep(max(0.0, started + restart_at - time.monotonic()))
        restart["at"] = time.monotonic() - started
        result = cluster.pg_ctl("restart", "-m", "fast", "-w")
        restart["done"] = time.monotonic() - started
        restart["rc"] = result.returncode

    pool = [threading.Thread(target=worker, args=(s,)) for s in sessions]
    pool.append(threading.Thread(target=restarter))
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return events, believed[0], restart


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--restart-at", type=float, default=10)
    parser.add_argument("--max-requests", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="pess_fault_"))
    cluster = Cluster(root, free_port())
    server = None
    log_path = root / "gunicorn.log"
    t0 = time.monotonic()
    try:
        cluster.init()
        cluster.pg_ctl("start", "-w")
        sql(cluster.url(), "CREATE DATABASE pess_fault")
        url = cluster.url("pess_fault")
        setup_env = {**os.environ, "DATABASE_URL": url, "DEBUG": "True"}
        for command in (["migrate", "-v", "0"], ["load_reference_data"], ["seed_demo", "--size", "tiny"]):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=setup_env, check=True, capture_output=True
            )
        (workshop_id, municipality_id), *_ = sql(
            url,
            "SELECT w.id, w.municipality_id FROM workshops_workshop w JOIN core_user u ON u.office_id = w.office_id "
            "WHERE u.username = %s ORDER BY w.start_date DESC LIMIT 1",
            (STAFF,),
        )
        sql(url, "UPDATE workshops_workshop SET review_state = 'draft' WHERE id = %s", (workshop_id,))
        sql(url, "DELETE FROM review_periodclosure WHERE municipality_id = %s", (municipality_id,))
        print(f"setup: cluster on 127.0.0.1:{cluster.port}, migrated and seeded in {time.monotonic() - t0:.1f} s")

        env = production_env(DATABASE_URL=url, DB_STATEMENT_TIMEOUT_MS="55000", STATIC_ROOT=str(root / "static"))
        port = free_port()
        with open(log_path, "w") as log:
            server = start_gunicorn(port, args.workers, env, log)
            events, believed, restart = drive(
                port, workshop_id, args.threads, args.duration, args.max_requests, args.restart_at, cluster
            )
            stop_gunicorn(server)
            server = None
        in_db = sql(
            url,
            "SELECT count(*) FROM workshops_attendance a JOIN workshops_participant p ON p.id = a.participant_id "
            "WHERE a.workshop_id = %s AND p.last_names LIKE %s",
            (workshop_id, LAST_NAME_PREFIX + " %"),
        )[0][0]
        report(events, believed, in_db, restart, log_path.read_text(errors="replace"))
        if believed != in_db:
            sys.exit(1)
    finally:
        if server is not None:
            stop_gunicorn(server)
        cluster.pg_ctl("stop", "-m", "immediate")
        if args.keep:
            print(f"kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def report(events, believed, in_db, restart, server_log):
    per_second = defaultdict(Counter)
    for t, _kind, status in events:
        per_second[int(t)][str(status)] += 1
    print(
        f"restart issued at {restart.get('at', 0):.1f} s, pg_ctl returned at {restart.get('done', 0):.1f} s "
        f"(rc {restart.get('rc')})"
    )
    print("second  status codes")
    for second in sorted(per_second):
        marks = "  ".join(f"{code}×{n}" for code, n in sorted(per_second[second].items()))
        print(f"{second:>6}  {marks}")
    failures = [t for t, _k, s in events if s != 200 and t >= restart.get("at", 0)]
    if failures:
        last_failure = max(failures)
        ok_after = [t for t, k, s in events if s == 200 and k == "write" and t > last_failure]
        recovered = (min(ok_after) - restart["at"]) if ok_after else float("nan")
        print(
            f"failures after the restart: {len(failures)} between {min(failures):.1f} s and {last_failure:.1f} s; "
            f"recovery (restart issued → first successful write after the last failure): {recovered:.1f} s"
        )
    else:
        print("no failed request around the restart")
    totals = Counter(str(s) for _t, _k, s in events)
    print(f"requests: {len(events)}  by status: {dict(sorted(totals.items()))}")
    verdict = "EQUAL" if believed == in_db else "DIFFER"
    print(f"rows believed added: {believed}   rows in the database: {in_db}   {verdict}")
    error_records = server_log.count('"logger": "pess.errors"')
    print(
        "server log: "
        f"{server_log.count('Traceback')} tracebacks, "
        f"{error_records} pess.errors records, "
        f"{server_log.count('session was deleted')} 'session was deleted', "
        f"{len(server_log.encode())} bytes"
    )


if __name__ == "__main__":
    main()
