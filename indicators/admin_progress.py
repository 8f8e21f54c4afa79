"""The coordinators' admin pages: municipal progress, municipality detail and closing a month.

Figures come only from indicators.figures (one definition): the changelist annotates
indicators and targets onto the municipalities in one query, whatever their number.
"""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.db.models import F, FloatField, OuterRef, Prefetch, Q, Subquery, Value
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_scoping import ScopedModelAdmin
from core.errors import DomainError
from core.permissions import Action, can
from geography.models import Department, Municipality, TerritorialOffice
from indicators import periods, registry
from indicators.figures import IndicatorKey, annotate_municipalities, annotate_targets, annotate_values, source
from indicators.figures import figures as indicator_figures
from indicators.models import MunicipalProgress
from municipalities.models import MunicipalPlan, PlanStage, PlanStageChange
from review.models import PeriodClosure, ReviewState
from review.services import close_period, records_of_month, reopen_period

K = IndicatorKey
# The indicators of the progress page, in column order: those with a target and their parts.
PROGRESS_KEYS = registry.keys("tracked")
# Indicators whose target counts towards the overall progress bar (women/men are parts of a total).
TARGET_KEYS = registry.keys("has_target")
MONTHS = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]


# --- The period of the page (GET parameters periodo, desde, hasta) ---


def _month_values(monthly: dict, year: int, month: int) -> dict:
    """The figures of one month from `figures(..., by="month")` (keys are the months' first days)."""
    for start, values in monthly.items():
        day = start.date() if isinstance(start, datetime.datetime) else start
        if (day.year, day.month) == (year, month):
            return values
    return {}


def period_from_params(params) -> periods.Period:
    """The page's period: this year by default; last year (anio-anterior); a quarter of this year
    (t1–t4); or a range within one year (rango, desde, hasta: targets are yearly)."""
    choice = params.get("periodo", "")
    query = {"period": "year"}
    if choice == "anio-anterior":
        query["year"] = periods.today().year - 1
    elif choice in ("t1", "t2", "t3", "t4"):
        query = {"period": "quarter", "quarter": choice[1]}
    elif choice == "rango":
        query = {"period": "custom", "start": params.get("desde"), "end": params.get("hasta")}
    try:
        period = periods.from_params(query)
    except periods.PeriodError:
        return periods.this_year()
    return period if period.start.year == period.end.year else periods.this_year()


def target_share(period: periods.Period) -> Decimal:
    """The share of a yearly target expected by the end of the period (or by today, if sooner)."""
    year_start = datetime.date(period.start.year, 1, 1)
    year_days = (datetime.date(period.start.year, 12, 31) - year_start).days + 1
    end = min(period.end, max(periods.today(), period.start))
    days = (end - period.start).days + 1
    return (Decimal(days) / Decimal(year_days)).quantize(Decimal("0.0001"))


def overall_progress(row, share: Decimal) -> Decimal | None:
    """Mean of actual / expected over the indicators that have a target (each capped at 100 %)."""
    ratios = []
    for key in TARGET_KEYS:
        target = getattr(row, f"target_{key}", None)
        if target:
            expected = Decimal(target) * share
            if expected > 0:
                ratios.append(min(Decimal(getattr(row, key)) * 100 / expected, Decimal(100)))
    if not ratios:
        return None
    return (sum(ratios) / len(ratios)).quantize(Decimal("1"))


def records_url(key: str, municipality_id: int, start, end) -> str:
    """The admin changelist of the records behind one figure (indicators.figures.records)."""
    src = source(key)
    model = src.model
    params = {
        f"{src.municipality_path}__id__exact": municipality_id,
        f"{src.date_path}__gte": start.isoformat(),
        f"{src.date_path}__lte": end.isoformat(),
    }
    params.update({f"{field}__exact": value for field, value in src.filters})
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}"


# --- Filters ---


class PeriodFilter(admin.ListFilter):
    title = gettext_lazy("periodo")
    template = "admin/indicators/period_filter.html"
    parameters = ("periodo", "desde", "hasta")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in self.parameters:
            if name in params:
                value = params.pop(name)
                self.used_parameters[name] = value[-1] if isinstance(value, list) else value
        self.period = period_from_params(self.used_parameters)

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        return queryset  # the period is applied by the admin's get_queryset

    def expected_parameters(self):
        return list(self.parameters)

    def choices(self, changelist):
        current = self.used_parameters.get("periodo", "")
        options = [("", _("Este año")), ("anio-anterior", _("Año anterior"))]
        options += [(f"t{q}", _("Trimestre %(q)s") % {"q": q}) for q in range(1, 5)]
        for value, label in options:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string(
                    {"periodo": value} if value else {}, ["periodo", "desde", "hasta"]
                ),
                "display": label,
            }


