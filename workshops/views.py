"""Pages for territorial staff: my workshops, workshop form, attendance, sign-in sheet, import,
participant registry. Every object is looked up through `visible_to(request.user)` (404 outside
the user's scope) and every write goes through `workshops.services` / `workshops.imports`."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.permissions import Action, can, lands_on_field_pages
from core.records import RecordFormView
from core.scoping import scopes_disabled
from core.validators import normalize_dui
from review import services as review
from review.views import submit_view
from workshops import imports, people, services
from workshops.forms import ListFilterForm, NewParticipantForm, WorkshopForm
from workshops.models import Attendance, Participant, Workshop

LOCKED_MESSAGE = gettext_lazy("Este taller ya fue aprobado o su mes está cerrado: no se puede modificar.")


def visible_workshop(request, pk):
    qs = Workshop.objects.visible_to(request.user).select_related("municipality", "office", "thematic_table")
    return get_object_or_404(qs, pk=pk)


def _forbidden(request, message):
    html = render_to_string("workshops/forbidden.html", {"message": message}, request=request)
    return HttpResponseForbidden(html)


# --- My workshops ----------------------------------------------------------------------------


@login_required
def start(request):
    """Where login lands (LOGIN_REDIRECT_URL): staff go to their workshops, others to the dashboard."""
    return redirect("workshops:list" if lands_on_field_pages(request.user) else "home")


@login_required
def workshop_list(request):
    form = ListFilterForm(request.GET or None, user=request.user)
    qs = (
        Workshop.objects.visible_to(request.user)
        .select_related("municipality", "thematic_table")
        .with_attendance_totals()
        .order_by("-start_date", "-pk")
    )
    if form.is_valid():
        data = form.cleaned_data
        today = timezone.localdate()
        if data["q"]:
            qs = qs.filter(title__icontains=data["q"])
        if data["municipality"]:
            qs = qs.filter(municipality=data["municipality"])
        if data["month"]:
            qs = qs.filter(start_date__year=data["month"][0], start_date__month=data["month"][1])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["table"]:
            qs = qs.filter(thematic_table=data["table"])
        if data["view"] == "upcoming":
            qs = qs.filter(start_date__gte=today).order_by("start_date", "pk")
        elif data["view"] == "recent":
            qs = qs.filter(start_date__lt=today, start_date__gte=today - datetime.timedelta(days=60))
        elif data["view"] == "no_attendance":
            qs = qs.filter(start_date__lte=today).without_attendance()
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "workshops/workshop_list.html",
        {
            "form": form,
            "page": page,
            "can_create": _can_create(request.user),
            "own_workshops": lands_on_field_pages(request.user),
        },
    )


def _can_create(user) -> bool:
    return can(user, Action.CREATE)


class WorkshopFormView(RecordFormView):
    """Create or edit a workshop; a probable duplicate (same title, day and municipality in the
    office) is shown and saved only once the user ticks `confirm_duplicate`."""

    model = Workshop
    form_class = WorkshopForm
    template_name = "workshops/workshop_form.html"
    context_object_name = "workshop"
    select_related = ("municipality", "office", "thematic_table")
    date_field = None
    saved_message = gettext_lazy("Taller guardado.")

    def refused(self):
        if self.object is None:
            return _forbidden(self.request, _("Solo el personal de una oficina territorial puede crear talleres."))
        return _forbidden(self.request, LOCKED_MESSAGE)

    def save(self, form, record):
        not_duplicate = form.cleaned_data["confirm_duplicate"]
        return services.save_workshop(workshop=form.instance, by=self.request.user, not_duplicate=not_duplicate)

    def get_context_data(self, **context) -> dict:
        duplicates = self.error.candidates if self.error is not None else []
        return super().get_context_data(duplicates=duplicates, **context)


workshop_create = workshop_edit = WorkshopFormView.as_view()


# --- Attendance page -------------------------------------------------------------------------


def _urls(workshop):
    return {
        "add_url": reverse("workshops:attendance_add", args=[workshop.pk]),
        "new_url": reverse("workshops:attendance_new", args=[workshop.pk]),
        "remove_url": reverse("workshops:attendance_remove", args=[workshop.pk]),
        "undo_url": reverse("workshops:attendance_undo", args=[workshop.pk]),
        "undo_seconds": services.UNDO_SECONDS,
    }


def _attendance_context(request, workshop, **extra):
    attendees = (
        Attendance.objects.filter(workshop=workshop)
        .select_related("participant__institution")
        .order_by("-registered_at", "-pk")
    )
    context = {
        "workshop": workshop,
        "attendees": attendees,
        "totals": services.attendance_totals(workshop),
        "editable": review.can_edit(workshop, request.user),
        # Offline attendance (issue 15): whoever records attendance may carry it and sees its queue.
        "offline_capable": _can_create(request.user),
        "new_form": NewParticipantForm(),
        **_urls(workshop),
    }
    context.update(extra)
    return context


def _update(request, workshop, *, added=None, removed_id=None, reset_new=False, **extra):
    """htmx answer to an attendance action: only what changed (totals, the new or removed row,
    the new-person form) as out-of-band swaps, so its cost does not grow with the attendee list."""
    context = {
        "workshop": workshop,
        "totals": services.attendance_totals(workshop),
        "editable": True,
        "new_form": NewParticipantForm(),
        "added": added,
        "removed_id": removed_id,
        "reset_new": reset_new,
        **_urls(workshop),
        **extra,
    }
    return render(request, "workshops/_attendance_update.html", context)


@login_required
def workshop_detail(request, pk):
    workshop = visible_workshop(request, pk)
    q = request.GET.get("q", "")
    results = people.search_participants(user=request.user, text=q) if q else []
    return render(
        request,
        "workshops/workshop_detail.html",
        _attendance_context(
            request, workshop, q=q, results=results, searched=bool(q), undo=_undo_pending(request, workshop)
        ),
    )


def _undo_pending(request, workshop) -> bool:
    """After a removal without htmx (?deshacer=1): offer "Deshacer" while it is still possible."""
    removal = request.session.get(UNDO_SESSION_KEY) if request.GET.get("deshacer") else None
    return bool(removal and removal.get("workshop_id") == workshop.pk)


@login_required
def attendance_search(request, pk):
    workshop = visible_workshop(request, pk)
    q = request.GET.get("q", "")
    results = people.search_participants(user=request.user, text=q) if q.strip() else []
    attending = set(
        Attendance.objects.filter(workshop=workshop, participant__in=[p.pk for p in results]).values_list(
            "participant_id", flat=True
        )
    )
    return render(
        request,
        "workshops/_search_results.html",
        {"workshop": workshop, "results": results, "q": q, "searched": bool(q.strip()), "attending": attending},
    )


def _participant_for_adding(request):
    """A participant the user may see, or another office's person named by pk AND exact DUI."""
    pk = request.POST.get("participant")
    if not str(pk).isdigit():
        return None
    found = Participant.objects.visible_to(request.user).filter(pk=pk).first()
    if found is None:
        dui = normalize_dui(request.POST.get("dui", ""))
        if dui:
            with scopes_disabled():  # another office's person, reached only with their exact DUI
                found = Participant.objects.filter(pk=pk, dui=dui).first()
    return found


