from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobileWindowsConfig(AppConfig):
    name = "mobile_windows"
    verbose_name = _("Ventanillas móviles")

    def ready(self):
        from mobile_windows.indicators import register_sources

        register_sources()
