"""Raw-record exports: one row per record, columns defined once for CSV, XLSX and COPY.

Each column is a database expression, so the same queryset feeds Python's csv module, openpyxl
and PostgreSQL's COPY. Text cells that a spreadsheet would read as a formula (starting with
= + - @, a tab or a carriage return) are prefixed with an apostrophe in SQL (`safe_text`).

Personal data (names, DUI, phone, e-mail) appear only for roles allowed to see them (territorial
staff and coordinators, within their scope, and administrators); every role gets a pseudonymous
participant code (a salted hash of the participant id) so analysts can count and follow people
without identifying them. National managers get only the pseudonymous code.
"""

from dataclasses import dataclass

from django.db.models import CharField, Count, F, OuterRef, Subquery, Sum, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Cast, Coalesce, Concat, Left
from django.db.models.lookups import In
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.privacy import pseudonym_expression, role_may_see_personal_data
from geography.models import InstitutionKind
from indicators.disaggregation import GRID_SEXES, AgeGroup, Sex
from mobile_windows.models import ReachCount, WindowSession
from municipalities.models import AssistanceTopic, TechnicalAssistance
from reports.builder import AGE_COLUMNS
from reports.xlsx import ExcelSerial
from review.models import ReviewState
from workshops.models import Attendance, AttendanceMethod, Workshop, WorkshopAudience, WorkshopStatus, WorkshopTopic

KINDS = ("attendance", "workshops", "window_sessions", "assistance")
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]
TEXT, INT, DEC, DATE = "text", "int", "dec", "date"


@dataclass
class RawColumn:
    header: str
    expression: object
    kind: str = TEXT


def can_see_personal_data(user) -> bool:
    """Raw exports are already limited to the user's scope, so the role rule decides."""
    return role_may_see_personal_data(user)


def safe_text(path_or_expression):
    """The text, with an apostrophe in front when a spreadsheet would take it for a formula."""
    expression = F(path_or_expression) if isinstance(path_or_expression, str) else path_or_expression
    return Case(
        When(In(Left(expression, 1), FORMULA_STARTS), then=Concat(Value("'"), expression, output_field=CharField())),
        default=expression,
        output_field=CharField(),
    )


def label(path: str, choices) -> Case:
    """The Spanish label of a choice field (the code when it is not a known choice)."""
    return Case(
        *[When(**{path: value}, then=Value(str(text))) for value, text in choices],
        default=F(path),
        output_field=CharField(),
    )


def yes_no(path: str) -> Case:
    return Case(When(**{path: True}, then=Value(_("sí"))), default=Value(_("no")), output_field=CharField())


def pseudonym(path: str):
    """A stable code for a person that does not reveal who they are: core.privacy's code, the
    same one pages and the admin show to managers."""
    return pseudonym_expression(path)


def _municipality_columns(prefix: str) -> list[RawColumn]:
    return [
        RawColumn(_("Departamento"), F(f"{prefix}municipality__department__name")),
        RawColumn(_("Código de municipio"), F(f"{prefix}municipality__code")),
        RawColumn(_("Municipio"), F(f"{prefix}municipality__name")),
        RawColumn(_("Oficina"), F(f"{prefix}office__name")),
    ]


def attendance_columns(user) -> list[RawColumn]:
    columns = [
        RawColumn(_("ID asistencia"), F("pk"), INT),
        RawColumn(_("ID taller"), F("workshop_id"), INT),
        RawColumn(_("Taller"), safe_text("workshop__title")),
        RawColumn(_("Tema"), label("workshop__topic", WorkshopTopic.choices)),
        RawColumn(_("Fecha del taller"), F("workshop__start_date"), DATE),
        RawColumn(_("Estado del taller"), label("workshop__status", WorkshopStatus.choices)),
        *_municipality_columns("workshop__"),
        RawColumn(_("Código de participante"), pseudonym("participant_id")),
    ]
    if can_see_personal_data(user):
        columns += [
            RawColumn(_("Nombres"), safe_text("participant__first_names")),
            RawColumn(_("Apellidos"), safe_text("participant__last_names")),
            RawColumn(_("DUI"), F("participant__dui")),
            RawColumn(_("Teléfono"), safe_text("participant__phone")),
            RawColumn(_("Correo electrónico"), safe_text("participant__email")),
        ]
    columns += [
        RawColumn(_("Sexo"), label("participant__sex", Sex.choices)),
        RawColumn(_("Grupo de edad"), label("participant__age_group", AgeGroup.choices)),
        RawColumn(_("Institución"), safe_text("participant__institution__name")),
        RawColumn(_("Cargo"), safe_text("participant__position")),
        RawColumn(_("Forma de registro"), label("method", AttendanceMethod.choices)),
    ]
    return columns


