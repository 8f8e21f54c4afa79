"""Closing and reopening a municipality's month, from the progress admin's municipality detail.

Both pages go through review.services (close_period / reopen_period); the municipality and the
closure are looked up within what the user may see (404 otherwise).
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.permissions import Action, can
from geography.models import Municipality
from review.models import PeriodClosure, ReviewState
from review.services import close_period, records_of_month, reopen_period


def month_urls(model_admin):
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "<int:pk>/cerrar/<int:year>/<int:month>/",
            wrap(lambda request, **kw: close_month_view(model_admin, request, **kw)),
            name="indicators_municipalprogress_close",
        ),
        path(
            "reabrir/<int:closure_id>/",
            wrap(lambda request, **kw: reopen_view(model_admin, request, **kw)),
            name="indicators_municipalprogress_reopen",
        ),
    ]


def visible_municipality(model_admin, request, pk):
    """The PESS municipality `pk` if the user may see it and the progress pages; 404 otherwise."""
    if not model_admin.has_view_permission(request):
        raise Http404
    return get_object_or_404(Municipality.objects.visible_to(request.user).pess(), pk=pk)


def _page(model_admin, request, template, title, detail_url, **context):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "can_review": can(request.user, Action.REVIEW),
        "detail_url": detail_url,
        **context,
    }
    return TemplateResponse(request, template, context)


def _detail_url(municipality_id, year) -> str:
    return reverse("admin:indicators_municipalprogress_change", args=[municipality_id]) + f"?anio={year}"


def close_month_view(model_admin, request, pk, year, month):
    municipality = visible_municipality(model_admin, request, pk)
    if not 1 <= month <= 12:
        raise Http404
    detail = _detail_url(pk, year)
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
    return _page(
        model_admin,
        request,
        "admin/review/close_month.html",
        _("Cerrar %(m)02d/%(y)s de %(name)s") % {"m": month, "y": year, "name": municipality.name},
        detail,
        municipality=municipality,
        groups=groups,
        drafts=sum(g["drafts"] for g in groups),
        pending=sum(len(g["pending"]) for g in groups),
        already_closed=PeriodClosure.objects.closed()
        .filter(municipality=municipality, year=year, month=month)
        .exists(),
    )


def reopen_view(model_admin, request, closure_id):
    if not model_admin.has_view_permission(request):
        raise Http404
    closure = get_object_or_404(
        PeriodClosure.objects.visible_to(request.user).closed().select_related("municipality"), pk=closure_id
    )
    detail = _detail_url(closure.municipality_id, closure.year)
    error = ""
    if request.method == "POST":
        try:
            reopen_period(closure=closure, by=request.user, reason=request.POST.get("reason", ""))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Mes reabierto: el personal puede volver a editar sus registros."))
            return HttpResponseRedirect(detail)
    return _page(
        model_admin,
        request,
        "admin/review/reopen_month.html",
        _("Reabrir %(closure)s") % {"closure": closure},
        detail,
        closure=closure,
        error=error,
        reason=request.POST.get("reason", ""),
    )
