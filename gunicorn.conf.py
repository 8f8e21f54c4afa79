"""gunicorn settings for PESS Tracker: `gunicorn -c gunicorn.conf.py` (the app is pess_tracker.wsgi).

Every value can be overridden from the environment (GUNICORN_*), e.g. GUNICORN_BIND=0.0.0.0:8000.
"""

import multiprocessing
import os

wsgi_app = "pess_tracker.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers: the pages are short database-bound requests. (2 × CPU) + 1 is gunicorn's
# rule of thumb; a cap keeps PostgreSQL's connection count bounded on big machines.
workers = int(os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 12)))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "sync"

# A request that runs longer than this is killed (its transaction rolls back); exports stream,
# so they stay well inside it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))

# Recycle workers now and then so a slow leak cannot grow for ever (jitter avoids all at once).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 200))

# Logs to stdout/stderr for the service manager (systemd journal, container runtime).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# No query string in the access log: filters may name people or places.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# The reverse proxy on the same machine sets X-Forwarded-*; trust it only from there.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Load the application before forking: faster worker start, less memory.
preload_app = True