def workshop_columns(user) -> list[RawColumn]:
    attendances = (
        Attendance.objects.filter(workshop=OuterRef("pk")).order_by().values("workshop").annotate(n=Count("pk"))
    )
    return [
        RawColumn(_("ID taller"), F("pk"), INT),
        RawColumn(_("Título"), safe_text("title")),
        RawColumn(_("Tema"), label("topic", WorkshopTopic.choices)),
        RawColumn(_("Público"), label("audience", WorkshopAudience.choices)),
        RawColumn(_("Fecha de inicio"), F("start_date"), DATE),
        RawColumn(_("Fecha de finalización"), F("end_date"), DATE),
        RawColumn(_("Horas"), F("hours"), DEC),
        RawColumn(_("Estado"), label("status", WorkshopStatus.choices)),
        *_municipality_columns(""),
        RawColumn(_("Mesa temática"), F("thematic_table__name")),
        RawColumn(_("Lugar"), safe_text("venue")),
        RawColumn(_("Facilitadoras/es"), safe_text("facilitators")),
        RawColumn(_("Estado de revisión"), label("review_state", ReviewState.choices)),
        RawColumn(_("Asistencias"), Coalesce(Subquery(attendances.values("n")), 0), INT),
    ]


def window_session_columns(user) -> list[RawColumn]:
    columns = [
        RawColumn(_("ID jornada"), F("pk"), INT),
        RawColumn(_("Fecha"), F("date"), DATE),
        RawColumn(_("ID ventanilla"), F("window_id"), INT),
        RawColumn(_("Código MINED"), F("window__school__mined_code")),
        RawColumn(
            _("Centro escolar o lugar"),
            safe_text(Coalesce(F("window__school__name"), F("window__site_name"), output_field=CharField())),
        ),
        *_municipality_columns("window__"),
        RawColumn(_("Horas"), F("hours"), DEC),
        RawColumn(_("Derechos de la LEIV"), yes_no("topic_leiv_rights")),
        RawColumn(_("Tipos de violencia"), yes_no("topic_violence_types")),
        RawColumn(_("Dónde buscar ayuda"), yes_no("topic_where_to_seek_help")),
        RawColumn(_("Otros temas"), safe_text("topic_other")),
        RawColumn(_("Materiales entregados"), F("materials_handed_out"), INT),
        RawColumn(_("Referencias"), F("referrals"), INT),
        RawColumn(_("Estado de revisión"), label("review_state", ReviewState.choices)),
    ]
    cells = ReachCount.objects.filter(session=OuterRef("pk")).order_by().values("session")
    for sex in GRID_SEXES:
        for group in AGE_COLUMNS:
            value = cells.filter(sex=sex, age_group=group).annotate(n=Sum("count")).values("n")
            columns.append(RawColumn(f"{sex.label} {AgeGroup(group).label}", Coalesce(Subquery(value), 0), INT))
    total = cells.annotate(n=Sum("count")).values("n")
    columns.append(RawColumn(_("Total personas alcanzadas"), Coalesce(Subquery(total), 0), INT))
    return columns


def assistance_columns(user) -> list[RawColumn]:
    return [
        RawColumn(_("ID asistencia técnica"), F("pk"), INT),
        RawColumn(_("Fecha"), F("date"), DATE),
        RawColumn(_("Institución"), safe_text("institution__name")),
        RawColumn(_("Tipo de institución"), label("institution__kind", InstitutionKind.choices)),
        *_municipality_columns(""),
        RawColumn(_("Tema"), label("topic", AssistanceTopic.choices)),
        RawColumn(_("Horas"), F("hours"), DEC),
        RawColumn(_("Resultado"), safe_text("outcome")),
        RawColumn(_("Estado de revisión"), label("review_state", ReviewState.choices)),
    ]


SPECS = {
    # kind: (model, path to municipality, path to date, columns)
    "attendance": (Attendance, "workshop__municipality", "workshop__start_date", attendance_columns),
    "workshops": (Workshop, "municipality", "start_date", workshop_columns),
    "window_sessions": (WindowSession, "window__municipality", "date", window_session_columns),
    "assistance": (TechnicalAssistance, "municipality", "date", assistance_columns),
}
TITLES = {
    "attendance": gettext_lazy("Asistencias a talleres"),
    "workshops": gettext_lazy("Talleres"),
    "window_sessions": gettext_lazy("Jornadas de ventanilla móvil"),
    "assistance": gettext_lazy("Asistencia técnica"),
}


def raw_export(kind: str, user, filters):
    """(columns, queryset of value tuples) for `kind`, scoped to `user` and the report filters."""
    model, municipality_path, date_path, columns_for = SPECS[kind]
    columns = columns_for(user)
    qs = model.objects.visible_to(user).filter(**{f"{municipality_path}__in": filters.municipalities(user)})
    if filters.start is not None:
        qs = qs.filter(**{f"{date_path}__gte": filters.start, f"{date_path}__lte": filters.end})
    names = _names(columns)
    qs = qs.annotate(**{n: c.expression for n, c in zip(names, columns, strict=True)}).order_by("pk")
    return columns, qs.values_list(*names)


def _names(columns) -> list[str]:
    return [f"c{i}" for i in range(len(columns))]


def xlsx_cells(columns, queryset):
    """`raw_export`'s rows with every cell as the text XLSX writes in its XML (reports.xlsx):
    numbers as their digits, dates as Excel serial day numbers, text as it is."""
    cells = []
    for name, column in zip(_names(columns), columns, strict=True):
        if column.kind == DATE:
            cells.append(Cast(ExcelSerial(F(name)), CharField()))
        elif column.kind in (INT, DEC):
            cells.append(Cast(F(name), CharField()))
        else:
            cells.append(F(name))
    return queryset.values_list(*cells)


def title(kind: str) -> str:
    return str(TITLES[kind])
