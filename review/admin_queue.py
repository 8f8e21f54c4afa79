"""Review in the admin: approve / return actions, the cross-type review queue, transition lists.

Every write goes through review.services (approve, return_for_changes), which checks
that the reviewer is a coordinator of the record's department and records a ReviewTransition.
"""

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.permissions import Action, can
from review.models import ReviewState, reviewable_models
from review.services import approve, return_for_changes, transitions_for


def is_reviewer(user) -> bool:
    return can(user, Action.REVIEW)


def apply_review(request, records, *, action: str, comment: str = "", out_of_reach: int = 0) -> None:
    """Approve or return each record through the review services; report the outcome as messages.

    `out_of_reach`: how many of the selected records the user may not see (they were left out of
    `records` by the scoped query); the message says so instead of pretending nothing was to do."""
    done, already, failed = 0, 0, []
    for record in records:
        try:
            if action == "approve":
                result = approve(record=record, by=request.user, comment=comment)
            else:
                result = return_for_changes(record=record, by=request.user, comment=comment)
        except DomainError as error:
            failed.append(f"{record}: {error.message}")
            continue
        if result is not None:
            done += 1
        else:
            already += 1
    if done:
        text = _("%(n)s registro(s) aprobado(s).") if action == "approve" else _("%(n)s registro(s) devuelto(s).")
        messages.success(request, text % {"n": done})
    for line in failed:
        messages.error(request, line)
    if already:
        messages.info(request, _("%(n)s registro(s) ya estaban aprobados: no había nada que cambiar.") % {"n": already})
    if out_of_reach:
        messages.warning(
            request,
            _(
                "%(n)s registro(s) seleccionados están fuera de su alcance (otra oficina o departamento): "
                "no se modificaron."
            )
            % {"n": out_of_reach},
        )


def selected_count(request) -> int | None:
    """How many records the user ticked on a changelist (None for "select all", which is scoped)."""
    if request.POST.get("select_across") == "1":
        return None
    return len(set(request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)))


def out_of_reach(request, queryset) -> int:
    """Ticked records that the scoped queryset does not hold: other offices' or departments'."""
    ticked = selected_count(request)
    return 0 if ticked is None else max(ticked - queryset.count(), 0)


def record_municipality(record):
    value = record
    for part in record.MUNICIPALITY_FIELD.split("__"):
        value = getattr(value, part, None)
    return value


def render_return_form(request, *, records, hidden, cancel_url, error=""):
    """The intermediate page of 'return with comment': lists the records, asks for the comment."""
    context = {
        **admin.site.each_context(request),
        "title": _("Devolver con observaciones"),
        "records": [
            {
                "record": r,
                "kind_name": r._meta.verbose_name,
                "municipality": record_municipality(r),
                "state": r.get_review_state_display(),
            }
            for r in records
        ],
        "hidden": hidden,
        "cancel_url": cancel_url,
        "error": error,
        "comment": request.POST.get("comment", ""),
    }
    return TemplateResponse(request, "admin/review/return_confirmation.html", context)


class ReviewActionsMixin:
    """Approve / return-with-comment as admin actions on a record type's changelist."""

    actions = ["approve_selected", "return_selected"]

    def has_review_permission(self, request):
        return is_reviewer(request.user)

    @admin.action(description=gettext_lazy("Aprobar los registros seleccionados"), permissions=["review"])
    def approve_selected(self, request, queryset):
        apply_review(request, queryset, action="approve", out_of_reach=out_of_reach(request, queryset))

    @admin.action(description=gettext_lazy("Devolver con observaciones…"), permissions=["review"])
    def return_selected(self, request, queryset):
        hidden = [("action", "return_selected"), ("post", "yes")]
        hidden += [(admin.helpers.ACTION_CHECKBOX_NAME, str(pk)) for pk in queryset.values_list("pk", flat=True)]
        if request.POST.get("post") == "yes":
            comment = request.POST.get("comment", "").strip()
            if comment:
                apply_review(
                    request, queryset, action="return", comment=comment, out_of_reach=out_of_reach(request, queryset)
                )
                return None
            error = _("Indique el motivo de la devolución.")
        else:
            error = ""
        return render_return_form(
            request, records=list(queryset), hidden=hidden, cancel_url=request.get_full_path(), error=error
        )

    @admin.display(description=gettext_lazy("Historial de revisión"))
    def review_transitions(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = list(transitions_for(obj))
        if not rows:
            return _("Sin transiciones todavía.")
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td></tr>",
            (
                (
                    f"{t.at.astimezone():%d/%m/%Y %H:%M}",
                    t.by,
                    t.get_from_state_display(),
                    t.get_to_state_display(),
                    t.comment or "—",
                )
                for t in rows
            ),
        )
        return format_html(
            '<table class="pess-transitions"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>'
            "</thead><tbody>{}</tbody></table>",
            _("Fecha"),
            _("Por"),
            _("Cambio"),
            _("Comentario"),
            body,
        )


# --- The review queue: submitted records of every type, oldest first ---