@login_required
@require_POST
def attendance_add(request, pk):
    workshop = visible_workshop(request, pk)
    participant = _participant_for_adding(request)
    added = None
    if participant is None:
        messages.error(request, _("No se encontró a esa persona."))
    else:
        try:
            attendance, created = services.record_attendance(
                workshop=workshop, participant=participant, by=request.user
            )
        except services.DomainError as exc:
            messages.error(request, exc.message)
        else:
            if created:
                added = attendance
                messages.success(request, _("%(name)s agregada/o a la asistencia.") % {"name": participant})
            else:
                messages.info(request, _("%(name)s ya estaba en la asistencia.") % {"name": participant})
    if request.htmx:
        return _update(request, workshop, added=added, reset_new=bool(request.POST.get("reset_new")))
    return redirect("workshops:detail", workshop.pk)


@login_required
@require_POST
def attendance_new(request, pk):
    workshop = visible_workshop(request, pk)
    form = NewParticipantForm(request.POST)
    candidates = []
    if form.is_valid():
        d = form.cleaned_data
        data = people.ParticipantData.from_form(d)
        try:
            participant, attendance = people.register_and_attend(
                workshop=workshop, data=data, by=request.user, not_duplicate=d["not_duplicate"]
            )
        except services.DomainError as exc:
            if exc.code == "possible_duplicate":
                candidates = exc.candidates
            else:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(name)s registrada/o y agregada/o a la asistencia.") % {"name": participant})
            if request.htmx:
                return _update(request, workshop, added=attendance, reset_new=True)
            return redirect("workshops:detail", workshop.pk)
    own_office = set(
        Participant.objects.visible_to(request.user)
        .filter(pk__in=[c.pk for c in candidates])
        .values_list("pk", flat=True)
    )
    for candidate in candidates:
        candidate.other_office = candidate.pk not in own_office
    status = 200 if candidates else 422
    if request.htmx:
        return _update(request, workshop, reset_new=True, new_form=form, candidates=candidates)
    return render(
        request,
        "workshops/workshop_detail.html",
        _attendance_context(request, workshop, new_form=form, candidates=candidates),
        status=status,
    )


