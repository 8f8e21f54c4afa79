from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MunicipalitiesConfig(AppConfig):
    name = "municipalities"
    verbose_name = _("Mesas, asistencia técnica y planes")

    def ready(self):
        from municipalities.indicators import register_sources

        register_sources()
