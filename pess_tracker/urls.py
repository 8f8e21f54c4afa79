from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as account_views
from pess_tracker import pwa, views
from reports import public_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("cuenta/ingresar/", auth_views.LoginView.as_view(), name="login"),
    path("cuenta/salir/", pwa.LogoutView.as_view(), name="logout"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sin-conexion/", pwa.offline, name="offline"),
    path("cuenta/clave/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("cuenta/seguridad/", account_views.two_factor, name="two_factor"),
    path("cuenta/seguridad/configurar/", account_views.two_factor_setup, name="two_factor_setup"),
    path("cuenta/seguridad/verificar/", account_views.two_factor_verify, name="two_factor_verify"),
    path("cuenta/seguridad/codigos/", account_views.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("cuenta/tokens/", account_views.api_tokens, name="api_tokens"),
    path("api/v1/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("municipios/", include("municipalities.urls")),
    path("ventanillas/", include("mobile_windows.urls")),
    path("talleres/", include("workshops.urls")),
    path("informes/", include("reports.urls")),
    path("transparencia/", public_views.transparency, name="transparency"),
]

# Error pages (pess_tracker/errors.py): Spanish, a reference code, no database needed.
handler400 = "pess_tracker.errors.bad_request"
handler403 = "pess_tracker.errors.permission_denied"
handler404 = "pess_tracker.errors.page_not_found"
handler500 = "pess_tracker.errors.server_error"

admin.site.site_header = "PESS Tracker — ISDEMU"
admin.site.site_title = "PESS Tracker"
admin.site.index_title = "Administración"