@login_required
@require_POST
def attendance_remove(request, pk):
    workshop = visible_workshop(request, pk)
    participant_id = request.POST.get("participant", "")
    removed_id = None
    try:
        removal = None
        if participant_id.isdigit():
            removal = services.remove_attendance_for_undo(
                workshop=workshop, participant_id=int(participant_id), by=request.user
            )
        if removal is not None:
            removed_id = removal.participant_id
            request.session[UNDO_SESSION_KEY] = removal.as_dict()
            messages.success(request, _("Asistente quitado de la lista."))
    except services.DomainError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        return _update(request, workshop, removed_id=removed_id, undo=removed_id is not None)
    if removed_id is not None:
        return redirect(f"{reverse('workshops:detail', args=[workshop.pk])}?deshacer=1#attendance-summary")
    return redirect("workshops:detail", workshop.pk)


UNDO_SESSION_KEY = "pess_attendance_undo"


@login_required
@require_POST
def attendance_undo(request, pk):
    """ "Deshacer" after "Quitar": puts the attendance back, within services.UNDO_SECONDS."""
    workshop = visible_workshop(request, pk)
    removal = request.session.get(UNDO_SESSION_KEY)
    restored = None
    if not removal:
        messages.error(request, _("No hay nada que deshacer."))
    else:
        try:
            restored = services.undo_removal(workshop=workshop, removal=removal, by=request.user)
        except services.DomainError as exc:
            messages.error(request, exc.message)
        else:
            request.session.pop(UNDO_SESSION_KEY, None)
            messages.success(request, _("Listo: la persona vuelve a la lista de asistentes."))
    if request.htmx:
        return _update(request, workshop, added=restored)
    return redirect("workshops:detail", workshop.pk)


@login_required
@require_POST
def workshop_mark_held(request, pk):
    workshop = visible_workshop(request, pk)
    try:
        services.mark_held(workshop=workshop, by=request.user)
        messages.success(request, _("Taller marcado como realizado."))
    except services.DomainError as exc:
        messages.error(request, exc.message)
    return redirect("workshops:detail", workshop.pk)


workshop_submit = submit_view(Workshop, done_message=gettext_lazy("Taller enviado a revisión."))


# --- Paper: sign-in sheet and import ---------------------------------------------------------


@login_required
def sign_in_sheet(request, pk):
    workshop = visible_workshop(request, pk)
    count = request.GET.get("filas", "")
    count = min(int(count), 100) if count.isdigit() and int(count) > 0 else 30
    return render(
        request,
        "workshops/sign_in_sheet.html",
        {"workshop": workshop, "columns": [label for _key, label in imports.COLUMNS], "rows": range(1, count + 1)},
    )
