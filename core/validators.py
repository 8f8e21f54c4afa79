"""Reusable validators."""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

DUI_PATTERN = re.compile(r"^(\d{8})-(\d)$")


def dui_check_digit(body: str) -> int:
    """Check digit for the 8-digit DUI body: weights 9..2, (10 - S mod 10) mod 10."""
    total = sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True))
    return (10 - total % 10) % 10


def normalize_dui(value: str) -> str:
    """Accept '123456784' or '12345678-4' (with spaces) and return '12345678-4'."""
    raw = re.sub(r"\s", "", value or "")
    if re.fullmatch(r"\d{9}", raw):
        raw = f"{raw[:8]}-{raw[8]}"
    return raw


@deconstructible
class DUIValidator:
    """Validates a Salvadoran DUI: ########-#, 8 digits and a check digit."""

    code = "invalid_dui"

    def __call__(self, value):
        match = DUI_PATTERN.match(value or "")
        if not match:
            raise ValidationError(
                _("El DUI debe tener el formato ########-# (8 dígitos, guion y dígito verificador)."),
                code="dui_format",
            )
        body, check = match.groups()
        if body == "00000000":
            raise ValidationError(_("El DUI no puede ser solo ceros."), code="dui_zero")
        if dui_check_digit(body) != int(check):
            raise ValidationError(
                _("El dígito verificador del DUI no es correcto. Revise el número o déjelo en blanco."),
                code="dui_check_digit",
            )

    def __eq__(self, other):
        return isinstance(other, DUIValidator)


validate_dui = DUIValidator()
