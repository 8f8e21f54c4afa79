"""Rebuild the pre-computed figures from the records and report any difference.

    python manage.py rebuild_figures [--check]

Every cell (month, quarter and year × municipality, office, department, phase and national ×
approved, pending and both) is computed from the records, compared with the stored cell, and
stored. With --check nothing is written: the command lists the differences and exits with status
1 if there are any (a monitoring check). After a change to reference data (a municipality's
department or PESS phase) run it once.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from core.scoping import scopes_disabled
from indicators import cells


class Command(BaseCommand):
    help = "Recalcula las cifras precalculadas desde los registros e informa las diferencias."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Solo comparar: no escribir nada.")

    def handle(self, *args, check, **options):
        began = time.perf_counter()
        with scopes_disabled():  # the whole installation's figures
            report = cells.rebuild(write=not check)
        different = report["different"]
        for key, stored, computed in different[:20]:
            changed = sorted(k for k in set(stored) | set(computed) if stored.get(k) != computed.get(k))
            self.stdout.write(f"diferente: {key}: {', '.join(changed)}")
        self.stdout.write(
            f"Celdas calculadas: {report['cells']}; diferentes: {len(different)}; "
            f"faltaban: {report['missing']}; sobraban: {report['extra']}; "
            f"{time.perf_counter() - began:.1f} s."
        )
        problems = len(different) + (report["missing"] + report["extra"] if report["was_built"] else 0)
        if check and problems:
            raise CommandError(f"{problems} celdas no coinciden con el cálculo directo.")
