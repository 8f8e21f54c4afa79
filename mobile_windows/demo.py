"""Demo schools, mobile windows, sessions and people reached, written by `seed(ctx)` for demo.seeder.

`ctx` is the seeder's shared context (demo.seeder.DemoContext); this module never imports demo.
"""

import datetime
from decimal import Decimal

from indicators.disaggregation import GRID_AGE_GROUPS, AgeGroup, Sex
from mobile_windows.models import MobileWindow, ReachCount, School, WindowSession, WindowStatus

# What seed() writes, dependants first (the order in which demo data is deleted).
MODELS = (ReachCount, WindowSession, MobileWindow, School)

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
# Window sessions reach students and their families.
REACH_WEIGHTS = {
    AgeGroup.CHILD: 25,
    AgeGroup.ADOLESCENT: 45,
    AgeGroup.YOUTH: 12,
    AgeGroup.ADULT: 15,
    AgeGroup.SENIOR: 3,
}


def seed(ctx) -> None:
    windows = _windows(ctx)
    sessions = _sessions(ctx, windows)
    _reach(ctx, sessions)


def _windows(ctx) -> list[MobileWindow]:
    rng = ctx.rng
    ctx.log("Centros escolares y ventanillas…")
    schools = []
    for i in range(ctx.size.schools):
        m = ctx.municipality()
        schools.append(
            School(mined_code=f"{10000 + i:05d}", name=f"Centro Escolar {rng.choice(SCHOOL_NAMES)}", municipality=m)
        )
    schools = ctx.bulk(School, schools)
    windows = []
    for _i in range(ctx.size.windows):
        school = rng.choice(schools)
        installed = ctx.date()
        office = ctx.office_of[school.municipality_id]
        windows.append(
            MobileWindow(
                school=school,
                municipality_id=school.municipality_id,
                office=office,
                installed_on=installed,
                status=WindowStatus.ACTIVE,
                review_state=ctx.review_state(installed),
                created_by=ctx.author(office),
            )
        )
    return ctx.bulk(MobileWindow, windows)


def _sessions(ctx, windows) -> list[WindowSession]:
    rng = ctx.rng
    ctx.log(f"Jornadas de ventanilla: {ctx.size.sessions:,}…")
    sessions = []
    for _i in range(ctx.size.sessions):
        w = rng.choice(windows)
        span = max(0, (ctx.today - w.installed_on).days)
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
                review_state=ctx.review_state(day),
                created_by=w.created_by,
            )
        )
    return ctx.bulk(WindowSession, sessions, batch_size=5000)


def _reach(ctx, sessions) -> None:
    rng = ctx.rng

    def rows():
        for s in sessions:
            for sex in (Sex.FEMALE, Sex.MALE):
                for group in GRID_AGE_GROUPS:
                    mean = REACH_WEIGHTS[group] * (0.6 if sex == Sex.FEMALE else 0.45)
                    count = max(0, int(rng.gauss(mean, mean / 3)))
                    if count:
                        yield (s.pk, sex, group, count)

    ctx.copy_rows(ReachCount, ["session_id", "sex", "age_group", "count"], rows())
