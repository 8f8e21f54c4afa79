"""Load the reference data shipped in municipalities/data/ (sources in data/SOURCES.md).

Idempotent: rows are matched by their official code; an existing row keeps the names an
administrator may have edited (only missing rows are created, and the PESS phase is set
only where it is still empty), so running it again changes nothing.
"""

import csv
import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.roles import ROLE_GROUPS, role_permissions
from geography.models import Department, Municipality, TerritorialOffice, ThematicTable

DATA_DIR = Path(__file__).resolve().parent / "data"

# Launch dates known from the sources (SOURCES.md): phase 1 on 16 July 2015; phase 3 in
# November 2017 (month precision). Phase 2 is known only as "2016", so it is left empty.
PHASE_ENTRY_DATES = {1: datetime.date(2015, 7, 16), 3: datetime.date(2017, 11, 1)}


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, created: bool):
        self.created[name] = self.created.get(name, 0) + int(created)


def _rows(name: str):
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


@transaction.atomic
def load_reference_data() -> LoadReport:
    report = LoadReport()
    departments = {}
    for row in _rows("sv_departamentos.csv"):
        dept, created = Department.objects.get_or_create(
            code=row["codigo_digestyc"],
            defaults={"iso_code": row["iso_3166_2"], "name": row["nombre"], "zone": row["zona"]},
        )
        departments[dept.code] = dept
        report.add("departamentos", created)

    for row in _rows("sv_municipios_262.csv"):
        phase = int(row["pess_fase"]) if row["pess_fase"] else None
        muni, created = Municipality.objects.get_or_create(
            code=row["codigo_municipio"],
            defaults={
                "department": departments[row["codigo_departamento"]],
                "name": row["municipio"],
                "municipality_2024": row["municipio_2024"],
                "pess_phase": phase,
                "pess_entry_date": PHASE_ENTRY_DATES.get(phase),
            },
        )
        if not created and phase is not None and muni.pess_phase is None:
            muni.pess_phase = phase
            muni.pess_entry_date = PHASE_ENTRY_DATES.get(phase)
            muni.save(update_fields=["pess_phase", "pess_entry_date"])
        report.add("municipios", created)

    for row in _rows("isdemu_oficinas_territoriales.csv"):
        _office, created = TerritorialOffice.objects.get_or_create(
            code=row["iso_3166_2"],
            defaults={
                "department": departments[row["codigo_departamento"]],
                "name": row["nombre"],
                "named_in_source": row["nombrada_en_documento_fuente"].strip().lower() in ("sí", "si"),
            },
        )
        report.add("oficinas", created)

    for row in _rows("mesas_tematicas.csv"):
        _table, created = ThematicTable.objects.get_or_create(code=row["codigo"], defaults={"name": row["nombre"]})
        report.add("mesas temáticas", created)

    sync_role_groups(report)
    return report


def sync_role_groups(report: LoadReport | None = None):
    """Create one group per role and give it exactly its model permissions."""
    for role, pairs in role_permissions().items():
        group, created = Group.objects.get_or_create(name=ROLE_GROUPS[role])
        if report is not None:
            report.add("grupos de rol", created)
        wanted = set()
        for model_label, action in pairs:
            app_label, model = model_label.split(".")
            wanted.add((app_label, f"{action}_{model}"))
        permissions = [
            p
            for p in Permission.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing:
            raise RuntimeError(f"Permisos inexistentes: {sorted(missing)}")
        group.permissions.set(permissions)
