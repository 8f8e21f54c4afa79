"""Deterministic demo data, from a few hundred rows to a national-scale data set.

Rows are generated with a seeded random generator and written with bulk inserts
(PostgreSQL: COPY for the largest tables). Historical (audit) rows are not written for
demo data: the audit history starts with the first real change.

Each field-record app writes its own records (workshops/demo.py, mobile_windows/demo.py,
municipalities/demo.py: `seed(ctx)` and `MODELS`); this module holds what they share
(DemoContext), the reference rows they use (institutions) and the targets, and runs them in
a fixed order, so the same seed gives the same rows.
"""

import csv
import datetime
import io
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from core.models import User
from core.roles import Role
from core.services import create_user
from core.text import normalize_name
from geography.models import Institution, InstitutionKind, Municipality, TerritorialOffice, ThematicTable
from indicators.figures import IndicatorKey
from indicators.models import Target
from mobile_windows import demo as mobile_windows_demo
from municipalities import demo as municipalities_demo
from review.models import ReviewState
from workshops import demo as workshops_demo
from workshops.models import Workshop

DEMO_PASSWORD = "pess-demo-2026"  # noqa: S105 - demo logins, development only
# Every model demo data writes, dependants first: deleted in this order by delete_demo_data.
DEMO_MODELS = (*workshops_demo.MODELS, *mobile_windows_demo.MODELS, *municipalities_demo.MODELS, Target, Institution)


@dataclass(frozen=True)
class Size:
    participants: int
    workshops: int
    attendance_per_workshop: int
    schools: int
    windows: int
    sessions: int
    assistance: int
    meetings: int
    years: int


SIZES = {
    "tiny": Size(60, 12, 8, 8, 6, 20, 10, 10, 1),
    "small": Size(400, 60, 14, 30, 20, 120, 60, 50, 2),
    "medium": Size(10_000, 2_000, 25, 150, 200, 3_000, 1_000, 800, 3),
    "national": Size(100_000, 20_000, 53, 600, 900, 30_000, 6_000, 4_000, 3),
}

DEMO_USERS = [
    # username, role, office code (ISO of the department), first name, last name
    ("personal.sansalvador", Role.STAFF, "SV-SS", "Karla", "Menjívar"),
    ("personal.lalibertad", Role.STAFF, "SV-LI", "Roxana", "Portillo"),
    ("coordinacion.sansalvador", Role.COORDINATOR, "SV-SS", "Gloria", "Henríquez"),
    ("coordinacion.santaana", Role.COORDINATOR, "SV-SA", "Marta", "Guardado"),
    ("gerencia", Role.MANAGER, None, "Beatriz", "Quintanilla"),
    ("admin", Role.ADMINISTRATOR, None, "Ana", "Administradora"),
]


def ensure_demo_users() -> list[tuple[str, str, str]]:
    """Create the demo logins that are missing; return (username, role, office) for each."""
    offices = {o.code: o for o in TerritorialOffice.objects.all()}
    rows = []
    for username, role, office_code, first, last in DEMO_USERS:
        office = offices.get(office_code) if office_code else None
        if not User.objects.filter(username=username).exists():
            create_user(
                username=username, password=DEMO_PASSWORD, role=role, office=office, first_name=first, last_name=last
            )
        rows.append((username, Role(role).label, office.name if office else "—"))
    return rows


