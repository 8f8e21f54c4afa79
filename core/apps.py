from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Usuarios y seguridad")

    def ready(self):
        from core import checks, signals  # noqa: F401 - registers the production check, connects receivers
