"""Shared pieces of the staff pages for field records (municipalities and mobile_windows apps).

Domain errors with a stable code, the office a new record belongs to, and who may write.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from municipalities.models import TerritorialOffice
from pess_tracker.review import can_edit
from pess_tracker.roles import Role


class RecordError(Exception):
    """A write that the domain refuses; `code` is stable, `message` is for people, `field` for forms."""

    def __init__(self, code: str, message: str = "", field: str | None = None):
        self.code = code
        self.message = message or code
        self.field = field
        super().__init__(str(self.message))


def full_clean_or_raise(obj, exclude=None) -> None:
    """Run the model's validation; its first message becomes a RecordError on that field."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise RecordError("invalid", messages[0], field=None if field == "__all__" else field) from exc


def check_editable(record, by) -> None:
    if not can_edit(record, by):
        raise RecordError("locked", _("El registro está aprobado o su mes está cerrado: ya no se puede modificar."))


def can_write(user) -> bool:
    """Staff, coordinators and administrators record field work; managers only read."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return True
    return user.role in (Role.STAFF, Role.COORDINATOR) and user.office_id is not None


def check_can_write(user) -> None:
    if not can_write(user):
        raise RecordError("not_allowed", _("Su perfil no permite registrar ni modificar datos."))


def office_for(user, municipality) -> TerritorialOffice:
    """The office a new record belongs to: the user's own, or (for administrators) the department's."""
    if user.office_id is not None and user.office.department_id == municipality.department_id:
        return user.office
    office = TerritorialOffice.objects.filter(department_id=municipality.department_id).order_by("pk").first()
    if office is None:
        raise RecordError("no_office", _("El departamento del municipio no tiene oficina territorial."))
    return office


def check_municipality_in_scope(user, municipality, field: str = "municipality") -> None:
    """Staff may only pick municipalities of their office's department."""
    from municipalities.models import Municipality

    if not Municipality.objects.visible_to(user).filter(pk=municipality.pk).exists():
        raise RecordError(
            "municipality_out_of_scope",
            _("El municipio no pertenece al departamento de su oficina."),
            field=field,
        )


def apply_error(form, error: RecordError) -> None:
    """Show a domain error on the form field it concerns (or above the form), keeping the input."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def submit_for_review(request, record):
    """POST action shared by every record page: send the record to review and come back."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from pess_tracker.review import ReviewError, submit

    try:
        transition = submit(record=record, by=request.user)
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        if transition is not None:
            messages.success(request, _("Registro enviado a revisión."))
    return redirect(record.get_absolute_url())


def page_of(request, queryset, per_page: int = 50):
    from django.core.paginator import Paginator

    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
