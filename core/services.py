"""Cross-cutting write paths for users and roles."""

from django.contrib.auth.models import Group
from django.db import transaction

from core.models import User
from core.permissions import django_flags
from core.roles import ROLE_GROUPS


@transaction.atomic
def sync_user_role_group(user: User) -> None:
    """Put the user in exactly the group of their role (and make admin-users staff)."""
    role_group_names = list(ROLE_GROUPS.values())
    user.groups.remove(*Group.objects.filter(name__in=role_group_names))
    group = Group.objects.filter(name=ROLE_GROUPS[user.role]).first()
    if group is not None:
        user.groups.add(group)
    updates = [flag for flag, needed in django_flags(user.role).items() if needed and not getattr(user, flag)]
    for flag in updates:
        setattr(user, flag, True)
    if updates:
        user.save(update_fields=updates)


def create_user(*, username: str, password: str, role: str, office=None, **extra) -> User:
    user = User.objects.create_user(username=username, password=password, role=role, office=office, **extra)
    sync_user_role_group(user)
    return user
