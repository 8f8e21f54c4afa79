"""The report filters: one form for the page, the exports and the export_report command."""

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from geography.models import Department, Municipality, PessPhase, TerritorialOffice
from indicators import periods, registry
from indicators.figures import IndicatorKey as K
from indicators.registry import Review

LEVELS = [
    ("department", _("Nacional, por departamento")),
    ("municipality", _("Por municipio")),
    ("phase", _("Por fase PESS")),
    ("office", _("Por oficina territorial")),
]
LEVEL_COLUMN = {
    "department": _("Departamento"),
    "municipality": _("Municipio"),
    "phase": _("Fase PESS"),
    "office": _("Oficina territorial"),
}
PERIOD_KINDS = [
    ("year", _("Año")),
    ("quarter", _("Trimestre")),
    ("month", _("Mes")),
    ("custom", _("Fechas a elegir")),
    ("all", _("Todo el periodo")),
]
LINES = [
    ("all", _("Todas las líneas")),
    ("workshops", _("Talleres de formación")),
    ("windows", _("Ventanillas móviles")),
    ("assistance", _("Asistencia técnica")),
    ("tables", _("Mesas temáticas")),
    ("plans", _("Planes municipales")),
]
# The indicators of each line of work (indicators.registry), in the order the tables show them.
LINE_INDICATORS = {code: registry.keys(line=code) for code, _label in LINES[1:]}
# The indicator charted by default for each line.
LINE_CHART = {
    "all": K.PARTICIPANTS,
    "workshops": K.PARTICIPANTS,
    "windows": K.PEOPLE_REACHED,
    "assistance": K.ASSISTANCE_ACTIONS,
    "tables": K.TABLE_MEETINGS,
    "plans": K.WORKSHOPS_HELD,
}
MONTHS = [(m, f"{m:02d}") for m in range(1, 13)]


@dataclass(frozen=True)
class ReportFilters:
    level: str = "department"
    department: Department | None = None
    municipality: Municipality | None = None
    phase: int | None = None
    period: periods.Period | None = None  # None: all periods
    line: str = "all"
    chart: str = K.PARTICIPANTS
    review: str = Review.OFFICIAL  # official figures count approved records only

    @property
    def lines(self) -> list[str]:
        return [code for code, _label in LINES[1:]] if self.line == "all" else [self.line]

    @property
    def keys(self) -> list[str]:
        return [key for line in self.lines for key in LINE_INDICATORS[line]]

    @property
    def start(self):
        return self.period.start if self.period else None

    @property
    def end(self):
        return self.period.end if self.period else None

    def municipalities(self, user):
        """The PESS municipalities the report covers, within what `user` may see."""
        qs = Municipality.objects.visible_to(user).pess()
        if self.department is not None:
            qs = qs.filter(department=self.department)
        if self.phase is not None:
            qs = qs.filter(pess_phase=self.phase)
        if self.municipality is not None:
            qs = qs.filter(pk=self.municipality.pk)
        return qs

    def describe(self, records: bool = False) -> str:
        """The filters in words, for titles of pages and exported files.

        `records`: for raw-record exports, where the level and the line of work do not apply.
        """
        parts = [] if records else [str(dict(LEVELS)[self.level])]
        if self.department is not None:
            parts.append(str(_("Departamento: %(name)s") % {"name": self.department.name}))
        if self.municipality is not None:
            parts.append(str(_("Municipio: %(name)s") % {"name": self.municipality.name}))
        if self.phase is not None:
            parts.append(str(PessPhase(self.phase).label))
        parts.append(str(_("Periodo: %(p)s") % {"p": self.period.label}) if self.period else str(_("Periodo: todo")))
        if not records:
            parts.append(str(_("Línea: %(l)s") % {"l": dict(LINES)[self.line]}))
            parts.append(str(Review(self.review).label))
        return " · ".join(parts)


class ReportFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("Nivel"), choices=LEVELS, required=False)
    department = forms.ModelChoiceField(
        label=_("Departamento"),
        queryset=Department.objects.none(),
        to_field_name="iso_code",
        required=False,
        empty_label=_("Todos"),
    )
    phase = forms.TypedChoiceField(
        label=_("Fase PESS"),
        choices=[("", _("Todas")), *PessPhase.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipio"),
        queryset=Municipality.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("Todos"),
    )
    period = forms.ChoiceField(label=_("Periodo"), choices=PERIOD_KINDS, required=False)
    year = forms.IntegerField(label=_("Año"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Trimestre"), choices=[(q, f"T{q}") for q in range(1, 5)], coerce=int, required=False
    )
    month = forms.TypedChoiceField(label=_("Mes"), choices=MONTHS, coerce=int, required=False)
    start = forms.DateField(label=_("Desde (dd/mm/aaaa)"), required=False)
    end = forms.DateField(label=_("Hasta (dd/mm/aaaa)"), required=False)
    line = forms.ChoiceField(label=_("Línea de trabajo"), choices=LINES, required=False)
    chart = forms.ChoiceField(
        label=_("Indicador de los gráficos"), choices=[("", _("Según la línea")), *K.choices], required=False
    )
    revision = forms.ChoiceField(label=_("Registros contados"), choices=Review.page_choices(), required=False)

    def __init__(self, data=None, *, user, default_period="year", **kwargs):
        super().__init__(data if data is not None else {}, **kwargs)
        self.default_period = default_period
        visible = Municipality.objects.visible_to(user).pess()
        self.fields["department"].queryset = Department.objects.filter(municipalities__in=visible).distinct()
        self.fields["municipality"].queryset = visible.select_related("department")
        self.fields["municipality"].label_from_instance = lambda m: f"{m.name} ({m.department.name})"
        self.offices = TerritorialOffice.objects.visible_to(user)

    def clean(self):
        data = super().clean()
        try:
            data["period_obj"] = periods.from_params(data, default=self.default_period)
        except periods.PeriodError as error:
            raise forms.ValidationError(str(error)) from None
        municipality, department = data.get("municipality"), data.get("department")
        if municipality and department and municipality.department_id != department.pk:
            self.add_error("municipality", _("El municipio no pertenece al departamento elegido."))
        return data

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        line = data.get("line") or "all"
        return ReportFilters(
            level=data.get("level") or "department",
            department=data.get("department"),
            municipality=data.get("municipality"),
            phase=data.get("phase"),
            period=data["period_obj"],
            line=line,
            chart=data.get("chart") or LINE_CHART[line],
            review=data.get("revision") or Review.OFFICIAL,
        )
