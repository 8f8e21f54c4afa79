"""Deterministic demo data, from a few hundred rows to a national-scale data set.

Rows are generated with a seeded random generator and written with bulk inserts
(PostgreSQL: COPY for the largest tables). Historical (audit) rows are not written for
demo data: the audit history starts with the first real change.
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
from indicators.disaggregation import GRID_AGE_GROUPS, AgeGroup, Sex
from indicators.figures import IndicatorKey
from indicators.models import Target
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession, WindowStatus
from municipalities.models import MunicipalPlan, PlanStage, TableMeeting, TechnicalAssistance
from review.models import ReviewState
from workshops.models import Attendance, Participant, Workshop, WorkshopAudience, WorkshopStatus, WorkshopTopic

DEMO_PASSWORD = "pess-demo-2026"  # noqa: S105 - demo logins, development only


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

FEMALE_NAMES = [
    "María",
    "José",
    "Ana",
    "Sofía",
    "Carmen",
    "Rosa",
    "Gabriela",
    "Daniela",
    "Karla",
    "Claudia",
    "Patricia",
    "Marta",
    "Beatriz",
    "Verónica",
    "Andrea",
    "Fátima",
    "Yessenia",
    "Roxana",
    "Iris",
    "Gloria",
    "Wendy",
    "Lorena",
    "Carolina",
    "Alejandra",
    "Ruth",
    "Jessica",
    "Sonia",
    "Elena",
    "Lucía",
    "Mercedes",
    "Xiomara",
    "Idalia",
    "Reina",
    "Marisol",
    "Dinora",
    "Evelyn",
    "Cecilia",
]
MALE_NAMES = [
    "José",
    "Juan",
    "Carlos",
    "Luis",
    "Mario",
    "Jorge",
    "Francisco",
    "Miguel",
    "Óscar",
    "Roberto",
    "Ricardo",
    "Manuel",
    "Víctor",
    "Fernando",
    "Rafael",
    "Kevin",
    "Alexander",
    "Édgar",
    "Nelson",
    "William",
    "Douglas",
    "Salvador",
    "Ernesto",
    "René",
    "Julio",
]
SURNAMES = [
    "Hernández",
    "López",
    "Martínez",
    "García",
    "Rodríguez",
    "Pérez",
    "Ramírez",
    "Flores",
    "Cruz",
    "Rivera",
    "Mejía",
    "Sánchez",
    "Portillo",
    "Henríquez",
    "Guardado",
    "Alvarado",
    "Aguilar",
    "Ayala",
    "Bonilla",
    "Chávez",
    "Cortez",
    "Díaz",
    "Escobar",
    "Fuentes",
    "Gómez",
    "Guevara",
    "Hernández",
    "Jiménez",
    "Lemus",
    "Linares",
    "Marroquín",
    "Menjívar",
    "Molina",
    "Orellana",
    "Quintanilla",
    "Recinos",
    "Romero",
    "Rosales",
    "Serrano",
    "Torres",
    "Valle",
    "Velásquez",
    "Zelaya",
    "Argueta",
    "Castillo",
]
SCHOOL_NAMES = [
    "Alberto Masferrer",
    "Francisco Morazán",
    "José Matías Delgado",
    "República de Colombia",
    "Gerardo Barrios",
    "Cantón El Rosario",
    "Dr. Manuel Enrique Araujo",
    "Prudencia Ayala",
    "Claudia Lars",
    "Salarrué",
    "Jardines de la Sabana",
    "Colonia Santa Lucía",
    "Caserío Las Flores",
    "Profesor Saúl Flores",
    "Mercedes Quinteros",
    "Isidro Menéndez",
    "Anastasio Aquino",
    "Juan Ramón Uriarte",
]
POSITIONS = [
    "Técnica municipal",
    "Docente",
    "Directora",
    "Promotora social",
    "Agente PNC",
    "Estudiante",
    "Enfermera",
    "Concejal",
    "Lideresa comunitaria",
    "Jefe de unidad",
    "Orientador escolar",
]
WORKSHOP_TITLES = {
    WorkshopTopic.LEIV: "Taller sobre la Ley Especial Integral para una Vida Libre de Violencia",
    WorkshopTopic.LIE: "Igualdad sustantiva y no discriminación en la gestión municipal",
    WorkshopTopic.VIOLENCE_PREVENTION: "Prevención de la violencia contra las mujeres en la comunidad",
    WorkshopTopic.GENDER_APPROACH: "Enfoque de género en los servicios públicos",
    WorkshopTopic.NEW_MASCULINITIES: "Nuevas masculinidades y convivencia sin violencia",
    WorkshopTopic.PESS: "Implementación del Plan El Salvador Seguro en el municipio",
}
# Realistic participant distributions: most workshop participants are adult women.
SEX_WEIGHTS = [(Sex.FEMALE, 70), (Sex.MALE, 28), (Sex.UNKNOWN, 2)]
AGE_WEIGHTS = [(AgeGroup.ADOLESCENT, 12), (AgeGroup.YOUTH, 30), (AgeGroup.ADULT, 50), (AgeGroup.SENIOR, 8)]
# Window sessions reach students and their families.
REACH_WEIGHTS = {
    AgeGroup.CHILD: 25,
    AgeGroup.ADOLESCENT: 45,
    AgeGroup.YOUTH: 12,
    AgeGroup.ADULT: 15,
    AgeGroup.SENIOR: 3,
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


def _weighted(rng, weights):
    items, w = zip(*weights, strict=True)
    return rng.choices(items, weights=w)[0]


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


def _copy_or_bulk(model, fields, rows, batch_size=5000):
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


def _bulk(model, objs, batch_size=2000):
    return model.objects.bulk_create(objs, batch_size=batch_size)


class DemoSeeder:
    def __init__(self, size: str, seed: int, log=print):
        self.size = SIZES[size]
        self.rng = random.Random(seed)
        self.log = log
        self.today = timezone.localdate()
        self.start = datetime.date(self.today.year - self.size.years + 1, 1, 1)

    def _date(self) -> datetime.date:
        span = (self.today - self.start).days
        return self.start + datetime.timedelta(days=self.rng.randint(0, span))

    def _municipality(self):
        # Phase-1 municipalities have been in PESS longest and carry more activity.
        return self.rng.choices(self.municipalities, weights=self.weights)[0]

    @transaction.atomic
    def run(self):
        rng = self.rng
        self.municipalities = list(Municipality.objects.pess().select_related("department"))
        if not self.municipalities:
            raise RuntimeError("Cargue primero los datos de referencia (load_reference_data).")
        self.weights = [{1: 3, 2: 2, 3: 1}[m.pess_phase] for m in self.municipalities]
        offices = {o.department_id: o for o in TerritorialOffice.objects.all()}
        self.office_of = {m.pk: offices[m.department_id] for m in self.municipalities}
        staff = {u.office_id: u for u in User.objects.filter(role=Role.STAFF).order_by("pk")}
        fallback_user = User.objects.filter(is_superuser=True).first()
        tables = list(ThematicTable.objects.all())

        self.log("Instituciones…")
        institutions = []
        for m in self.municipalities:
            for kind, name in [
                (InstitutionKind.MUNICIPAL, f"Alcaldía Municipal de {m.name}"),
                (InstitutionKind.MUNICIPAL, f"Unidad Municipal de la Mujer de {m.name}"),
                (InstitutionKind.GOVERNMENT, f"Unidad Comunitaria de Salud Familiar de {m.name}"),
                (InstitutionKind.GOVERNMENT, f"Delegación PNC de {m.name}"),
                (InstitutionKind.NGO, f"Asociación Comunal de Mujeres de {m.name}"),
            ]:
                institutions.append(Institution(name=name, search_name=normalize_name(name), kind=kind, municipality=m))
        institutions = _bulk(Institution, institutions)
        inst_by_muni = {}
        for inst in institutions:
            inst_by_muni.setdefault(inst.municipality_id, []).append(inst)

        self.log(f"Participantes: {self.size.participants:,}…")
        used_duis = set()
        participants = []
        pool_by_office = {}
        for _i in range(self.size.participants):
            sex = _weighted(rng, SEX_WEIGHTS)
            names = FEMALE_NAMES if sex == Sex.FEMALE else MALE_NAMES if sex == Sex.MALE else FEMALE_NAMES + MALE_NAMES
            first = " ".join(rng.sample(names, rng.choice((1, 2, 2))))
            last = f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
            age_group = _weighted(rng, AGE_WEIGHTS)
            m = self._municipality()
            dui = None
            if age_group != AgeGroup.ADOLESCENT and rng.random() < 0.6:
                dui = self._dui(used_duis)
            participants.append(
                Participant(
                    first_names=first,
                    last_names=last,
                    search_name=normalize_name(f"{first} {last}"),
                    sex=sex,
                    age_group=age_group,
                    dui=dui,
                    institution=rng.choice(inst_by_muni[m.pk]),
                    position=rng.choice(POSITIONS),
                    municipality=m,
                    office=self.office_of[m.pk],
                    consent=rng.random() < 0.9,
                    created_by=staff.get(self.office_of[m.pk].pk, fallback_user),
                )
            )
        participants = _bulk(Participant, participants, batch_size=5000)
        for p in participants:
            pool_by_office.setdefault(p.office_id, []).append(p.pk)

        self.log(f"Talleres: {self.size.workshops:,}…")
        workshops = []
        for _i in range(self.size.workshops):
            m = self._municipality()
            topic = rng.choice(list(WORKSHOP_TITLES))
            day = self._date()
            status = (
                WorkshopStatus.PLANNED
                if day > self.today
                else rng.choices([WorkshopStatus.HELD, WorkshopStatus.CANCELLED], weights=[95, 5])[0]
            )
            office = self.office_of[m.pk]
            workshops.append(
                Workshop(
                    title=WORKSHOP_TITLES[topic],
                    topic=topic,
                    audience=rng.choice(WorkshopAudience.values),
                    municipality=m,
                    office=office,
                    thematic_table=rng.choice(tables) if rng.random() < 0.4 else None,
                    start_date=day,
                    end_date=day,
                    hours=Decimal(rng.choice([2, 3, 4, 4, 6, 8])),
                    venue=f"Casa de la Cultura de {m.name}",
                    facilitators="Equipo territorial ISDEMU",
                    status=status,
                    review_state=self._review_state(day),
                    created_by=staff.get(office.pk, fallback_user),
                )
            )
        workshops = _bulk(Workshop, workshops, batch_size=5000)

        total = sum(1 for w in workshops if w.status == WorkshopStatus.HELD)
        self.log(f"Asistencias (≈{total * self.size.attendance_per_workshop:,})…")
        now = timezone.now()

        def attendance_rows():
            for w in workshops:
                if w.status != WorkshopStatus.HELD:
                    continue
                pool = pool_by_office.get(w.office_id, [])
                n = min(len(pool), max(1, int(rng.gauss(self.size.attendance_per_workshop, 6))))
                registered_by = w.created_by_id
                for pid in rng.sample(pool, n):
                    yield (w.pk, pid, registered_by, now, "staff")

        _copy_or_bulk(
            Attendance,
            ["workshop_id", "participant_id", "registered_by_id", "registered_at", "method"],
            attendance_rows(),
        )

        self.log("Centros escolares y ventanillas…")
        schools = []
        for i in range(self.size.schools):
            m = self._municipality()
            schools.append(
                School(mined_code=f"{10000 + i:05d}", name=f"Centro Escolar {rng.choice(SCHOOL_NAMES)}", municipality=m)
            )
        schools = _bulk(School, schools)
        windows = []
        for _i in range(self.size.windows):
            school = rng.choice(schools)
            installed = self._date()
            office = self.office_of[school.municipality_id]
            windows.append(
                MobileWindow(
                    school=school,
                    municipality_id=school.municipality_id,
                    office=office,
                    installed_on=installed,
                    status=WindowStatus.ACTIVE,
                    review_state=self._review_state(installed),
                    created_by=staff.get(office.pk, fallback_user),
                )
            )
        windows = _bulk(MobileWindow, windows)

        self.log(f"Jornadas de ventanilla: {self.size.sessions:,}…")
        sessions = []
        for _i in range(self.size.sessions):
            w = rng.choice(windows)
            span = max(0, (self.today - w.installed_on).days)
            day = w.installed_on + datetime.timedelta(days=rng.randint(0, span))
            sessions.append(
                WindowSession(
                    window=w,
                    date=day,
                    hours=Decimal(rng.choice([2, 3, 4])),
                    topic_leiv_rights=rng.random() < 0.7,
                    topic_violence_types=rng.random() < 0.6,
                    topic_where_to_seek_help=rng.random() < 0.8,
                    materials_handed_out=rng.randint(0, 120),
                    referrals=rng.choice([0, 0, 0, 1, 2]),
                    review_state=self._review_state(day),
                    created_by=w.created_by,
                )
            )
        sessions = _bulk(WindowSession, sessions, batch_size=5000)

        def reach_rows():
            for s in sessions:
                for sex in (Sex.FEMALE, Sex.MALE):
                    for group in GRID_AGE_GROUPS:
                        mean = REACH_WEIGHTS[group] * (0.6 if sex == Sex.FEMALE else 0.45)
                        count = max(0, int(rng.gauss(mean, mean / 3)))
                        if count:
                            yield (s.pk, sex, group, count)

        _copy_or_bulk(ReachCount, ["session_id", "sex", "age_group", "count"], reach_rows())

        self.log("Asistencias técnicas, mesas, planes y metas…")
        assistance = []
        for _i in range(self.size.assistance):
            m = self._municipality()
            day = self._date()
            office = self.office_of[m.pk]
            assistance.append(
                TechnicalAssistance(
                    institution=rng.choice(inst_by_muni[m.pk]),
                    municipality=m,
                    office=office,
                    date=day,
                    topic=rng.choice(["gender_approach", "equality_principle", "leiv"]),
                    hours=Decimal(rng.choice([1, 2, 3, 4])),
                    outcome="Se revisaron los procedimientos de atención con enfoque de género.",
                    review_state=self._review_state(day),
                    created_by=staff.get(office.pk, fallback_user),
                )
            )
        _bulk(TechnicalAssistance, assistance)
        meetings = []
        for _i in range(self.size.meetings):
            m = self._municipality()
            day = self._date()
            office = self.office_of[m.pk]
            meetings.append(
                TableMeeting(
                    municipality=m,
                    table=rng.choice(tables),
                    office=office,
                    date=day,
                    agreements="Coordinar jornada de prevención en centros escolares priorizados.",
                    follow_up="Informe de avance en la próxima sesión.",
                    review_state=self._review_state(day),
                    created_by=staff.get(office.pk, fallback_user),
                )
            )
        _bulk(TableMeeting, meetings)
        plans = []
        stages = list(PlanStage.values)
        for m in self.municipalities:
            stage = stages[min(len(stages) - 1, rng.randint(0, 5 - m.pess_phase + 1))]
            plans.append(
                MunicipalPlan(
                    municipality=m,
                    office=self.office_of[m.pk],
                    stage=stage,
                    stage_date=self._date(),
                    gender_actions="Atención a mujeres víctimas; prevención en centros escolares.",
                    review_state=ReviewState.APPROVED,
                )
            )
        _bulk(MunicipalPlan, plans)
        targets = []
        scale = self.size.workshops / len(self.municipalities) / self.size.years
        for year in range(self.start.year, self.today.year + 1):
            for m in self.municipalities:
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
        _bulk(Target, targets)
        if connection.vendor == "postgresql":
            # Bulk-loaded tables have no planner statistics until autovacuum gets to them;
            # without them PostgreSQL picks nested loops over a million rows.
            self.log("ANALYZE…")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def _review_state(self, day):
        age = (self.today - day).days
        if age > 60:
            return ReviewState.APPROVED
        return self.rng.choice([ReviewState.DRAFT, ReviewState.SUBMITTED, ReviewState.SUBMITTED, ReviewState.RETURNED])

    def _dui(self, used: set) -> str:
        from core.validators import dui_check_digit

        while True:
            body = f"{self.rng.randint(1, 99_999_999):08d}"
            if body not in used:
                used.add(body)
                return f"{body}-{dui_check_digit(body)}"


def has_demo_data() -> bool:
    return Workshop.objects.exists()


@transaction.atomic
def delete_demo_data():
    """Remove every activity record (not reference data, not users)."""
    for model in (
        Attendance,
        ReachCount,
        WindowSession,
        MobileWindow,
        School,
        Workshop,
        Participant,
        TechnicalAssistance,
        TableMeeting,
        MunicipalPlan,
        Target,
        Institution,
    ):
        model.objects.all().delete()
    for model in (
        Attendance,
        ReachCount,
        WindowSession,
        MobileWindow,
        School,
        Workshop,
        Participant,
        TechnicalAssistance,
        TableMeeting,
        MunicipalPlan,
        Target,
        Institution,
    ):
        model.history.all().delete()
