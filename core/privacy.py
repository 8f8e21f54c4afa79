"""Field-level rules for personal data: who may see a participant's DUI and contact details.

Pages and exports must use these instead of showing `participant.dui` / `participant.contact`
directly:

    from core.privacy import can_see_personal_data, shown_dui, shown_name
    if can_see_personal_data(request.user, participant): ...

    {% load privacy %}
    {% person_name participant %} {% person_dui participant %}

Those who may not see personal data (managers) see the pseudonymous code (`pseudonym_code`,
the same code the raw exports carry) instead of the name, and no DUI, phone or e-mail at all —
on pages, in search (only by code), in the admin (`core.admin_scoping.PersonalDataAdminMixin`)
and in exports (`reports.raw`). `Participant.__str__` uses `person_label`, so every place that
prints a person without a user at hand (admin, history, messages) follows the same rule.

Rule: only the people who register and review a participant need to reach them — territorial
staff of the participant's office, coordinators of its department, and administrators.
Managers (national figures, comparisons, exports of counts) see aggregates, not DUIs or phones.
The check is done in Python on already loaded fields (no query), so it is safe in list rows as
long as the queryset was scoped with `visible_to(user)` and selects `office` (for coordinators).
"""

import hashlib

from django.utils.translation import gettext_lazy as _

from core.permissions import may_see_personal_data
from core.scoping import ScopeError, current_scope, loaded_in_scope

MASK = "•"


def role_may_see_personal_data(user) -> bool:
    """The role rule (core.permissions): staff and coordinators of an office, and administrators; never managers."""
    return may_see_personal_data(user)


def can_see_personal_data(user, participant) -> bool:
    """Whether `user` may see `participant`'s DUI and contact details: the role rule, and the
    participant in the user's scope (their office for staff, their department for coordinators)."""
    if participant is None or not role_may_see_personal_data(user):
        return False
    return loaded_in_scope(user, participant)


def masked(value) -> str:
    """`value` with all but its last two characters hidden ("" stays "")."""
    text = str(value or "")
    if not text:
        return ""
    return MASK * max(len(text) - 2, 1) + text[-2:] if len(text) > 2 else MASK * len(text)


# --- The pseudonymous code: the one way a person is shown to those who may not see who they are.

PERSONAL_FIELDS = ("first_names", "last_names", "search_name", "dui", "phone", "email")


def pseudonym_salt() -> str:
    from django.conf import settings

    return hashlib.sha256(f"pess-reports-pseudonym:{settings.SECRET_KEY}".encode()).hexdigest()[:32]


def pseudonym_code(pk) -> str:
    """The participant's code, in Python: the same value as `pseudonym_expression` gives in SQL."""
    digest = hashlib.md5(f"{pseudonym_salt()}{pk}".encode(), usedforsecurity=False).hexdigest()
    return f"P-{digest[:12]}"


def pseudonym_expression(path: str = "pk"):
    """The participant's code as a database expression (exports, code search)."""
    from django.db.models import CharField, F, Value
    from django.db.models.functions import MD5, Cast, Concat, Left

    return Concat(
        Value("P-"),
        Left(MD5(Concat(Value(pseudonym_salt()), Cast(F(path), CharField()), output_field=CharField())), 12),
        output_field=CharField(),
    )


def viewer_may_see_personal_data() -> bool:
    """The role rule for whoever the current request acts for (core.scoping's active scope).

    Used where no user is at hand (`Participant.__str__`, so the admin, history pages, messages
    and autocompletes). Management commands and tests run with scopes disabled: they see data.
    Outside any scope nothing personal is shown (fails closed)."""
    try:
        user = current_scope()
    except ScopeError:
        return False
    return user is None or role_may_see_personal_data(user)


def person_label(participant) -> str:
    """How a person is named on screen: the full name, or the pseudonymous code for those
    (managers) who may not see personal data."""
    if viewer_may_see_personal_data():
        return participant.full_name
    return pseudonym_code(participant.pk)


def shown_name(user, participant) -> str:
    """The full name when `user`'s role may see personal data, else the pseudonymous code.

    Names follow the role rule alone (no query): whoever may see them only ever loads people
    of their scope, or another office's person they found by exact DUI to add to a workshop."""
    if role_may_see_personal_data(user):
        return participant.full_name
    return pseudonym_code(participant.pk)


def shown_dui(user, participant) -> str:
    """The DUI when `user` may see it, else nothing ("" — not even masked)."""
    if can_see_personal_data(user, participant):
        return participant.dui or ""
    return ""


# --- The privacy notice people read before they give their own data (QR self check-in) ---

PRIVACY_NOTICE = _(
    "Aviso de privacidad: el ISDEMU usa sus datos (nombre, sexo, grupo de edad, institución y, si lo da, "
    "su DUI) solo para registrar su asistencia a este taller y para estadísticas del Plan El Salvador "
    "Seguro que no le identifican. Solo el personal del ISDEMU que organiza el taller y su coordinación "
    "los ven; no se publican ni se comparten. Puede pedir a la oficina departamental del ISDEMU que los "
    "corrija o los elimine."
)