class DepartmentFilter(admin.SimpleListFilter):
    title = gettext_lazy("departamento")
    parameter_name = "departamento"

    def lookups(self, request, model_admin):
        return [(str(d.pk), d.name) for d in Department.objects.visible_to(request.user)]

    def queryset(self, request, queryset):
        return queryset.filter(department_id=self.value()) if self.value() else queryset


class OfficeFilter(admin.SimpleListFilter):
    title = gettext_lazy("oficina territorial")
    parameter_name = "oficina"

    def lookups(self, request, model_admin):
        return [(str(o.pk), o.name) for o in TerritorialOffice.objects.visible_to(request.user)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(department__offices=self.value())


class BelowTargetFilter(admin.SimpleListFilter):
    title = gettext_lazy("avance")
    parameter_name = "bajo_meta"

    def lookups(self, request, model_admin):
        return [("si", _("Por debajo de la meta")), ("no", _("En meta o sin meta"))]

    def queryset(self, request, queryset):
        if self.value() not in ("si", "no"):
            return queryset
        share = target_share(period_from_params(request.GET))
        below = Q(pk__in=[])
        for key in TARGET_KEYS:
            below |= Q(**{f"target_{key}__gt": 0, f"{key}__lt": F(f"target_{key}") * share})
        return queryset.filter(below) if self.value() == "si" else queryset.exclude(below)


# --- Columns ---


def _cell(key, title, order=None):
    def column(self, obj):
        value = getattr(obj, key)
        target = getattr(obj, f"target_{key}", None)
        if target is None:
            return format_html("{}", value)
        return format_html('{}<span class="pess-target"> / {}</span>', value, target.normalize())

    column.short_description = title
    column.admin_order_field = order or key
    column.__name__ = f"col_{key}"
    return column


def _split_cell(total, women, men, title):
    def column(self, obj):
        cell = _cell(total, title)(self, obj)
        return format_html(
            '{}<br><span class="pess-split">{} M · {} H</span>', cell, getattr(obj, women), getattr(obj, men)
        )

    column.short_description = title
    column.admin_order_field = total
    column.__name__ = f"col_{total}"
    return column


class MunicipalProgressAdmin(ScopedModelAdmin):
    """One row per PESS municipality: indicators of the period against the year's targets."""

    list_display = (
        "name",
        "progress_bar",
        "closed_months",
        "pess_phase",
        "office_name",
        "plan_stage_display",
        "col_workshops_held",
        "col_training_hours",
        "col_participants",
        "col_window_sessions",
        "col_people_reached",
        "col_assistance_actions",
        "col_table_meetings",
    )
    list_filter = (PeriodFilter, DepartmentFilter, "pess_phase", OfficeFilter, BelowTargetFilter)
    list_per_page = 100
    search_fields = ("name", "code")
    ordering = ("department__code", "name")
    sortable_by = None
    actions = None
    show_facets = admin.ShowFacets.NEVER  # facet counts would recompute every indicator per filter option

    col_workshops_held = _cell(K.WORKSHOPS_HELD, gettext_lazy("Talleres"))
    col_training_hours = _cell(K.TRAINING_HOURS, gettext_lazy("Horas"))
    col_participants = _split_cell(
        K.PARTICIPANTS, K.PARTICIPANTS_WOMEN, K.PARTICIPANTS_MEN, gettext_lazy("Participantes")
    )
    col_window_sessions = _cell(K.WINDOW_SESSIONS, gettext_lazy("Jornadas"))
    col_people_reached = _split_cell(
        K.PEOPLE_REACHED, K.PEOPLE_REACHED_WOMEN, K.PEOPLE_REACHED_MEN, gettext_lazy("Alcanzadas")
    )
    col_assistance_actions = _cell(K.ASSISTANCE_ACTIONS, gettext_lazy("Asist. técnicas"))
    col_table_meetings = _cell(K.TABLE_MEETINGS, gettext_lazy("Reuniones"))

    class Media:
        css = {"all": ["css/admin_pess.css"]}

    def get_queryset(self, request):
        period = period_from_params(request.GET)
        office = TerritorialOffice.objects.filter(department=OuterRef("department")).order_by("pk").values("name")[:1]
        qs = (
            super()
            .get_queryset(request)
            .filter(pess_phase__isnull=False)
            .select_related("department")
            .annotate(
                office_name=Subquery(office),
                plan_stage=F("plan__stage"),
                target_share=Value(float(target_share(period)), output_field=FloatField()),
            )
            .prefetch_related(
                Prefetch(
                    "period_closures",
                    queryset=PeriodClosure.objects.closed().filter(year=period.start.year).order_by("month"),
                    to_attr="closed_in_year",
                )
            )
        )
        # One GROUP BY query per source table for every municipality the user may see, then the
        # figures are attached as constants (sortable and filterable in SQL): a correlated
        # subquery per row would scan the attendance table once per municipality.
        values = getattr(request, "_pess_progress_values", None)
        if values is None:
            visible = Municipality.objects.visible_to(request.user).pess().values("pk")
            values = indicator_figures(PROGRESS_KEYS, visible, period.start, period.end, by="municipality")
            request._pess_progress_values = values
        qs = annotate_values(qs, values, keys=PROGRESS_KEYS)
        return annotate_targets(qs, period.start.year, keys=PROGRESS_KEYS)

    def changelist_view(self, request, extra_context=None):
        period = period_from_params(request.GET)
        extra = {
            "title": _("Avance municipal — %(period)s") % {"period": period.label},
            "pess_period": period,
            "pess_share": int(target_share(period) * 100),
            "can_review": can(request.user, Action.REVIEW),
            "is_nav_sidebar_enabled": False,  # the table needs the whole width
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("Oficina"), ordering="office_name")
    def office_name(self, obj):
        # One office per department: show the department's name, the office's full name on hover.
        if not obj.office_name:
            return "—"
        return format_html('<span title="{}">{}</span>', obj.office_name, _("Oficina %(d)s") % {"d": obj.department})

    @admin.display(description=gettext_lazy("Plan"), ordering="plan_stage")
    def plan_stage_display(self, obj):
        return PlanStage(obj.plan_stage).label if obj.plan_stage else _("Sin plan")

    @admin.display(description=gettext_lazy("Avance / meta"))
    def progress_bar(self, obj):
        value = overall_progress(obj, Decimal(str(obj.target_share)))
        if value is None:
            return format_html('<span class="pess-muted">{}</span>', _("sin metas"))
        css = "pess-progress pess-progress-low" if value < 100 else "pess-progress"
        return format_html(
            '<progress class="{}" max="100" value="{}" aria-label="{} %">{} %</progress> <span>{} %</span>',
            css,
            value,
            value,
            value,
            value,
        )

    @admin.display(description=gettext_lazy("Cerrados"))
    def closed_months(self, obj):
        months = [MONTHS[c.month - 1] for c in obj.closed_in_year]
        return ", ".join(months) if months else "—"

    # --- Detail, close and reopen ---

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/cerrar/<int:year>/<int:month>/",
                wrap(self.close_month_view),
                name="indicators_municipalprogress_close",
            ),
            path("reabrir/<int:closure_id>/", wrap(self.reopen_view), name="indicators_municipalprogress_reopen"),
            *super().get_urls(),
        ]

    def _municipality(self, request, pk):
        if not self.has_view_permission(request):
            raise Http404
        return get_object_or_404(Municipality.objects.visible_to(request.user).pess(), pk=pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The municipality's detail: indicators by month, plan stages, closures and record links."""
        if not str(object_id).isdigit():
            raise Http404
        municipality = self._municipality(request, int(object_id))
        try:
            year = int(request.GET.get("anio", periods.today().year))
        except ValueError:
            year = periods.today().year
        year_period = periods.year(year)
        # One grouped query per source table for the twelve months (not twelve per-month queries).
        monthly = indicator_figures(
            PROGRESS_KEYS,
            Municipality.objects.filter(pk=municipality.pk),
            year_period.start,
            year_period.end,
            by="month",
        )
        months = []
        for m in range(1, 13):
            values = _month_values(monthly, year, m)
            months.append({"month": m, "name": MONTHS[m - 1], "values": [values.get(k, 0) for k in PROGRESS_KEYS]})
        totals = annotate_targets(
            annotate_municipalities(
                Municipality.objects.filter(pk=municipality.pk), year_period.start, year_period.end, PROGRESS_KEYS
            ),
            year,
            PROGRESS_KEYS,
        ).get()
        closures = {
            c.month: c
            for c in PeriodClosure.objects.closed()
            .filter(municipality=municipality, year=year)
            .select_related("closed_by")
        }
        for row in months:
            row["closure"] = closures.get(row["month"])
        figures = [
            {
                "key": k,
                "label": IndicatorKey(k).label,
                "total": getattr(totals, k),
                "target": getattr(totals, f"target_{k}"),
                "url": records_url(k, municipality.pk, year_period.start, year_period.end),
            }
            for k in PROGRESS_KEYS
        ]
        plan = MunicipalPlan.objects.filter(municipality=municipality).select_related("office").first()
        stage_changes = (
            PlanStageChange.objects.filter(plan__municipality=municipality)
            .select_related("proposed_by", "decided_by")
            .order_by("-date", "-pk")
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("%(name)s: avance %(year)s") % {"name": municipality.name, "year": year},
            "municipality": municipality,
            "year": year,
            "years": [year - 1, year + 1] if year < periods.today().year else [year - 1],
            "headers": [registry.indicator(k).short_label for k in PROGRESS_KEYS],
            "is_nav_sidebar_enabled": False,
            "months": months,
            "figures": figures,
            "chart": monthly_chart(months),
            "plan": plan,
            "stage_changes": stage_changes,
            "can_review": can(request.user, Action.REVIEW),
            "changelist_url": reverse("admin:indicators_municipalprogress_changelist"),
        }
        return TemplateResponse(request, "admin/indicators/municipality_detail.html", context)

    def close_month_view(self, request, pk, year, month):
        municipality = self._municipality(request, pk)
        if not 1 <= month <= 12:
            raise Http404
        detail = reverse("admin:indicators_municipalprogress_change", args=[pk]) + f"?anio={year}"
        if request.method == "POST":
            try:
                close_period(municipality=municipality, year=year, month=month, by=request.user)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("Mes %(m)02d/%(y)s de %(name)s cerrado y aprobado.")
                    % {"m": month, "y": year, "name": municipality.name},
                )
            return HttpResponseRedirect(detail)
        groups = []
        for model, qs in records_of_month(municipality=municipality, year=year, month=month, user=request.user).items():
            pending = list(qs.exclude(review_state=ReviewState.APPROVED).order_by(model.PERIOD_DATE_FIELD, "pk"))
            groups.append(
                {
                    "name": model._meta.verbose_name_plural,
                    "pending": pending,
                    "drafts": sum(1 for r in pending if r.review_state in (ReviewState.DRAFT, ReviewState.RETURNED)),
                    "total": qs.count(),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Cerrar %(m)02d/%(y)s de %(name)s") % {"m": month, "y": year, "name": municipality.name},
            "municipality": municipality,
            "groups": groups,
            "drafts": sum(g["drafts"] for g in groups),
            "pending": sum(len(g["pending"]) for g in groups),
            "already_closed": PeriodClosure.objects.closed()
            .filter(municipality=municipality, year=year, month=month)
            .exists(),
            "can_review": can(request.user, Action.REVIEW),
            "detail_url": detail,
        }
        return TemplateResponse(request, "admin/review/close_month.html", context)

    def reopen_view(self, request, closure_id):
        if not self.has_view_permission(request):
            raise Http404
        closure = get_object_or_404(
            PeriodClosure.objects.visible_to(request.user).closed().select_related("municipality"), pk=closure_id
        )
        detail = (
            reverse("admin:indicators_municipalprogress_change", args=[closure.municipality_id])
            + f"?anio={closure.year}"
        )
        error = ""
        if request.method == "POST":
            try:
                reopen_period(closure=closure, by=request.user, reason=request.POST.get("reason", ""))
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, _("Mes reabierto: el personal puede volver a editar sus registros."))
                return HttpResponseRedirect(detail)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reabrir %(closure)s") % {"closure": closure},
            "closure": closure,
            "error": error,
            "reason": request.POST.get("reason", ""),
            "can_review": can(request.user, Action.REVIEW),
            "detail_url": detail,
        }
        return TemplateResponse(request, "admin/review/reopen_month.html", context)


