"""Demo participants, workshops and attendance, written by `seed(ctx)` for demo.seeder.

`ctx` is the seeder's shared context (demo.seeder.DemoContext: random generator, size, dates,
municipalities, offices and authors, insert helpers); this module never imports demo.
"""

import datetime
from decimal import Decimal

from core.text import normalize_name
from core.validators import dui_check_digit
from indicators.disaggregation import AgeGroup, Sex
from review.models import ReviewState
from workshops.models import Attendance, Participant, Workshop, WorkshopAudience, WorkshopStatus, WorkshopTopic

# What seed() writes, dependants first (the order in which demo data is deleted).
MODELS = (Attendance, Workshop, Participant)

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


def seed(ctx) -> None:
    pool_by_office = _participants(ctx)
    workshops = _workshops(ctx)
    _attendance(ctx, workshops, pool_by_office)


def _weighted(rng, weights):
    items, w = zip(*weights, strict=True)
    return rng.choices(items, weights=w)[0]


def _dui(rng, used: set) -> str:
    while True:
        body = f"{rng.randint(1, 99_999_999):08d}"
        if body not in used:
            used.add(body)
            return f"{body}-{dui_check_digit(body)}"


def _participants(ctx) -> dict[int, list[int]]:
    """Create the participants; return their ids by office (the pools workshops draw from)."""
    rng = ctx.rng
    ctx.log(f"Participantes: {ctx.size.participants:,}…")
    used_duis = set()
    participants = []
    for _i in range(ctx.size.participants):
        sex = _weighted(rng, SEX_WEIGHTS)
        names = FEMALE_NAMES if sex == Sex.FEMALE else MALE_NAMES if sex == Sex.MALE else FEMALE_NAMES + MALE_NAMES
        first = " ".join(rng.sample(names, rng.choice((1, 2, 2))))
        last = f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
        age_group = _weighted(rng, AGE_WEIGHTS)
        m = ctx.municipality()
        dui = None
        if age_group != AgeGroup.ADOLESCENT and rng.random() < 0.6:
            dui = _dui(rng, used_duis)
        office = ctx.office_of[m.pk]
        participants.append(
            Participant(
                first_names=first,
                last_names=last,
                search_name=normalize_name(f"{first} {last}"),
                sex=sex,
                age_group=age_group,
                dui=dui,
                institution=rng.choice(ctx.institutions_of[m.pk]),
                position=rng.choice(POSITIONS),
                municipality=m,
                office=office,
                consent=rng.random() < 0.9,
                created_by=ctx.author(office),
            )
        )
    pool_by_office = {}
    for p in ctx.bulk(Participant, participants, batch_size=5000):
        pool_by_office.setdefault(p.office_id, []).append(p.pk)
    return pool_by_office


def _workshops(ctx) -> list[Workshop]:
    rng = ctx.rng
    ctx.log(f"Talleres: {ctx.size.workshops:,}…")
    workshops = []
    for _i in range(ctx.size.workshops):
        m = ctx.municipality()
        topic = rng.choice(list(WORKSHOP_TITLES))
        day = ctx.date()
        status = (
            WorkshopStatus.PLANNED
            if day > ctx.today
            else rng.choices([WorkshopStatus.HELD, WorkshopStatus.CANCELLED], weights=[95, 5])[0]
        )
        office = ctx.office_of[m.pk]
        workshops.append(
            Workshop(
                title=WORKSHOP_TITLES[topic],
                topic=topic,
                audience=rng.choice(WorkshopAudience.values),
                municipality=m,
                office=office,
                thematic_table=rng.choice(ctx.tables) if rng.random() < 0.4 else None,
                start_date=day,
                end_date=day,
                hours=Decimal(rng.choice([2, 3, 4, 4, 6, 8])),
                venue=f"Casa de la Cultura de {m.name}",
                facilitators="Equipo territorial ISDEMU",
                status=status,
                review_state=ctx.review_state(day),
                created_by=ctx.author(office),
            )
        )
    _something_to_work_on(ctx, workshops)
    return ctx.bulk(Workshop, workshops, batch_size=5000)


def _something_to_work_on(ctx, workshops) -> None:
    """Whatever dates the draw gave, each office's staff find today's workshop to take attendance
    in (planned, a draft: for the attendance page, offline use and QR check-in, which works on the
    workshop's day only), and its coordinator finds one held three days ago waiting for review
    (its attendance shows as pending beside the official figures). The office's first two drawn
    workshops are re-dated, so the number of workshops does not change; the data stays the same
    for the same seed and day."""
    firsts: dict[int, list[Workshop]] = {}
    for workshop in workshops:
        chosen = firsts.setdefault(workshop.office_id, [])
        if len(chosen) < 2:
            chosen.append(workshop)
    recent = ctx.today - datetime.timedelta(days=3)
    for today_workshop, *waiting in firsts.values():
        today_workshop.start_date = today_workshop.end_date = ctx.today
        today_workshop.status = WorkshopStatus.PLANNED
        today_workshop.review_state = ReviewState.DRAFT
        for workshop in waiting:
            workshop.start_date = workshop.end_date = recent
            workshop.status = WorkshopStatus.HELD
            workshop.review_state = ReviewState.SUBMITTED


def _attendance(ctx, workshops, pool_by_office) -> None:
    rng = ctx.rng
    held = [w for w in workshops if w.status == WorkshopStatus.HELD]
    ctx.log(f"Asistencias (≈{len(held) * ctx.size.attendance_per_workshop:,})…")

    def rows():
        for w in held:
            pool = pool_by_office.get(w.office_id, [])
            n = min(len(pool), max(1, int(rng.gauss(ctx.size.attendance_per_workshop, 6))))
            for pid in rng.sample(pool, n):
                yield (w.pk, pid, w.created_by_id, ctx.now, "staff")

    ctx.copy_rows(Attendance, ["workshop_id", "participant_id", "registered_by_id", "registered_at", "method"], rows())
