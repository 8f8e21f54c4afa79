"""Backup and restore round-trip the demo data (README "Production" → "Backup and restore").

- every database: `dumpdata` (natural keys, without rows Django rebuilds itself) loaded with
  `loaddata` into a freshly migrated database gives the same row counts for every table;
- PostgreSQL, when pg_dump/pg_restore are installed: `pg_dump -Fc` restored with `pg_restore`
  into a new database gives the same row counts.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[1]

# Rows a fresh `migrate` recreates (content types, permissions) or that are per-server state.
DUMP_EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]
COUNT_SCRIPT = (
    "import json; from django.apps import apps; from core.scoping import scopes_disabled; "
    "print(json.dumps({m._meta.label: m._base_manager.count() for m in apps.get_models() "
    "if m._meta.app_label not in ('contenttypes', 'sessions', 'admin', 'axes') "
    "and m._meta.label != 'auth.Permission'}))"
)


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label not in ("contenttypes", "sessions", "admin", "axes") and m._meta.label != "auth.Permission"
    }


def _seed():
    call_command("load_reference_data", verbosity=0)
    call_command("seed_demo", "--size", "tiny", "--force", verbosity=0)


@pytest.mark.django_db
def test_dumpdata_loaddata_round_trips_the_demo_data(tmp_path, ref):
    _seed()
    expected = _counts()
    assert expected["workshops.Attendance"] > 0 and expected["workshops.Participant"] > 0
    dump = tmp_path / "backup.json"
    call_command(
        "dumpdata",
        "--natural-foreign",
        "--natural-primary",
        *[f"--exclude={label}" for label in DUMP_EXCLUDE],
        output=str(dump),
        verbosity=0,
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}", "DEBUG": "True"}
    manage = [sys.executable, "manage.py"]
    for args in (["migrate", "--noinput", "-v", "0"], ["loaddata", str(dump), "-v", "0"]):
        result = subprocess.run([*manage, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    result = subprocess.run(
        [*manage, "shell", "-c", COUNT_SCRIPT], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    restored = json.loads(result.stdout.strip().splitlines()[-1])
    assert restored == expected


@pytest.mark.django_db(transaction=True)
def test_pg_dump_pg_restore_round_trips_the_demo_data(ref):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not installed")
    import psycopg2

    _seed()
    expected = _counts()
    settings = connection.settings_dict
    target = f"{settings['NAME']}_restore"
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    common = ["-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432)]
    common += ["-U", settings.get("USER") or "postgres"]
    admin_conn = psycopg2.connect(
        dbname="postgres",
        user=settings.get("USER") or "postgres",
        password=settings.get("PASSWORD") or None,
        host=settings.get("HOST") or "127.0.0.1",
        port=settings.get("PORT") or 5432,
    )
    admin_conn.autocommit = True
    try:
        with admin_conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
            cursor.execute(f'CREATE DATABASE "{target}"')
        dump = subprocess.run(
            ["pg_dump", "-Fc", *common, settings["NAME"]], env=env, capture_output=True, timeout=300, check=True
        ).stdout
        subprocess.run(
            ["pg_restore", "--no-owner", *common, "-d", target],
            input=dump,
            env=env,
            capture_output=True,
            timeout=300,
            check=True,
        )
        restored_conn = psycopg2.connect(
            dbname=target,
            user=settings.get("USER") or "postgres",
            password=settings.get("PASSWORD") or None,
            host=settings.get("HOST") or "127.0.0.1",
            port=settings.get("PORT") or 5432,
        )
        try:
            with restored_conn.cursor() as cursor:
                restored = {}
                for m in apps.get_models():
                    if m._meta.label in expected:
                        cursor.execute(f'SELECT count(*) FROM "{m._meta.db_table}"')  # noqa: S608 - model tables
                        restored[m._meta.label] = cursor.fetchone()[0]
        finally:
            restored_conn.close()
        assert restored == expected
    finally:
        with admin_conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin_conn.close()
