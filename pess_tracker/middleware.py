from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def chosen_language(request) -> str:
    """The language the user chose with the switch (cookie), else Spanish; never the browser's."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    supported = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in supported else settings.LANGUAGE_CODE


class SpanishFirstLocaleMiddleware(LocaleMiddleware):
    """Spanish unless the user chose another language (language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an office
    computer set to English would get an English interface nobody asked for.
    """

    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
