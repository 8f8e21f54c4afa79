"""Targets in the admin: a grid for all PESS municipalities of a department, and XLSX import."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from core.errors import DomainError
from geography.models import Department, Municipality
from indicators import periods, registry
from indicators.figures import IndicatorKey
from indicators.models import Target
from indicators.targets import import_targets_xlsx, parse_value, save_targets

TARGET_KEYS = registry.keys("has_target")


def target_urls(model_admin):
    wrap = model_admin.admin_site.admin_view
    return [
        path("por-departamento/", wrap(lambda r: bulk_view(model_admin, r)), name="indicators_target_bulk"),
        path("importar/", wrap(lambda r: import_view(model_admin, r)), name="indicators_target_import"),
    ]


def _can_change(model_admin, request) -> bool:
    return model_admin.has_change_permission(request) and model_admin.has_add_permission(request)


def bulk_view(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    can_change = _can_change(model_admin, request)
    departments = list(Department.objects.visible_to(request.user))
    params = request.POST if request.method == "POST" else request.GET
    try:
        year = int(params.get("anio") or periods.today().year)
    except ValueError:
        year = periods.today().year
    department = next((d for d in departments if str(d.pk) == params.get("departamento")), None)
    if department is None and departments:
        department = departments[0]
    municipalities = list(Municipality.objects.pess().filter(department=department).order_by("name"))
    existing = {
        (t.municipality_id, t.indicator): t.value
        for t in Target.objects.filter(year=year, municipality__in=municipalities, indicator__in=TARGET_KEYS)
    }
    errors = {}
    typed = {}
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        values = {}
        for m in municipalities:
            for key in TARGET_KEYS:
                name = f"t-{m.pk}-{key}"
                typed[name] = request.POST.get(name, "")
                try:
                    values[(m.pk, key)] = parse_value(typed[name])
                except ValueError as exc:
                    errors[name] = str(exc)
        if not errors:
            try:
                changed = save_targets(year=year, values=values)
            except DomainError as exc:
                for line in exc.errors:
                    messages.error(request, line)
            else:
                messages.success(request, _("Metas guardadas: %(n)s cambio(s).") % {"n": changed})
                url = reverse("admin:indicators_target_bulk")
                return HttpResponseRedirect(f"{url}?anio={year}&departamento={department.pk}")
        else:
            messages.error(request, _("Revise los valores marcados: no se guardó nada."))
    rows = []
    for m in municipalities:
        cells = []
        for key in TARGET_KEYS:
            name = f"t-{m.pk}-{key}"
            value = typed[name] if name in typed else existing.get((m.pk, key))
            cells.append({"name": name, "value": "" if value is None else value, "error": errors.get(name)})
        rows.append({"municipality": m, "cells": cells})
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Metas por departamento"),
        "year": year,
        "years": range(periods.today().year - 2, periods.today().year + 3),
        "departments": departments,
        "department": department,
        "headers": [IndicatorKey(k).label for k in TARGET_KEYS],
        "rows": rows,
        "can_change": can_change,
    }
    return TemplateResponse(request, "admin/indicators/target/bulk.html", context)


def import_view(model_admin, request):
    if not _can_change(model_admin, request):
        raise PermissionDenied
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("archivo")
        if upload is None:
            errors = [_("Elija un archivo XLSX.")]
        else:
            try:
                changed = import_targets_xlsx(file=upload)
            except DomainError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request, _("Importación completa: %(n)s meta(s) creadas o cambiadas.") % {"n": changed}
                )
                return HttpResponseRedirect(reverse("admin:indicators_target_changelist"))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Importar metas desde XLSX"),
        "errors": errors,
        "indicators": IndicatorKey.choices,
    }
    return TemplateResponse(request, "admin/indicators/target/import.html", context)
