"""The project's URLs plus one view that fails, for the error-page tests (test settings only)."""

from django.urls import path

from pess_tracker.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def broken(request):
    dui = request.GET.get("dui", "01234567-8")
    raise ValueError(f"a bug with {dui} in its message")


urlpatterns = [*urlpatterns, path("test-broken/", broken)]
