"""Load-test plumbing: one virtual user's HTTP session, and starting/stopping gunicorn by PID."""

import http.client
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "pess-demo-2026"
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def production_env(**overrides) -> dict:
    """The environment of a gunicorn started with production settings on loopback (plus `overrides`)."""
    return {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "REQUIRE_2FA": "False",
        "DEMO_MODE": "False",
        "CONN_MAX_AGE": "60",
        "DB_STATEMENT_TIMEOUT_MS": os.environ.get("DB_STATEMENT_TIMEOUT_MS", "55000"),
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


# --- A virtual user: one keep-alive connection, its own cookies ---


class Session:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=70)
        self.cookies: dict[str, str] = {}

    def request(self, method, path, data=None, headers=None):
        origin = f"https://{self.host}:{self.port}"
        h = {"X-Forwarded-Proto": "https", "Host": f"{self.host}:{self.port}", "Referer": origin + "/"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            h["Content-Type"] = "application/x-www-form-urlencoded"
            h["Origin"] = origin
        h.update(headers or {})
        try:
            self.conn.request(method, path, body=body, headers=h)
            response = self.conn.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=70)
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, response.headers, content

    def login(self, username):
        """The real login form: GET it, POST it back with its CSRF token (the cookie is HttpOnly)."""
        status, _h, body = self.request("GET", "/cuenta/ingresar/")
        token = TOKEN.search(body)
        if status != 200 or token is None:
            raise RuntimeError(f"login page answered {status}")
        status, headers, _b = self.request(
            "POST",
            "/cuenta/ingresar/",
            {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": PASSWORD},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed ({status})")
        return headers.get("Location")


# --- gunicorn ---


def start_gunicorn(port, workers, env, log) -> subprocess.Popen:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True
    )
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log.name}")
        time.sleep(0.5)
    stop_gunicorn(process)
    raise RuntimeError("gunicorn did not become ready")


def _children(pid) -> set[int]:
    try:
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def _alive(pid) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop_gunicorn(process) -> list[int]:
    """SIGTERM the master (it stops its workers), then SIGKILL, by PID, whatever is left."""
    workers = _children(process.pid)
    process.terminate()
    try:
        process.wait(45)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
    left = [pid for pid in sorted(workers) if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


# --- Figures ---


@dataclass
class Result:
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    errors: dict = field(default_factory=lambda: defaultdict(int))
    error_samples: list = field(default_factory=list)
    adds: dict = field(default_factory=lambda: defaultdict(int))
    elapsed: float = 0.0


def summarize(result) -> dict:
    rows = {}
    every = []
    for page, values in sorted(result.latencies.items()):
        every.extend(values)
        rows[page] = _stats(values, result.errors[page], result.elapsed)
    rows["all"] = _stats(every, sum(result.errors.values()), result.elapsed)
    return rows


def _stats(values, errors, elapsed):
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else 0.0
    return {
        "requests": len(values),
        "rps": round(len(values) / elapsed, 2) if elapsed else 0.0,
        "median_ms": round(statistics.median(ordered) * 1000, 1) if ordered else 0.0,
        "p95_ms": round(p95 * 1000, 1),
        "errors": errors,
    }
