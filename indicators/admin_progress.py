"""The coordinators' municipal progress admin: the changelist (filters, columns) and the
municipality detail. Month closing is in indicators.admin_month, the arithmetic in
indicators.progress, the chart's geometry in indicators.charts.

Figures come only from indicators.figures (one definition): the changelist annotates
indicators and targets onto the municipalities in one query, whatever their number.

MunicipalProgressAdmin is registered by the municipalities app (municipalities/admin.py),
which adds the plan stage: this layer does not know municipal plans.
"""

from decimal import Decimal

from django.contrib import admin
from django.db.models import FloatField, OuterRef, Prefetch, Subquery, Value
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_scoping import ReadOnlyAdminMixin, ScopedModelAdmin
from core.permissions import Action, can
from geography.models import Department, Municipality, TerritorialOffice
from indicators import periods, registry
from indicators.admin_month import month_urls, visible_municipality
from indicators.charts import monthly_chart
from indicators.figures import (
    IndicatorKey,
    annotate_municipalities,
    annotate_targets,
    annotate_values,
    figures_and_pending,
)
from indicators.figures import figures as indicator_figures
from indicators.progress import (
    MONTHS,
    PROGRESS_KEYS,
    TARGET_KEYS,
    below_target,
    month_values,
    overall_progress,
    records_url,
    target_share,
)
from indicators.registry import Review
from review.models import PeriodClosure

# --- The period of the page (GET parameters periodo, desde, hasta) ---


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


class ReviewFilter(admin.SimpleListFilter):
    """Solo aprobados (official figures, the default) or including what is pending review."""

    title = gettext_lazy("registros contados")
    parameter_name = "revision"

    def lookups(self, request, model_admin):
        return [(Review.WITH_PENDING.value, Review.WITH_PENDING.label)]

    def choices(self, changelist):
        current = self.value() or Review.OFFICIAL.value
        for value, label in Review.page_choices():
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string(
                    {"revision": value} if value != Review.OFFICIAL else {}, ["revision"]
                ),
                "display": label,
            }

    def queryset(self, request, queryset):
        return queryset  # the option is applied by the admin's get_queryset (figures, not rows)


class _VisibleChoiceFilter(admin.SimpleListFilter):
    """Choices among the `choices_model` rows the user may see; a choice narrows by `lookup`."""

    choices_model = None
    lookup = ""

    def lookups(self, request, model_admin):
        return [(str(o.pk), o.name) for o in self.choices_model.objects.visible_to(request.user)]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.lookup: self.value()}) if self.value() else queryset


class DepartmentFilter(_VisibleChoiceFilter):
    title = gettext_lazy("departamento")
    parameter_name = "departamento"
    choices_model = Department
    lookup = "department_id"


class OfficeFilter(_VisibleChoiceFilter):
    title = gettext_lazy("oficina territorial")
    parameter_name = "oficina"
    choices_model = TerritorialOffice
    lookup = "department__offices"


class BelowTargetFilter(admin.SimpleListFilter):
    title = gettext_lazy("avance")
    parameter_name = "bajo_meta"

    def lookups(self, request, model_admin):
        return [("si", _("Por debajo de la meta")), ("no", _("En meta o sin meta"))]

    def queryset(self, request, queryset):
        if self.value() not in ("si", "no"):
            return queryset
        below = below_target(target_share(period_from_params(request.GET)))
        return queryset.filter(below) if self.value() == "si" else queryset.exclude(below)


# --- Columns: one per indicator with a target (its women/men parts under the total) ---


def _figure_column(key):
    women_men = registry.parts(key)

    def column(self, obj):
        value = getattr(obj, key)
        target = getattr(obj, f"target_{key}", None)
        cell = format_html("{}", value)
        if target is not None:
            cell = format_html('{}<span class="pess-target"> / {}</span>', value, target.normalize())
        if women_men:
            women, men, unknown = (getattr(obj, part) for part in women_men)
            cell = format_html('{}<br><span class="pess-split">{} M · {} H · {} NR</span>', cell, women, men, unknown)
        pending = getattr(obj, f"pending_{key}", 0)
        if pending:
            note = _("pendientes de revisión")
            cell = format_html('{}<br><span class="pess-pending" title="{}">+{}</span>', cell, note, pending)
        return cell

    column.short_description = registry.indicator(key).short_label
    column.admin_order_field = key
    column.__name__ = f"col_{key}"
    return column


class MunicipalProgressAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """One row per PESS municipality: indicators of the period against the year's targets."""

    summary_columns = ("name", "progress_bar", "closed_months", "pess_phase", "office_name")
    figure_columns = tuple(f"col_{key}" for key in TARGET_KEYS)
    list_display = (*summary_columns, *figure_columns)
    list_filter = (PeriodFilter, ReviewFilter, DepartmentFilter, "pess_phase", OfficeFilter, BelowTargetFilter)
    list_per_page = 100
    search_fields = ("name", "code")
    ordering = ("department__code", "name")
    sortable_by = None
    actions = None
    show_facets = admin.ShowFacets.NEVER  # facet counts would recompute every indicator per filter option
    detail_template = "admin/indicators/municipality_detail.html"

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
            values = figures_and_pending(
                PROGRESS_KEYS,
                visible,
                period.start,
                period.end,
                by="municipality",
                review=Review.from_params(request.GET),
            )
            request._pess_progress_values = values
        official, pending = values
        qs = annotate_values(qs, official, keys=PROGRESS_KEYS)
        qs = annotate_values(qs, pending, keys=PROGRESS_KEYS, prefix="pending_")
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

    @admin.display(description=gettext_lazy("Oficina"), ordering="office_name")
    def office_name(self, obj):
        # One office per department: show the department's name, the office's full name on hover.
        if not obj.office_name:
            return "—"
        return format_html('<span title="{}">{}</span>', obj.office_name, _("Oficina %(d)s") % {"d": obj.department})

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
        return [*month_urls(self), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The municipality's detail: indicators by month, closures and record links."""
        if not str(object_id).isdigit():
            raise Http404
        municipality = visible_municipality(self, request, int(object_id))
        try:
            year = int(request.GET.get("anio", periods.today().year))
        except ValueError:
            year = periods.today().year
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("%(name)s: avance %(year)s") % {"name": municipality.name, "year": year},
            "municipality": municipality,
            "year": year,
            "years": [year - 1, year + 1] if year < periods.today().year else [year - 1],
            "headers": [registry.indicator(k).short_label for k in PROGRESS_KEYS],
            "is_nav_sidebar_enabled": False,
            "can_review": can(request.user, Action.REVIEW),
            "changelist_url": reverse("admin:indicators_municipalprogress_changelist"),
            **self.year_figures(municipality, year),
            **self.detail_context(request, municipality),
        }
        return TemplateResponse(request, self.detail_template, context)

    def year_figures(self, municipality, year) -> dict:
        """The year's months (figures and closure), totals against targets, and the chart."""
        year_period = periods.year(year)
        # One grouped query per source table for the twelve months (not twelve per-month queries).
        monthly = indicator_figures(
            PROGRESS_KEYS,
            Municipality.objects.filter(pk=municipality.pk),
            year_period.start,
            year_period.end,
            by="month",
        )
        closures = {
            c.month: c
            for c in PeriodClosure.objects.closed()
            .filter(municipality=municipality, year=year)
            .select_related("closed_by")
        }
        months = []
        for m in range(1, 13):
            values = month_values(monthly, year, m)
            months.append(
                {
                    "month": m,
                    "name": MONTHS[m - 1],
                    "values": [values.get(k, 0) for k in PROGRESS_KEYS],
                    "closure": closures.get(m),
                }
            )
        totals = annotate_targets(
            annotate_municipalities(
                Municipality.objects.filter(pk=municipality.pk), year_period.start, year_period.end, PROGRESS_KEYS
            ),
            year,
            PROGRESS_KEYS,
        ).get()
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
        return {"months": months, "figures": figures, "chart": monthly_chart(months, PROGRESS_KEYS)}

    def detail_context(self, request, municipality) -> dict:
        """More of the detail page, for the apps above this one (municipalities adds its plan)."""
        return {}


for _key in TARGET_KEYS:
    setattr(MunicipalProgressAdmin, f"col_{_key}", _figure_column(_key))
