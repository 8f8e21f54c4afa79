"""Exports as background jobs: ask for one, watch its progress, cancel it, fetch the file.

Every page here answers 404 for a job that is not the user's (administrators excepted): the
check is `core.permissions.may_fetch_file`, through `reports.jobs`. Files are served only by
`download`, from EXPORT_ROOT (no public URL), and every request and download is a security event.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from reports import jobs, raw
from reports.models import ExportState

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "pdf": "application/pdf",
}


def kind_labels() -> dict:
    return {
        "indicators": _("Informe de indicadores"),
        **{k: raw.title(k) for k in raw.KINDS},
        jobs.PACK_KIND: _("Paquete mensual de informes"),
        jobs.PROFILES: _("Perfiles municipales de un departamento"),
    }


def _job_or_404(request, pk):
    job = jobs.visible_job(request.user, pk)
    if job is None:
        raise Http404
    return job


def _redirect(request, url):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_POST
def request_export(request):
    """Queue an export with the report page's filters; answers at once with the job's page."""
    data = request.POST.dict()
    kind, fmt = data.pop("kind", ""), data.pop("fmt", "")
    data.pop("csrfmiddlewaretoken", None)
    try:
        job = jobs.request_export(user=request.user, kind=kind, filters=data, fmt=fmt, request=request)
    except DomainError as error:
        messages.error(request, error.message)
        query = urlencode({k: v for k, v in data.items() if v})
        return _redirect(request, f"{reverse('reports:report')}?{query}")
    return _redirect(request, reverse("reports:job", args=[job.pk]))


@login_required
@require_GET
def job_detail(request, pk):
    job = _job_or_404(request, pk)
    return render(request, "reports/job.html", {"job": job, "kind_label": kind_labels().get(job.kind, job.kind)})


@login_required
@require_GET
def job_progress(request, pk):
    """The progress fragment the job page polls (htmx) while the job is queued or running."""
    job = _job_or_404(request, pk)
    return render(request, "reports/_job_progress.html", {"job": job})


@login_required
@require_POST
def job_cancel(request, pk):
    job = _job_or_404(request, pk)
    try:
        job = jobs.cancel_export(user=request.user, job=job, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    if job.state == ExportState.CANCELLED:
        messages.success(request, _("Exportación cancelada."))
    if request.htmx:
        return render(request, "reports/_job_progress.html", {"job": job})
    return redirect("reports:job", pk=job.pk)


@login_required
@require_GET
def download(request, pk):
    """The finished file, for its owner or an administrator; 404 for anyone else or when gone."""
    job = _job_or_404(request, pk)
    path = jobs.file_path(request.user, job)
    if path is None:
        raise Http404
    jobs.record_download(request.user, job, request=request)
    return FileResponse(
        open(path, "rb"),  # FileResponse closes it
        as_attachment=True,
        filename=job.download_name,
        content_type=CONTENT_TYPES.get(job.fmt, "application/octet-stream"),
    )


@login_required
@require_GET
def my_downloads(request):
    """«Mis descargas»: the user's files with state, rows, size and expiry, filtered by state and content."""
    labels = kind_labels()
    state, kind = request.GET.get("estado", ""), request.GET.get("contenido", "")
    exports = jobs.exports_of(request.user)
    if state in ExportState.values:
        exports = exports.filter(state=state)
    if kind in labels:
        exports = exports.filter(kind=kind)
    rows = [(job, labels.get(job.kind, job.kind)) for job in exports[:200]]
    return render(
        request,
        "reports/my_downloads.html",
        {
            "rows": rows,
            "states": ExportState.choices,
            "kinds": list(labels.items()),
            "state": state,
            "kind": kind,
        },
    )
