"""The one definition of sex and age groups, used by forms, reports and exports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "F", _("Mujer")
    MALE = "M", _("Hombre")
    UNKNOWN = "N", _("No registrado")


class AgeGroup(models.TextChoices):
    CHILD = "0-11", _("0–11 años")
    ADOLESCENT = "12-17", _("12–17 años")
    YOUTH = "18-29", _("18–29 años")
    ADULT = "30-59", _("30–59 años")
    SENIOR = "60+", _("60 años o más")
    UNKNOWN = "ND", _("Edad no registrada")


# Groups whose members are minors: no names are ever recorded for them in window sessions.
MINOR_AGE_GROUPS = (AgeGroup.CHILD, AgeGroup.ADOLESCENT)

# Age-group bounds (inclusive) used to derive the group from a birth year.
AGE_GROUP_BOUNDS = [
    (AgeGroup.CHILD, 0, 11),
    (AgeGroup.ADOLESCENT, 12, 17),
    (AgeGroup.YOUTH, 18, 29),
    (AgeGroup.ADULT, 30, 59),
    (AgeGroup.SENIOR, 60, 200),
]

# The grid shown in window sessions and reports (recorded sexes × known age groups).
GRID_SEXES = [Sex.FEMALE, Sex.MALE, Sex.UNKNOWN]
GRID_AGE_GROUPS = [g for g, _lo, _hi in AGE_GROUP_BOUNDS]


def age_group_for_age(age: int) -> str:
    for group, low, high in AGE_GROUP_BOUNDS:
        if low <= age <= high:
            return group
    return AgeGroup.UNKNOWN


def age_group_for_birth_year(birth_year: int, on_year: int) -> str:
    return age_group_for_age(on_year - birth_year)
