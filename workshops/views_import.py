"""Sign-in sheet imports: upload or paste, preview, then all rows saved or none."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from review import services as review
from workshops import imports, services
from workshops.forms import PasteForm, UploadForm
from workshops.views import LOCKED_MESSAGE, visible_workshop


def _session_key(workshop):
    return f"workshops:import:{workshop.pk}"


def _text_key(workshop):
    """The pasted text, kept so "Cargar otro archivo" can fix it instead of starting over."""
    return f"pess_import_text_{workshop.pk}"


def _start_preview(request, workshop, reader):
    if not review.can_edit(workshop, request.user):
        messages.error(request, LOCKED_MESSAGE)
        return redirect("workshops:detail", workshop.pk)
    try:
        rows = imports.parse_rows(reader())
    except imports.DomainError as exc:
        messages.error(request, exc.message)
        return redirect("workshops:import", workshop.pk)
    rows = imports.classify(rows=rows, workshop=workshop, user=request.user)
    request.session[_session_key(workshop)] = rows
    return redirect("workshops:import_preview", workshop.pk)


@login_required
def import_upload(request, pk):
    workshop = visible_workshop(request, pk)
    upload_form = UploadForm(request.POST or None, request.FILES or None)
    paste_form = PasteForm(request.POST if "text" in request.POST else None)
    if request.method == "POST":
        if "text" in request.POST and paste_form.is_valid():
            request.session[_text_key(workshop)] = paste_form.cleaned_data["text"]
            return _start_preview(request, workshop, lambda: imports.read_text(paste_form.cleaned_data["text"]))
        if "text" not in request.POST and upload_form.is_valid():
            upload = upload_form.cleaned_data["file"]
            if upload.size > settings.IMPORT_MAX_BYTES:
                messages.error(
                    request,
                    _("El archivo supera el tamaño máximo de %(kb)s KB.") % {"kb": settings.IMPORT_MAX_BYTES // 1024},
                )
                return redirect("workshops:import", workshop.pk)
            data = upload.read(settings.IMPORT_MAX_BYTES + 1)
            return _start_preview(request, workshop, lambda: imports.read_upload(data))
    if request.method != "POST" and request.session.get(_text_key(workshop)):
        paste_form = PasteForm(initial={"text": request.session[_text_key(workshop)]})
    return render(
        request,
        "workshops/import_upload.html",
        {"workshop": workshop, "upload_form": upload_form, "paste_form": paste_form, "columns": imports.COLUMNS},
    )


@login_required
def import_preview(request, pk):
    workshop = visible_workshop(request, pk)
    rows = request.session.get(_session_key(workshop))
    if rows is None:
        messages.info(request, _("No hay ninguna importación pendiente para este taller."))
        return redirect("workshops:import", workshop.pk)
    if request.method == "POST":
        if "cancel" in request.POST:
            request.session.pop(_session_key(workshop), None)
            request.session.pop(_text_key(workshop), None)
            messages.info(request, _("Importación cancelada: no se guardó nada."))
            return redirect("workshops:detail", workshop.pk)
        try:
            result = imports.confirm_import(workshop=workshop, rows=rows, user=request.user)
        except (imports.DomainError, services.DomainError) as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:  # data changed since the preview: nothing was saved
            messages.error(request, _("No se guardó nada: %(e)s") % {"e": "; ".join(exc.messages)})
        else:
            request.session.pop(_session_key(workshop), None)
            request.session.pop(_text_key(workshop), None)
            messages.success(
                request,
                _("Importación guardada: %(added)s asistencias nuevas (%(new)s personas nuevas).")
                % {"added": result["added"], "new": result["new"]},
            )
            return redirect("workshops:detail", workshop.pk)
        rows = imports.classify(rows=rows, workshop=workshop, user=request.user)
    return render(
        request,
        "workshops/import_preview.html",
        {"workshop": workshop, "rows": rows, "summary": imports.summary(rows), "columns": imports.COLUMNS},
    )


# --- Participant registry --------------------------------------------------------------------
