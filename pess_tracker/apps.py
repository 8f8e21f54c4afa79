from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PessTrackerConfig(AppConfig):
    name = "pess_tracker"
    verbose_name = _("PESS Tracker")

    def ready(self):
        from pess_tracker import signals  # noqa: F401 - connects the security-event receivers
