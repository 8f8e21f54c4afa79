"""One way to write a field record from a page: form → service → domain error → message → redirect.

`RecordFormView` is the create/update view every field record uses. A record type supplies
its model, form, template and a `save(form, record)` that calls its service; the view does the
rest the same way everywhere: the scoped lookup, the permission check (core.permissions), the
domain error shown on its field with the user's input kept, the success message, and the
redirect (or, for htmx requests, an HX-Redirect header so the page does a real navigation).
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from core.errors import DomainError
from core.permissions import Action, can


def apply_error(form, error: DomainError) -> None:
    """Show a domain error on the form field it concerns (or above the form), keeping the input."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def page_of(request, queryset, per_page: int = 50):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def redirect_to(request, url):
    """A redirect that htmx follows as a full navigation."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class RecordFormView(LoginRequiredMixin, View):
    """Create (no `pk` in the URL) or update (`pk`) one record."""

    model = None
    form_class = None
    template_name = ""
    context_object_name = "record"
    select_related: tuple = ()
    list_url = ""  # where a refused create goes back to
    date_field: str | None = "date"  # a new record starts dated today
    query_initial: dict = {}  # {form field: GET parameter} to preselect, e.g. {"municipality": "municipio"}
    denied_message = _("No puede modificar este registro.")
    create_denied_message = None  # a refused create, when it says something else than denied_message
    saved_message = _("Registro guardado.")
    created_message = None  # a saved create, when it says something else than saved_message

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user).select_related(*self.select_related)

    def get_object(self):
        pk = self.kwargs.get("pk")
        return None if pk is None else get_object_or_404(self.get_queryset(), pk=pk)

    def get_initial(self) -> dict:
        if self.object is not None:
            return {}
        initial = {self.date_field: timezone.localdate()} if self.date_field else {}
        for field, param in self.query_initial.items():
            value = self.request.GET.get(param, "")
            if value.isdigit():
                initial[field] = value
        return initial

    def get_form_kwargs(self) -> dict:
        return {"instance": self.object, "initial": self.get_initial(), "user": self.request.user}

    def get_form(self):
        return self.form_class(self.request.POST or None, **self.get_form_kwargs())

    def save(self, form, record):
        """Call the record's service; return the saved record. Raise DomainError to refuse."""
        raise NotImplementedError

    def get_context_data(self, **context) -> dict:
        return {self.context_object_name: self.object, **context}

    def allowed(self) -> bool:
        user = self.request.user
        if self.object is None:
            return can(user, Action.CREATE)
        return can(user, Action.EDIT, self.object)

    def refused_url(self) -> str:
        """Where a refused user goes: the record, or the list for a refused create."""
        return self.object.get_absolute_url() if self.object is not None else self.list_url

    def refused(self):
        creating = self.object is None and self.create_denied_message is not None
        messages.error(self.request, self.create_denied_message if creating else self.denied_message)
        return redirect(self.refused_url())

    def success_message(self, saved) -> str:
        created = self.object is None and self.created_message is not None
        return self.created_message if created else self.saved_message

    def success_url(self, saved) -> str:
        return saved.get_absolute_url()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if not self.allowed():
            return self.refused()
        form = self.get_form()
        self.error = None  # the DomainError of a refused save, for get_context_data
        if request.method == "POST" and form.is_valid():
            try:
                saved = self.save(form, self.object)
            except DomainError as exc:
                self.error = exc
                apply_error(form, exc)
            else:
                messages.success(request, self.success_message(saved))
                return redirect_to(request, self.success_url(saved))
        return render(request, self.template_name, self.get_context_data(form=form))
