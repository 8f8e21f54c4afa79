"""Export a report or raw records to a file, for scheduled jobs.

    python manage.py export_report --report indicators --format xlsx --output informe.xlsx
    python manage.py export_report --report attendance --format csv --output asistencias.csv \
        --period year --year 2025 --department SV-SS --user coordinacion.sansalvador

Filters are those of the reports page. Defaults: national level, all periods. Without --user
the command runs with national scope and no personal data (as a national manager would see it);
with --user it sees exactly what that user sees on the page, personal data included when the
user's role allows it.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from core.events import record_export
from core.models import User
from core.roles import Role
from core.scoping import scopes_disabled
from reports import builder, exports, raw
from reports.forms import ReportFilterForm

REPORTS = ("indicators", *raw.KINDS)
FORMATS = ("csv", "xlsx")
FILTER_OPTIONS = (
    "level",
    "department",
    "municipality",
    "phase",
    "period",
    "year",
    "quarter",
    "month",
    "start",
    "end",
    "line",
    "revision",
)
ARGPARSE_MESSAGES = [
    ("unrecognized arguments", "argumentos no reconocidos"),
    ("the following arguments are required", "faltan las opciones obligatorias"),
    ("expected one argument", "falta el valor"),
    ("argument ", "opción "),
]


class NationalScope:
    """The scope of the command without --user: everything, as a national manager (no personal data)."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_national = True
    role = Role.MANAGER
    office_id = None
    office = None
    pk = None


class Command(BaseCommand):
    help = "Exporta el informe de indicadores o los registros (asistencias, talleres, jornadas, asistencia técnica)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def spanish_error(message):
            for english, spanish in ARGPARSE_MESSAGES:
                message = message.replace(english, spanish)
            self.stderr.write(f"Opción no válida: {message}. Vea --help.")
            sys.exit(2)

        parser.error = spanish_error
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--report", required=True, help=f"Uno de: {', '.join(REPORTS)}.")
        parser.add_argument("--format", required=True, dest="fmt", help="csv o xlsx.")
        parser.add_argument("--output", required=True, help="Archivo de salida.")
        parser.add_argument(
            "--user", help="Nombre de usuario cuyo alcance se aplica (por defecto: nacional, sin datos personales)."
        )
        parser.add_argument("--level", help="department (nacional), municipality, phase u office.")
        parser.add_argument("--department", help="Código ISO del departamento, p. ej. SV-SS.")
        parser.add_argument("--municipality", help="Código oficial del municipio, p. ej. 0614.")
        parser.add_argument("--phase", help="Fase PESS: 1, 2 o 3.")
        parser.add_argument("--period", default="all", help="all (por defecto), year, quarter, month o custom.")
        parser.add_argument("--year")
        parser.add_argument("--quarter")
        parser.add_argument("--month")
        parser.add_argument("--start", help="dd/mm/aaaa (con --period custom).")
        parser.add_argument("--end", help="dd/mm/aaaa (con --period custom).")
        parser.add_argument("--line", help="all, workshops, windows, assistance, tables o plans.")
        parser.add_argument(
            "--revision", help="aprobados (por defecto: solo registros aprobados) o con_pendientes (incluye enviados)."
        )

    def handle(self, *args, report, fmt, output, user=None, **options):
        # Commands see every row: they act for the whole installation, not for a user.
        with scopes_disabled():
            if report not in REPORTS:
                raise CommandError(f"Informe desconocido «{report}». Use uno de: {', '.join(REPORTS)}.")
            if fmt not in FORMATS:
                raise CommandError(f"Formato desconocido «{fmt}». Use csv o xlsx.")
            scope = self._user(user)
            data = {name: options[name] for name in FILTER_OPTIONS if options.get(name) not in (None, "")}
            form = ReportFilterForm(data, user=scope, default_period="all")
            if not form.is_valid():
                problems = []
                for field, errors in form.errors.items():
                    name = f"--{field}" if field != "__all__" else "--period"
                    problems += [f"{name}: {error}" for error in errors]
                raise CommandError("Filtros no válidos. " + " ".join(problems))
            filters = form.filters()
            progress = self._progress if self.stdout.isatty() else None
            try:
                if report == "indicators":
                    result = builder.build_report(filters, scope)
                    if fmt == "csv":
                        with open(output, "wb") as file:
                            file.write(exports.report_csv(result))
                    else:
                        exports.report_xlsx(result, output)
                    rows = sum(len(t.rows) for t in result.tables)
                else:
                    columns, queryset = raw.raw_export(report, scope, filters)
                    self._total = queryset.count() if progress else 0
                    if fmt == "csv":
                        rows = 0
                        with open(output, "wb") as file:
                            for chunk in exports.raw_csv_chunks(columns, queryset, progress):
                                file.write(chunk)
                                rows += chunk.count(b"\n")
                        rows -= 1  # the header
                    else:
                        rows = exports.raw_xlsx(
                            columns, queryset, output, raw.title(report), filters.describe(records=True), progress
                        )
            except OSError as error:
                raise CommandError(f"No se pudo escribir el archivo «{output}»: {error.strerror}.") from error
            if progress:
                self.stdout.write("")
            record_export(scope, {k: v for k, v in data.items() if v not in (None, "")}, rows, export=f"{report}_{fmt}")
            self.stdout.write(self.style.SUCCESS(f"Exportado: {output} ({rows:,} filas; {filters.describe()})."))

    def _user(self, username):
        if not username:
            return NationalScope()
        try:
            user = User.objects.select_related("office").get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No existe el usuario «{username}».") from None
        if not user.is_active:
            raise CommandError(f"El usuario «{username}» está inactivo.")
        return user

    def _progress(self, done):
        total = max(getattr(self, "_total", 0), done, 1)
        width = 30
        filled = int(width * done / total)
        bar = "█" * filled + "·" * (width - filled)
        self.stdout.write(f"\r[{bar}] {done:,}/{total:,} filas", ending="")
        self.stdout.flush()
        sys.stdout.flush()
