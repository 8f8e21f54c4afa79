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


@register.simple_tag(takes_context=True)
def person_name(context, participant) -> str:
    """`{% person_name participant %}`: the full name, or the pseudonymous code."""
    return privacy.shown_name(context.get("user"), participant)


@register.simple_tag(takes_context=True)
def person_dui(context, participant) -> str:
    """`{% person_dui participant %}`: the DUI, or "" for those who may not see it."""
    return privacy.shown_dui(context.get("user"), participant)
