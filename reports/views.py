"""The reports page and its exports (aggregated and raw records). Every figure is scoped."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.events import record_export
from geography.models import Municipality
from indicators import periods
from reports import builder, exports, profile, raw
from reports.forms import ReportFilterForm

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(stem: str, extension: str) -> str:
    return f"pess-{stem}-{timezone.localdate():%Y%m%d}.{extension}"


def _recorded(chunks, request, export: str):
    """Stream `chunks` (CSV lines) and, when the stream ends or is cut, record the export, how
    many lines were served (the header not counted) and whether it completed.

    A failure mid-way is raised again inside the generator: the server then drops the connection
    instead of ending the response cleanly, so the client sees a failed download, never a
    silently truncated file."""
    lines = 0
    outcome = "failed"
    try:
        for chunk in chunks:
            lines += chunk.count(b"\n")
            yield chunk
        outcome = "completed"
    except GeneratorExit:
        outcome = "interrupted"  # the client went away
        raise
    finally:
        record_export(
            request.user, request.GET.dict(), max(lines - 1, 0), request=request, export=export, outcome=outcome
        )


@login_required
@require_GET
def report(request):
    form = ReportFilterForm(request.GET, user=request.user)
    context = {
        "form": form,
        "raw_kinds": [(k, raw.title(k)) for k in raw.KINDS],
        "pseudonymous": not raw.can_see_personal_data(request.user),
        "export_formats": ("csv", "xlsx"),
    }
    if form.is_valid():
        context["report"] = builder.build_report(form.filters(), request.user)
        form.show_period_used()
        context["query"] = request.GET.urlencode()
    return render(request, "reports/report.html", context)


@login_required
@require_GET
def export_report(request, fmt):
    """Exactly the tables the page shows, as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = ReportFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return HttpResponseBadRequest("Filtros no válidos.", content_type="text/plain; charset=utf-8")
    report = builder.build_report(form.filters(), request.user)
    rows = sum(len(table.rows) for table in report.tables)
    record_export(request.user, request.GET.dict(), rows, request=request, export=f"indicators_{fmt}")
    if fmt == "csv":
        response = HttpResponse(exports.report_csv(report), content_type=CSV_TYPE)
    else:
        output = exports.temporary_file()
        exports.report_xlsx(report, output)
        output.seek(0)
        return FileResponse(output, as_attachment=True, filename=_filename("informe", "xlsx"), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename("informe", "csv")}"'
    return response


@login_required
@require_GET
def export_raw(request, kind, fmt):
    """Every record of one kind within the user's scope and the filters, streamed."""
    if kind not in raw.KINDS or fmt not in ("csv", "xlsx"):
        raise Http404
    form = ReportFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return HttpResponseBadRequest("Filtros no válidos.", content_type="text/plain; charset=utf-8")
    filters = form.filters()
    columns, queryset = raw.raw_export(kind, request.user, filters)
    limit = settings.EXPORT_DIRECT_MAX_ROWS
    if queryset[: limit + 1].count() > limit:  # bounded: counts at most limit + 1 rows
        messages.info(
            request,
            _("Más de %(n)s registros: use los botones CSV o XLSX para preparar el archivo en segundo plano.")
            % {"n": formats.number_format(limit, force_grouping=True)},
        )
        return redirect(f"{reverse('reports:report')}?{request.GET.urlencode()}")
    stem = kind.replace("_", "-")
    if fmt == "csv":
        chunks = _recorded(exports.raw_csv_chunks(columns, queryset), request, f"{kind}_csv")
        response = StreamingHttpResponse(chunks, content_type=CSV_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "csv")}"'
        return response
    output = exports.temporary_file()
    rows = exports.raw_xlsx(columns, queryset, output, raw.title(kind), filters.describe(records=True))
    record_export(request.user, request.GET.dict(), rows, request=request, export=f"{kind}_xlsx", outcome="completed")
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=_filename(stem, "xlsx"), content_type=XLSX_TYPE)


@login_required
@require_GET
def municipality_profile(request, pk):
    """The municipal profile PDF (reports.profile) for the period of the GET parameters (this year
    by default), for anyone who may see the municipality's page: another department's is a 404."""
    municipality = get_object_or_404(Municipality.objects.visible_to(request.user).select_related("department"), pk=pk)
    try:
        period = periods.from_params(request.GET, default="year")
    except (periods.PeriodError, ValueError) as error:
        message = str(error) if isinstance(error, periods.PeriodError) else _("tipo de periodo desconocido")
        messages.error(request, _("No se pudo preparar el perfil: %(e)s.") % {"e": message})
        return redirect(municipality.get_absolute_url())
    pdf = profile.profile_pdf(municipality, period, request.user)
    record_export(request.user, request.GET.dict(), 1, request=request, export="profile_pdf", outcome="completed")
    response = HttpResponse(pdf, content_type="application/pdf")
    stamp = f"{period.start:%Y%m%d}-{period.end:%Y%m%d}" if period else "todo"
    response["Content-Disposition"] = f'attachment; filename="pess-perfil-{municipality.code}-{stamp}.pdf"'
    return response
