import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.scoping import scopes_disabled
from demo.seeder import DEMO_PASSWORD, SIZES, DemoSeeder, delete_demo_data, ensure_demo_users, has_demo_data
from indicators import cells
from workshops.models import Attendance


class Command(BaseCommand):
    help = "Crea datos de demostración deterministas y los usuarios de demostración (solo en desarrollo)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=list(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=2015)
        parser.add_argument("--reset", action="store_true", help="Borra los registros de actividad antes de crear.")
        parser.add_argument("--force", action="store_true", help="Permite ejecutarlo con DEMO_MODE apagado.")

    def handle(self, *args, size, seed, reset, force, **options):
        # Commands see every row: they act for the whole installation, not for a user.
        with scopes_disabled():
            if not settings.DEMO_MODE and not force:
                raise CommandError("seed_demo solo se ejecuta con DEMO_MODE=True (o con --force).")
            users = ensure_demo_users()
            if reset:
                delete_demo_data()
            if has_demo_data():
                self.stdout.write("Ya hay datos de demostración; use --reset para regenerarlos.")
            else:
                started = time.monotonic()
                DemoSeeder(size, seed, log=lambda msg: self.stdout.write(f"  {msg}")).run()
                self.stdout.write(f"Datos '{size}' creados en {time.monotonic() - started:.1f} s.")
                if connection.vendor == "postgresql" and not connection.in_atomic_block:
                    # Bulk-loaded pages are not marked all-visible until autovacuum visits them; until
                    # then figures the (workshop, participant) index covers still read the table.
                    # VACUUM cannot run inside a transaction (the seeding's, or a test's), hence here.
                    with connection.cursor() as cursor:
                        cursor.execute(f"VACUUM (ANALYZE) {Attendance._meta.db_table}")
                started = time.monotonic()
                built = cells.rebuild()
                self.stdout.write(
                    f"Cifras precalculadas: {built['cells']} celdas en {time.monotonic() - started:.1f} s."
                )
            self.stdout.write(self.style.SUCCESS(f"\nUsuarios de demostración (contraseña: {DEMO_PASSWORD}):"))
            for username, role, office in users:
                self.stdout.write(f"  {username:28} {role:28} {office}")
