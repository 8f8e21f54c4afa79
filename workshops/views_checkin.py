"""QR self check-in pages (workshops.checkin).

Staff (who may edit the workshop): "Registro por QR" shows the QR code of the signed link, opens
and closes it; on the attendance page they confirm, merge or reject each entry "por confirmar".
Public (no login, only through a valid link): the participant's form and the thank-you page,
which show the workshop's title and date and nothing else — no names, no list, no count.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.events import client_ip
from core.privacy import PRIVACY_NOTICE
from review import services as review
from workshops import checkin, people
from workshops.forms import CheckInForm
from workshops.views import LOCKED_MESSAGE, _forbidden, _update, visible_workshop

# --- Staff: the QR page ------------------------------------------------------------------------


@login_required
def checkin_qr(request, pk):
    workshop = visible_workshop(request, pk)
    if not review.can_edit(workshop, request.user):
        return _forbidden(request, LOCKED_MESSAGE)
    link = checkin.link_for(workshop)
    is_open = bool(link and link.is_open)
    url = qr_svg = None
    if is_open:
        url = request.build_absolute_uri(reverse("workshops:checkin_form", args=[checkin.make_token(link)]))
        qr_svg = segno.make(url, error="m").svg_inline(scale=6, dark="#222", omitsize=False)
    return render(
        request,
        "workshops/checkin_qr.html",
        {
            "workshop": workshop,
            "is_open": is_open,
            "url": url,
            "qr_svg": qr_svg,
            "days": checkin.workshop_days(workshop),
            "is_day": checkin.is_workshop_day(workshop),
            "is_past": not checkin.is_workshop_day(workshop) and workshop.start_date < timezone.localdate(),
            "pending": checkin.pending_count(workshop),
        },
    )


@login_required
@require_POST
def checkin_open(request, pk):
    workshop = visible_workshop(request, pk)
    try:
        checkin.open_link(workshop=workshop, by=request.user)
        messages.success(request, _("Registro por QR abierto: muestre el código a las personas participantes."))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("workshops:detail", workshop.pk)
    return redirect("workshops:checkin_qr", workshop.pk)


@login_required
@require_POST
def checkin_close(request, pk):
    workshop = visible_workshop(request, pk)
    try:
        if checkin.close_link(workshop=workshop, by=request.user):
            messages.success(request, _("Registro por QR cerrado: el enlace y el código ya no funcionan."))
    except DomainError as exc:
        messages.error(request, exc.message)
    if review.can_edit(workshop, request.user):
        return redirect("workshops:checkin_qr", workshop.pk)
    return redirect("workshops:detail", workshop.pk)


# --- Staff: entries "por confirmar" on the attendance page -------------------------------------


def _resolved(request, workshop, action, **kwargs):
    """Run one resolution (confirm, merge, reject) and answer like the attendance page's actions:
    htmx gets only what changed (totals, the new row, the pending list), a plain post a redirect."""
    added = None
    try:
        entry, changed = action(workshop=workshop, by=request.user, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if not changed:
            messages.info(request, _("Este registro ya estaba resuelto: no se cambió nada."))
        elif entry.status == "rejected":
            messages.success(request, _("Registro rechazado: no cuenta como asistencia."))
        else:
            added = entry.attendance
            messages.success(request, _("%(name)s agregada/o a la asistencia.") % {"name": entry.participant.full_name})
    if request.htmx:
        response = _update(request, workshop, added=added)
        context = {**checkin.pending_context(workshop=workshop, user=request.user), "oob": True}
        pending = render(request, "workshops/_checkin_pending.html", context)
        response.content += pending.content
        return response
    return redirect(f"{reverse('workshops:detail', args=[workshop.pk])}#por-confirmar")


def _entry_id(value) -> int:
    return int(value) if str(value).isdigit() else 0


@login_required
@require_POST
def checkin_confirm(request, pk, entry):
    workshop = visible_workshop(request, pk)
    return _resolved(request, workshop, checkin.confirm_entry, entry_id=_entry_id(entry))


@login_required
@require_POST
def checkin_merge(request, pk, entry):
    workshop = visible_workshop(request, pk)
    chosen = request.POST.get("participant")
    return _resolved(request, workshop, checkin.merge_entry, entry_id=_entry_id(entry), participant_id=chosen)


@login_required
@require_POST
def checkin_reject(request, pk, entry):
    workshop = visible_workshop(request, pk)
    return _resolved(request, workshop, checkin.reject_entry, entry_id=_entry_id(entry))


# --- Public: the participant's form ------------------------------------------------------------


def _refused(request, exc: checkin.LinkRefused):
    return render(request, "workshops/checkin_refused.html", {"message": exc.message}, status=exc.status)


def _device_id(request) -> str | None:
    try:
        value = request.get_signed_cookie(checkin.DEVICE_COOKIE, salt=checkin.DEVICE_SALT)
    except (KeyError, signing.BadSignature):
        return None
    return value if 10 <= len(value) <= 64 else None


def _with_device_cookie(request, response, device_id):
    if _device_id(request) != device_id:
        response.set_signed_cookie(
            checkin.DEVICE_COOKIE,
            device_id,
            salt=checkin.DEVICE_SALT,
            max_age=60 * 60 * 24 * 30,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


@never_cache
def checkin_form(request, token):
    try:
        link = checkin.usable_link(token)
    except checkin.LinkRefused as exc:
        return _refused(request, exc)
    device_id = _device_id(request)
    form = CheckInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if device_id is None:
            # No device cookie: the form was not opened from the link on this phone (or cookies
            # are off). Nothing is stored; the form comes back with the cookie set.
            device_id = checkin.new_device_id()
            form.add_error(None, _("Por seguridad, envíe el formulario otra vez."))
            status = 400
        elif form.is_valid():
            d = form.cleaned_data
            data = people.ParticipantData.from_form(d)
            try:
                checkin.submit_entry(token=token, data=data, device_id=device_id, address=client_ip(request) or "")
            except checkin.LinkRefused as exc:
                return _refused(request, exc)
            except DomainError as exc:
                if exc.code != "throttled":
                    raise
                return render(request, "workshops/checkin_refused.html", {"message": exc.message}, status=429)
            return redirect("workshops:checkin_thanks", token)
        else:
            status = 422
    device_id = device_id or checkin.new_device_id()
    response = render(
        request,
        "workshops/checkin_form.html",
        {"workshop": link.workshop, "form": form, "notice": PRIVACY_NOTICE},
        status=status,
    )
    return _with_device_cookie(request, response, device_id)


@never_cache
def checkin_thanks(request, token):
    try:
        link = checkin.usable_link(token, signature_only=True)
    except checkin.LinkRefused as exc:
        return _refused(request, exc)
    return render(request, "workshops/checkin_thanks.html", {"workshop": link.workshop})
