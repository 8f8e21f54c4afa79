"""Settings for PESS Tracker, read from the environment (django-environ).

Fail safe: with nothing set, DEBUG is False and the production checks apply, so the app
refuses to start (WSGI/ASGI and every management command, through core.checks) without a strong
SECRET_KEY and an explicit ALLOWED_HOSTS. Reading these settings never fails by itself: the list
of what is missing is PRODUCTION_PROBLEMS. Development is
asked for explicitly with DEBUG=True (`make run` and the test suite set it; `.env.example` has
it); it then needs nothing installed (SQLite in the project folder).
"""

import math
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-insecure-pess-tracker-key-change-me"  # noqa: S105 - development only

# Off unless asked for: a server started with a missing or unread environment runs as production.
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
PRODUCTION_PROBLEMS = []  # what production lacks; core.checks refuses to start while it is not empty
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    PRODUCTION_PROBLEMS.append(
        "SECRET_KEY must be set to a strong, unique value (50+ characters) when DEBUG is off "
        "(DEBUG is off unless set: use DEBUG=True for development)."
    )

# Development answers on the loopback names; production only on the host names it is given.
_hosts = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
ALLOWED_HOSTS = [host.strip() for host in _hosts if host.strip()]
if not DEBUG and not ALLOWED_HOSTS:
    PRODUCTION_PROBLEMS.append(
        "ALLOWED_HOSTS must be set to the host names this site answers to (comma-separated, "
        "e.g. pess.isdemu.gob.sv) when DEBUG is off."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Demo mode prints demo logins and allows the demo seeding commands.
DEMO_MODE = env.bool("DEMO_MODE", default=DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Our apps, bottom layer first (see README "Architecture"; import-linter enforces the layers).
    "core",
    "geography",
    "review",
    "indicators",
    "municipalities",
    "workshops",
    "mobile_windows",
    "reports",
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pess_tracker.middleware.SpanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.scoping.ScopeMiddleware",  # every request runs in its user's scope (fail closed)
    "django_otp.middleware.OTPMiddleware",
    "core.security.SessionLifetimeMiddleware",
    "core.security.TwoFactorMiddleware",
    "core.security.NoStoreMiddleware",
    "core.security.RefusedAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pess_tracker.urls"
CSRF_FAILURE_VIEW = "pess_tracker.errors.csrf_failure"
# Sessions in the database, except that a session that cannot be saved because the database is
# down does not turn a finished request into a 400 (pess_tracker/sessions.py).
SESSION_ENGINE = "pess_tracker.sessions"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "pess_tracker.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and tests write concurrently.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"})

# A statement cut off after this many milliseconds (PostgreSQL; 0: no limit). Set it a little below
# gunicorn's timeout: a killed worker's query would otherwise keep running in the database.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=0)
# The planner's cost of a random page read (PostgreSQL's default, 4, assumes spinning disks). On SSD
# storage or a database that fits in memory, 1.1 lets it read a year of attendance through the
# (workshop, participant) index instead of scanning and hashing the whole table (that join: 58 ms
# instead of 137 ms on the national data; README, "Performance"). Empty: the server's own setting.
DB_RANDOM_PAGE_COST = env.str("DB_RANDOM_PAGE_COST", default="1.1").strip()
if DB_RANDOM_PAGE_COST:
    try:
        _cost = float(DB_RANDOM_PAGE_COST)
    except ValueError:
        _cost = float("nan")
    if not (math.isfinite(_cost) and _cost > 0):
        raise ImproperlyConfigured(f"DB_RANDOM_PAGE_COST must be a positive number (1.1), not {DB_RANDOM_PAGE_COST!r}")
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Added to any options DATABASE_URL already gives (?options=...), never instead of them.
    _session = [DATABASES["default"].get("OPTIONS", {}).get("options", "")]
    if DB_STATEMENT_TIMEOUT_MS:
        _session.append(f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}")
    if DB_RANDOM_PAGE_COST:
        _session.append(f"-c random_page_cost={_cost}")
    if any(_session):
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(part for part in _session if part)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # Refuses logins while a username + address pair is locked out, then Django's backend.
    "core.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workshops:start"  # staff land on "Mis talleres", others on home
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Spanish first, English available.
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Español")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/El_Salvador"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["pess_tracker.formats"]
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Production serves compressed files with hashed names from STATIC_ROOT (run collectstatic on deploy);
# development and the test suite serve straight from static/ with no collectstatic step.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- Sessions: idle expiry (renewed on every request) and an absolute lifetime from login ---
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_AGE = env.int("SESSION_ABSOLUTE_AGE", default=10 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Login lockout (django-axes): counted per username + address pair, so one person's typos
# do not lock out a whole office behind one public address; unlocks itself after the cool-off.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
AXES_VERBOSE = False
# Number of reverse proxies in front of gunicorn whose X-Forwarded-For we trust (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Two-factor authentication (django-otp: TOTP apps and one-time backup codes) ---
# Required for coordinators, managers and administrators when on (default: on in production).
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "PESS Tracker ISDEMU"

# --- HTTPS and security headers ---
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
# Behind a reverse proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
# (only if the proxy always sets or overwrites that header).
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if len(_proxy_ssl_header) == 2 else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes from the load balancer speak plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)

