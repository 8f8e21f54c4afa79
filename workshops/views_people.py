"""The participant registry: list, one person's attendance history, merging duplicates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.permissions import Action, can
from core.privacy import role_may_see_personal_data
from workshops import people, services
from workshops.models import Attendance, Participant, Workshop


@login_required
def participant_list(request):
    q = request.GET.get("q", "").strip()
    qs = Participant.objects.visible_to(request.user).select_related("institution", "office")
    personal = role_may_see_personal_data(request.user)
    if q:
        qs = qs.search_for(request.user, q)
    # Without personal data, no alphabetical order either (it would hint at the names).
    qs = qs.with_attendance_count().order_by(*(("search_name", "pk") if personal else ("pk",)))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "workshops/participant_list.html", {"page": page, "q": q, "personal": personal})


@login_required
def participant_detail(request, pk):
    participant = get_object_or_404(
        Participant.objects.visible_to(request.user).select_related("institution", "office", "municipality"), pk=pk
    )
    history = (
        Attendance.objects.filter(participant=participant)
        .select_related("workshop__municipality")
        .order_by("-workshop__start_date")
    )
    visible_workshops = set(
        Workshop.objects.visible_to(request.user)
        .filter(pk__in=[a.workshop_id for a in history])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "workshops/participant_detail.html",
        {
            "participant": participant,
            "history": history,
            "visible_workshops": visible_workshops,
            "can_merge": can(request.user, Action.MERGE_PEOPLE),
        },
    )


@login_required
def participant_merge(request, pk):
    visible = Participant.objects.visible_to(request.user).select_related("institution")
    keep = get_object_or_404(visible, pk=pk)
    if not can(request.user, Action.MERGE_PEOPLE):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()
    # Only people the user may see can be merged: the plain search, without the cross-office DUI rule.
    candidates = list(visible.search(q).exclude(pk=keep.pk)[: people.MAX_SUGGESTIONS]) if q else []
    other = None
    other_pk = request.POST.get("other") or request.GET.get("other")
    if other_pk and str(other_pk).isdigit():
        other = get_object_or_404(visible, pk=other_pk)
    if request.method == "POST" and other is not None:
        try:
            people.merge_participants(keep=keep, remove=other, by=request.user)
        except services.DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Registros unidos: las asistencias pasaron a %(name)s.") % {"name": keep})
            return redirect("workshops:participant_detail", keep.pk)
    counts = {}
    if other is not None:
        counts = dict(
            Attendance.objects.filter(participant__in=[keep, other])
            .values_list("participant_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    return render(
        request,
        "workshops/participant_merge.html",
        {"keep": keep, "other": other, "q": q, "candidates": candidates, "counts": counts},
    )
