"""Field-level rules for personal data: who may see a participant's DUI and contact details.

Pages and exports must use these instead of showing `participant.dui` / `participant.contact`
directly:

    from core.privacy import can_see_personal_data, shown_dui
    if can_see_personal_data(request.user, participant): ...

    {% load privacy %}
    {% if user|can_see_personal_data:participant %}{{ participant.dui }}
    {% else %}{{ participant.dui|masked }}{% endif %}

Rule: only the people who register and review a participant need to reach them — territorial
staff of the participant's office, coordinators of its department, and administrators.
Managers (national figures, comparisons, exports of counts) see aggregates, not DUIs or phones.
The check is done in Python on already loaded fields (no query), so it is safe in list rows as
long as the queryset was scoped with `visible_to(user)` and selects `office` (for coordinators).
"""

from core.permissions import may_see_personal_data
from core.scoping import loaded_in_scope

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
