"""Template side of pess_tracker.privacy: `{% load privacy %}`."""

from django import template

from core import privacy

register = template.Library()


@register.filter
def can_see_personal_data(user, participant) -> bool:
    """`{% if user|can_see_personal_data:participant %}`"""
    return privacy.can_see_personal_data(user, participant)


@register.filter
def masked(value) -> str:
    """`{{ participant.dui|masked }}` → "•••••••45"."""
    return privacy.masked(value)