def copy_or_bulk(model, fields, rows, batch_size=5000):
    """Insert plain tuples: COPY on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        columns = [model._meta.get_field(f).column for f in fields]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(["\\N" if v is None else v for v in row])
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                buffer,
            )
        return
    batch = []
    for row in rows:
        batch.append(model(**dict(zip(fields, row, strict=True))))
        if len(batch) >= batch_size:
            model.objects.bulk_create(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)


def bulk(model, objs, batch_size=2000):
    return model.objects.bulk_create(objs, batch_size=batch_size)


class DemoContext:
    """What every app's seeder gets: the random generator, size and dates, the PESS
    municipalities (weighted: phase-1 municipalities have been in PESS longest and carry more
    activity), their offices and institutions, the thematic tables, who authors records, and
    the insert helpers (bulk, copy_rows)."""

    bulk = staticmethod(bulk)
    copy_rows = staticmethod(copy_or_bulk)

    def __init__(self, size: Size, rng: random.Random, log, municipalities):
        self.size, self.rng, self.log = size, rng, log
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.start = datetime.date(self.today.year - size.years + 1, 1, 1)
        self.municipalities = municipalities
        self.weights = [{1: 3, 2: 2, 3: 1}[m.pess_phase] for m in municipalities]
        offices = {o.department_id: o for o in TerritorialOffice.objects.all()}
        self.office_of = {m.pk: offices[m.department_id] for m in municipalities}
        self.staff = {u.office_id: u for u in User.objects.filter(role=Role.STAFF).order_by("pk")}
        self.fallback_user = User.objects.filter(is_superuser=True).first()
        self.tables = list(ThematicTable.objects.all())
        self.institutions_of: dict[int, list[Institution]] = {}

    def date(self) -> datetime.date:
        """A day between the start of the demo years and today."""
        span = (self.today - self.start).days
        return self.start + datetime.timedelta(days=self.rng.randint(0, span))

    def municipality(self):
        return self.rng.choices(self.municipalities, weights=self.weights)[0]

    def review_state(self, day):
        """Records older than two months are approved; recent ones are at any step of review."""
        if (self.today - day).days > 60:
            return ReviewState.APPROVED
        return self.rng.choice([ReviewState.DRAFT, ReviewState.SUBMITTED, ReviewState.SUBMITTED, ReviewState.RETURNED])

    def author(self, office):
        """The demo staff member of `office`, or the superuser where it has none."""
        return self.staff.get(office.pk, self.fallback_user)


class DemoSeeder:
    def __init__(self, size: str, seed: int, log=print):
        self.size = SIZES[size]
        self.rng = random.Random(seed)
        self.log = log

    @transaction.atomic
    def run(self):
        municipalities = list(Municipality.objects.pess().select_related("department"))
        if not municipalities:
            raise RuntimeError("Cargue primero los datos de referencia (load_reference_data).")
        ctx = DemoContext(self.size, self.rng, self.log, municipalities)
        self.log("Instituciones…")
        _institutions(ctx)
        # This order fixes the random sequence: the same seed gives the same rows.
        workshops_demo.seed(ctx)
        mobile_windows_demo.seed(ctx)
        self.log("Asistencias técnicas, mesas, planes y metas…")
        municipalities_demo.seed(ctx)
        _targets(ctx)
        if connection.vendor == "postgresql":
            # Bulk-loaded tables have no planner statistics until autovacuum gets to them;
            # without them PostgreSQL picks nested loops over a million rows.
            self.log("ANALYZE…")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")


def _institutions(ctx) -> None:
    """Five institutions per PESS municipality (participants' employers, assistance recipients)."""
    institutions = []
    for m in ctx.municipalities:
        for kind, name in [
            (InstitutionKind.MUNICIPAL, f"Alcaldía Municipal de {m.name}"),
            (InstitutionKind.MUNICIPAL, f"Unidad Municipal de la Mujer de {m.name}"),
            (InstitutionKind.GOVERNMENT, f"Unidad Comunitaria de Salud Familiar de {m.name}"),
            (InstitutionKind.GOVERNMENT, f"Delegación PNC de {m.name}"),
            (InstitutionKind.NGO, f"Asociación Comunal de Mujeres de {m.name}"),
        ]:
            institutions.append(Institution(name=name, search_name=normalize_name(name), kind=kind, municipality=m))
    for inst in bulk(Institution, institutions):
        ctx.institutions_of.setdefault(inst.municipality_id, []).append(inst)


def _targets(ctx) -> None:
    """Yearly workshop and participant targets, larger for municipalities in PESS longer."""
    targets = []
    scale = ctx.size.workshops / len(ctx.municipalities) / ctx.size.years
    for year in range(ctx.start.year, ctx.today.year + 1):
        for m in ctx.municipalities:
            weight = {1: 1.4, 2: 1.0, 3: 0.7}[m.pess_phase]
            targets += [
                Target(
                    year=year,
                    indicator=IndicatorKey.WORKSHOPS_HELD,
                    municipality=m,
                    value=Decimal(max(1, round(scale * weight))),
                ),
                Target(
                    year=year,
                    indicator=IndicatorKey.PARTICIPANTS,
                    municipality=m,
                    value=Decimal(max(5, round(scale * weight * 20))),
                ),
            ]
    bulk(Target, targets)


def has_demo_data() -> bool:
    return Workshop.objects.exists()


@transaction.atomic
def delete_demo_data():
    """Remove every activity record (not reference data, not users), then their history."""
    for model in DEMO_MODELS:
        model.objects.all().delete()
    for model in DEMO_MODELS:
        model.history.all().delete()
