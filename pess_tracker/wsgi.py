import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pess_tracker.settings")
application = get_wsgi_application()

from core.checks import refuse_unsafe_start  # noqa: E402 - needs the apps loaded

refuse_unsafe_start()  # production without a strong SECRET_KEY or ALLOWED_HOSTS does not start
