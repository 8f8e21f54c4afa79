"""`{% load checkin %}{% checkin_pending workshop %}`: the QR self check-in entries waiting on the
attendance page (workshops.checkin.pending_context)."""

from django import template

from workshops import checkin

register = template.Library()


@register.inclusion_tag("workshops/_checkin_pending.html", takes_context=True)
def checkin_pending(context, workshop):
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        **checkin.pending_context(workshop=workshop, user=request.user),
    }