QUEUE_PAGE_SIZE = 100


def _title_expression(model):
    label = model._meta.label
    if label == "workshops.Workshop":
        return F("title")
    if label == "mobile_windows.MobileWindow":
        return Coalesce("school__name", "site_name")
    if label == "mobile_windows.WindowSession":
        return Coalesce("window__school__name", "window__site_name")
    if label == "municipalities.TableMeeting":
        return F("table__name")
    if label == "municipalities.TechnicalAssistance":
        return F("institution__name")
    return Value(str(model._meta.verbose_name))


def _office_path(model):
    return f"{model.SCOPE_OFFICE}__name"


def queue_queryset(user, kinds=None):
    """One UNION query over every reviewable model: submitted records visible to `user`."""
    parts = []
    for model in reviewable_models():
        if kinds and model._meta.label_lower not in kinds:
            continue
        qs = (
            model.objects.visible_to(user)
            .filter(review_state=ReviewState.SUBMITTED)
            .annotate(
                q_kind=Value(model._meta.label_lower, output_field=CharField()),
                q_pk=F("pk"),
                q_title=Coalesce(_title_expression(model), Value(""), output_field=CharField()),
                q_municipality=F(f"{model.MUNICIPALITY_FIELD}__name"),
                q_office=F(_office_path(model)),
                q_date=F(model.PERIOD_DATE_FIELD),
                q_submitted=Coalesce("submitted_at", "created_at"),
                q_by=Coalesce(
                    NullIf(Trim(Concat("created_by__first_name", Value(" "), "created_by__last_name")), Value("")),
                    F("created_by__username"),
                    Value(""),
                    output_field=CharField(),
                ),
            )
            .order_by()
            .values("q_kind", "q_pk", "q_title", "q_municipality", "q_office", "q_date", "q_submitted", "q_by")
        )
        parts.append(qs)
    if not parts:
        return None
    first, *rest = parts
    union = first.union(*rest, all=True) if rest else first
    return union.order_by("q_submitted", "q_pk")


def _models_by_label():
    return {m._meta.label_lower: m for m in reviewable_models()}


def selected_records(user, values):
    """Records named by 'app_label.model:pk' values, through the user's scope (others are ignored)."""
    by_label = _models_by_label()
    wanted = {}
    for value in values:
        label, _sep, pk = value.partition(":")
        if label in by_label and pk.isdigit():
            wanted.setdefault(label, []).append(int(pk))
    records = []
    for label, pks in wanted.items():
        records += list(by_label[label].objects.visible_to(user).filter(pk__in=pks))
    return records


def review_queue_view(model_admin, request):
    """GET: the queue; POST: approve the selection, or return it after a comment page."""
    user = request.user
    url = reverse("admin:review_review_queue")
    if request.method == "POST":
        if not is_reviewer(user):
            messages.error(request, _("Solo la coordinación departamental puede revisar."))
            return HttpResponseRedirect(url)
        values = request.POST.getlist("selected")
        records = selected_records(user, values)
        hidden_count = max(len(set(values)) - len(records), 0)
        action = request.POST.get("action")
        if not records:
            if hidden_count:
                apply_review(request, [], action="approve", out_of_reach=hidden_count)
            else:
                messages.warning(request, _("Seleccione al menos un registro."))
            return HttpResponseRedirect(url)
        if action == "approve":
            apply_review(request, records, action="approve", out_of_reach=hidden_count)
            return HttpResponseRedirect(url)
        if action == "return":
            comment = request.POST.get("comment", "").strip()
            if request.POST.get("post") == "yes" and comment:
                apply_review(request, records, action="return", comment=comment, out_of_reach=hidden_count)
                return HttpResponseRedirect(url)
            hidden = [("action", "return"), ("post", "yes")] + [("selected", v) for v in values]
            error = _("Indique el motivo de la devolución.") if request.POST.get("post") == "yes" else ""
            return render_return_form(request, records=records, hidden=hidden, cancel_url=url, error=error)
        messages.warning(request, _("Elija una acción."))
        return HttpResponseRedirect(url)

    by_label = _models_by_label()
    kind = request.GET.get("tipo", "")
    queryset = queue_queryset(user, kinds=[kind] if kind in by_label else None)
    page = Paginator(queryset, QUEUE_PAGE_SIZE).get_page(request.GET.get("p"))
    rows = []
    for row in page.object_list:
        model = by_label[row["q_kind"]]
        rows.append(
            {
                **row,
                "value": f"{row['q_kind']}:{row['q_pk']}",
                "kind_name": model._meta.verbose_name,
                "url": reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row["q_pk"]]),
            }
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Cola de revisión"),
        "rows": rows,
        "page": page,
        "kinds": [(label, m._meta.verbose_name_plural) for label, m in by_label.items()],
        "kind": kind,
        "can_review": is_reviewer(user),
        "opts": model_admin.model._meta,
        "is_nav_sidebar_enabled": False,
    }
    return TemplateResponse(request, "admin/review/review_queue.html", context)
