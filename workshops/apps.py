from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Talleres")

    def ready(self):
        from review.services import register_submit_rule
        from workshops.indicators import register_sources
        from workshops.models import Workshop
        from workshops.services import check_attendees_or_reason

        register_sources()
        register_submit_rule(Workshop, check_attendees_or_reason)
