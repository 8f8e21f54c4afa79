from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from reports import builder

register = template.Library()


@register.simple_tag
def cell(value, kind):
    """A report figure as the page shows it: 1,234 · 1,234.5 · 25.0 % · — for no value."""
    if value is None or value == "":
        return "—" if kind != builder.TEXT else ""
    if kind == builder.TEXT:
        return value
    if kind == builder.PCT:
        return f"{Decimal(value):,.1f} %"
    if kind == builder.DEC:
        number = Decimal(value)
        return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.1f}"
    return f"{int(value):,}"


@register.filter
def zip_columns(cells, columns):
    return zip(cells, columns, strict=True)


@register.simple_tag
def public_cell(cell):
    """A protected people count of the public page: the number, "<5", or "x" (reserved)."""
    status = cell["status"]
    if status == "shown":
        return f"{int(cell['value']):,}"
    if status == "small":
        return "<5"
    return format_html('<abbr title="{}">x</abbr>', _("cifra reservada"))
