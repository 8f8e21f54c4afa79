from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicadores y metas")

    def ready(self):
        from core.admin_scoping import LOOKUP_PROVIDERS
        from indicators.registry import lookups_for

        LOOKUP_PROVIDERS.append(lookups_for)

        from indicators.cells import mark_stale
        from review.services import register_change_listener

        register_change_listener(mark_stale)