# Content security policy (django-csp 4): only our own scripts, styles and images; no inline
# scripts or styles; the site may not be framed. Templates must not use <script> blocks,
# style="..." or on*= handlers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The field app (issue 15): its service worker (/sw.js) and manifest come from our origin only.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Uploads (sign-in sheet imports): keep files small and in memory-friendly bounds.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads stay in memory, cut at IMPORT_MAX_BYTES + 1: never a temporary file to leave behind.
FILE_UPLOAD_HANDLERS = ["pess_tracker.uploads.BoundedMemoryUploadHandler"]

# QR self check-in (workshops/checkin.py): entries per client address in a window of minutes, and
# per device (a signed cookie) per workshop. A workshop hall often shares one address: keep the
# first generous.
CHECKIN_MAX_PER_ADDRESS = env.int("CHECKIN_MAX_PER_ADDRESS", default=60)
CHECKIN_WINDOW_MINUTES = env.int("CHECKIN_WINDOW_MINUTES", default=10)
CHECKIN_MAX_PER_DEVICE = env.int("CHECKIN_MAX_PER_DEVICE", default=3)

# --- Background jobs (Django's Tasks API through the django-tasks backport) ---
# The default backend keeps the queue in the project's own database (SQLite or PostgreSQL): no
# extra server. `python manage.py export_worker` (started by `make run`, a systemd unit in
# production) runs the jobs. A site that outgrows one worker machine points TASKS at another
# backend implementing the same API (e.g. a Celery or RQ backend for django-tasks) through the
# TASKS_BACKEND environment variable: no code change (see README "Exports as background jobs").
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# Export files: private, outside static and media URLs, served only by reports' permission-checked view.
EXPORT_ROOT = env.path("EXPORT_ROOT", default=BASE_DIR / "private" / "exports")
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
# Raw-record exports up to this many rows may still stream straight to the browser (CSV/XLSX GET links).
EXPORT_DIRECT_MAX_ROWS = env.int("EXPORT_DIRECT_MAX_ROWS", default=50_000)
# A running export that has not reported progress for this long belongs to a dead worker.
EXPORT_STALE_SECONDS = env.int("EXPORT_STALE_SECONDS", default=300)
# Rows between two progress reports of an export job (each is one UPDATE of the job row).
EXPORT_PROGRESS_ROWS = env.int("EXPORT_PROGRESS_ROWS", default=5000)
# How many times a job left by a dead worker is started again before it is marked failed.
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=2)

# --- Cache: the public page's figures and the throttles. Per process by default (locmem); set
# CACHE_URL to a cache all gunicorn workers share (e.g. filecache:///var/cache/pess-tracker or
# dbcache://pess_cache after `manage.py createcachetable`) so that the figures are computed once.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Public transparency page (/transparencia/, no login) ---
# How long computed figures are kept (the page says when they were computed).
PUBLIC_FIGURES_CACHE_SECONDS = env.int("PUBLIC_FIGURES_CACHE_SECONDS", default=10 * 60)
# Requests per client address (DRF rate syntax: N/second|minute|hour|day); beyond: 429.
PUBLIC_PAGE_THROTTLE = env.str("PUBLIC_PAGE_THROTTLE", default="60/minute")

# --- E-mail (monthly report packs): the console in development, SMTP in production, from
# EMAIL_URL (django-environ: smtp+tls://user:password@smtp.example.org:587, consolemail://).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PESS Tracker <no-responder@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The site's address, for links in e-mails (no request to build them from in the worker).
SITE_URL = env.str(
    "SITE_URL", default="http://127.0.0.1:8000" if DEBUG or not ALLOWED_HOSTS else f"https://{ALLOWED_HOSTS[0]}"
).rstrip("/")

# How often the worker checks whether monthly report packs are due (reports.packs.tick).
PACK_SCHEDULE_SECONDS = env.int("PACK_SCHEDULE_SECONDS", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "pess_tracker.jsonlog.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "security": {"class": "logging.StreamHandler", "formatter": "json"},
        "errors": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Security events (logins, lockouts, refused accesses, exports) as one JSON object a line.
        "pess.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        # Failures (error pages, database down): one JSON object per failure with its reference
        # code (pess_tracker/errors.py); Django's own duplicate record is suppressed.
        "pess.errors": {"handlers": ["errors"], "level": "INFO", "propagate": False},
    },
}


# --- REST API (api app, /api/v1/) -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.TokenThrottle", "api.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_THROTTLE_TOKEN", default="2000/hour"),
        "user": env.str("API_THROTTLE_USER", default="5000/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PESS Tracker API",
    "DESCRIPTION": "API de PESS Tracker (ISDEMU). Autenticación: token personal (Authorization: Bearer pess_…) "
    "creado en Mi cuenta → Tokens de API, o la sesión del sitio con CSRF.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SexEnum": "indicators.disaggregation.Sex",
        "WorkshopTopicEnum": "workshops.models.WorkshopTopic",
        "AssistanceTopicEnum": "municipalities.models.AssistanceTopic",
        "AgeGroupEnum": "indicators.disaggregation.AgeGroup",
        "GridSexEnum": "api.serializers.GRID_SEX_CHOICES",
        "GridAgeGroupEnum": "api.serializers.GRID_AGE_CHOICES",
    },
}
