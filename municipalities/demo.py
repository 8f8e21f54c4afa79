"""Demo technical assistance, thematic-table meetings and municipal plans, written by `seed(ctx)`
for demo.seeder.

`ctx` is the seeder's shared context (demo.seeder.DemoContext); this module never imports demo.
"""

from decimal import Decimal

from municipalities.models import MunicipalPlan, PlanStage, TableMeeting, TechnicalAssistance
from review.models import ReviewState

# What seed() writes, dependants first (the order in which demo data is deleted).
MODELS = (TechnicalAssistance, TableMeeting, MunicipalPlan)


def seed(ctx) -> None:
    _assistance(ctx)
    _meetings(ctx)
    _plans(ctx)


def _dated(ctx, count: int, build) -> list:
    """`count` records, each in a weighted-random municipality on a random day: build(m, office, day)."""
    records = []
    for _i in range(count):
        m = ctx.municipality()
        day = ctx.date()
        records.append(build(m, ctx.office_of[m.pk], day))
    return records


def _assistance(ctx) -> None:
    rng = ctx.rng
    assistance = _dated(
        ctx,
        ctx.size.assistance,
        lambda m, office, day: TechnicalAssistance(
            institution=rng.choice(ctx.institutions_of[m.pk]),
            municipality=m,
            office=office,
            date=day,
            topic=rng.choice(["gender_approach", "equality_principle", "leiv"]),
            hours=Decimal(rng.choice([1, 2, 3, 4])),
            outcome="Se revisaron los procedimientos de atención con enfoque de género.",
            review_state=ctx.review_state(day),
            created_by=ctx.author(office),
        ),
    )
    ctx.bulk(TechnicalAssistance, assistance)


def _meetings(ctx) -> None:
    meetings = _dated(
        ctx,
        ctx.size.meetings,
        lambda m, office, day: TableMeeting(
            municipality=m,
            table=ctx.rng.choice(ctx.tables),
            office=office,
            date=day,
            agreements="Coordinar jornada de prevención en centros escolares priorizados.",
            follow_up="Informe de avance en la próxima sesión.",
            review_state=ctx.review_state(day),
            created_by=ctx.author(office),
        ),
    )
    ctx.bulk(TableMeeting, meetings)


def _plans(ctx) -> None:
    """One plan per PESS municipality; municipalities in PESS longer are further along."""
    stages = list(PlanStage.values)
    plans = [
        MunicipalPlan(
            municipality=m,
            office=ctx.office_of[m.pk],
            stage=stages[min(len(stages) - 1, ctx.rng.randint(0, 5 - m.pess_phase + 1))],
            stage_date=ctx.date(),
            gender_actions="Atención a mujeres víctimas; prevención en centros escolares.",
            review_state=ReviewState.APPROVED,
        )
        for m in ctx.municipalities
    ]
    ctx.bulk(MunicipalPlan, plans)
