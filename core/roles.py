"""Roles: the one definition of who a user is, mapped to Django groups with model permissions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("Personal territorial")
    COORDINATOR = "coordinator", _("Coordinación departamental")
    MANAGER = "manager", _("Gerencia nacional")
    ADMINISTRATOR = "admin", _("Administración")


# Group name for each role (kept in Spanish: administrators see these names in the admin).
ROLE_GROUPS = {
    Role.STAFF: "Personal territorial",
    Role.COORDINATOR: "Coordinación departamental",
    Role.MANAGER: "Gerencia nacional",
    Role.ADMINISTRATOR: "Administración",
}

# Models whose records territorial staff create and edit (app_label.model).
FIELD_RECORD_MODELS = [
    "workshops.workshop",
    "workshops.participant",
    "workshops.attendance",
    "mobile_windows.school",
    "mobile_windows.mobilewindow",
    "mobile_windows.windowsession",
    "mobile_windows.reachcount",
    "municipalities.tablemeeting",
    "municipalities.followupaction",
    "geography.institution",
    "municipalities.technicalassistance",
    "municipalities.municipalplan",
    "municipalities.planstagechange",
]
REFERENCE_MODELS = [
    "geography.department",
    "geography.municipality",
    "geography.territorialoffice",
    "geography.thematictable",
]


def role_permissions() -> dict[str, list[tuple[str, str]]]:
    """(app_label.model, action) pairs per role; actions are Django's view/add/change/delete."""
    crud = ("view", "add", "change", "delete")
    staff = [(m, a) for m in FIELD_RECORD_MODELS for a in ("view", "add", "change")]
    staff += [(m, "view") for m in [*REFERENCE_MODELS, "indicators.target"]]
    coordinator = [(m, a) for m in FIELD_RECORD_MODELS for a in crud]
    coordinator += [(m, "view") for m in [*REFERENCE_MODELS, "indicators.target"]]
    coordinator += [("review.reviewtransition", "view"), ("review.periodclosure", "view")]
    coordinator += [("core.securityevent", "view")]  # their department's users' events
    coordinator += [("review.periodclosure", "add"), ("review.periodclosure", "change")]
    # The progress changelist (a proxy of Municipality) and ISDEMU staff for autocompletes (scoped).
    coordinator += [("indicators.municipalprogress", "view"), ("core.user", "view")]
    manager = [(m, "view") for m in FIELD_RECORD_MODELS + REFERENCE_MODELS]
    manager += [("indicators.target", a) for a in crud]
    manager += [("review.reviewtransition", "view"), ("review.periodclosure", "view")]
    manager += [("indicators.municipalprogress", "view"), ("core.user", "view")]
    return {
        Role.STAFF: staff,
        Role.COORDINATOR: coordinator,
        Role.MANAGER: manager,
        Role.ADMINISTRATOR: [],  # administrators are superusers
    }
