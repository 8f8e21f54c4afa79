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

from core.roles import Role

MASK = "•"


def role_may_see_personal_data(user) -> bool:
    """The role rule: staff and coordinators (within their scope) and administrators; never managers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return True
    return user.role in (Role.STAFF, Role.COORDINATOR) and user.office_id is not None


def can_see_personal_data(user, participant) -> bool:
    """Whether `user` may see `participant`'s DUI and contact details."""
    if participant is None or not role_may_see_personal_data(user):
        return False
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return True
    if user.role == Role.STAFF:
        return participant.office_id == user.office_id
    if user.role == Role.COORDINATOR:
        return participant.office.department_id == user.office.department_id
    return False


def masked(value) -> str:
    """`value` with all but its last two characters hidden ("" stays "")."""
    text = str(value or "")
    if not text:
        return ""
    return MASK * max(len(text) - 2, 1) + text[-2:] if len(text) > 2 else MASK * len(text)
