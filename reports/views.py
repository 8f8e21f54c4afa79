"""The reports page and its exports (aggregated and raw records). Every figure is scoped."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.events import record_export
from reports import builder, exports, raw
from reports.forms import ReportFilterForm

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(stem: str, extension: str) -> str:
    return f"pess-{stem}-{timezone.localdate():%Y%m%d}.{extension}"


def _recorded(chunks, request, export: str):
    """Stream `chunks` (CSV lines) and, when the stream ends or is cut, record the export and
    how many lines were served (the header not counted)."""
    lines = 0
    try:
        for chunk in chunks:
            lines += chunk.count(b"\n")
            yield chunk
    finally:
        record_export(request.user, request.GET.dict(), max(lines - 1, 0), request=request, export=export)


@login_required
@require_GET
def report(request):
    form = ReportFilterForm(request.GET, user=request.user)
    context = {
        "form": form,
        "raw_kinds": [(k, raw.title(k)) for k in raw.KINDS],
        "pseudonymous": not raw.can_see_personal_data(request.user),
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
    stem = kind.replace("_", "-")
    if fmt == "csv":
        chunks = _recorded(exports.raw_csv_chunks(columns, queryset), request, f"{kind}_csv")
        response = StreamingHttpResponse(chunks, content_type=CSV_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "csv")}"'
        return response
    output = exports.temporary_file()
    rows = exports.raw_xlsx(columns, queryset, output, raw.title(kind), filters.describe(records=True))
    record_export(request.user, request.GET.dict(), rows, request=request, export=f"{kind}_xlsx")
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=_filename(stem, "xlsx"), content_type=XLSX_TYPE)