def monthly_chart(months, width=600, height=160):
    """A small grouped bar chart (server-side SVG geometry): workshops, window sessions, assistance."""
    series = [(0, "pess-bar-a"), (5, "pess-bar-b"), (9, "pess-bar-c")]  # indexes into PROGRESS_KEYS
    top = max([1] + [row["values"][i] for row in months for i, _c in series])
    slot = width / 12
    bar = slot / (len(series) + 1)
    chart_h = height - 20
    bars, labels = [], []
    for n, row in enumerate(months):
        for j, (i, css) in enumerate(series):
            value = row["values"][i]
            h = round(chart_h * value / top, 1)
            bars.append(
                {
                    "x": round(n * slot + bar * (j + 0.5), 1),
                    "y": round(chart_h - h, 1),
                    "w": round(bar - 1, 1),
                    "h": h,
                    "css": css,
                    "title": f"{row['name']}: {value}",
                }
            )
        labels.append({"x": round(n * slot + slot / 2, 1), "y": height - 4, "text": row["name"]})
    legend = [{"css": css, "label": IndicatorKey(PROGRESS_KEYS[i]).label} for i, css in series]
    return {"width": width, "height": height, "bars": bars, "labels": labels, "top": top, "legend": legend}


admin.site.register(MunicipalProgress, MunicipalProgressAdmin)
