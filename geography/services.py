"""Geography rules shared by the field-record services: which office a record belongs to, and
which municipalities a user may record work in."""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.permissions import in_scope
from core.scoping import scopes_disabled
from geography.models import TerritorialOffice


def office_for(user, municipality) -> TerritorialOffice:
    """The office a new record belongs to: the user's own, or (for administrators) the department's."""
    if user.office_id is not None and user.office.department_id == municipality.department_id:
        return user.office
    with scopes_disabled():  # the department's office, whoever asks (administrators have no office)
        office = TerritorialOffice.objects.filter(department_id=municipality.department_id).order_by("pk").first()
    if office is None:
        raise DomainError("no_office", _("El departamento del municipio no tiene oficina territorial."))
    return office


def office_fields(user, record, municipality) -> dict:
    """{"office": ...} when `record` (new, or moving to another municipality) needs its office set."""
    if record.pk is not None and record.municipality_id == municipality.pk:
        return {}
    return {"office": office_for(user, municipality)}


def check_municipality_in_scope(user, municipality, field: str = "municipality") -> None:
    """Staff may only pick municipalities of their office's department."""
    if not in_scope(user, municipality):
        raise DomainError(
            "municipality_out_of_scope",
            _("El municipio no pertenece al departamento de su oficina."),
            field=field,
        )
