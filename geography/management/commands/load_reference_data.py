from django.core.management.base import BaseCommand

from core.scoping import scopes_disabled
from geography.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Carga departamentos, municipios, oficinas, mesas temáticas y grupos de rol (idempotente)."

    def handle(self, *args, **options):
        # Commands see every row: they act for the whole installation, not for a user.
        with scopes_disabled():
            report = load_reference_data()
            for name, created in report.created.items():
                self.stdout.write(f"{name}: {created} nuevos")
            self.stdout.write(self.style.SUCCESS("Datos de referencia cargados."))
