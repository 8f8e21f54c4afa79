"""The one "Enviar a revisión" action every record page uses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from review.services import submit

SUBMITTED = _("Registro enviado a revisión.")


def submit_for_review(request, record, done_message=SUBMITTED):
    """Send `record` to review and come back to its page with a message."""
    try:
        transition = submit(record=record, by=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if transition is not None:
            messages.success(request, done_message)
    return redirect(record.get_absolute_url())


def submit_view(model, done_message=SUBMITTED):
    """A POST-only view that submits one visible record of `model` (URL keyword `pk`)."""

    @login_required
    @require_POST
    def view(request, pk):
        record = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
        return submit_for_review(request, record, done_message)

    return view
