from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pess_tracker import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("cuenta/ingresar/", auth_views.LoginView.as_view(), name="login"),
    path("cuenta/salir/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("informes/", include("reports.urls")),
]

admin.site.site_header = "PESS Tracker — ISDEMU"
admin.site.site_title = "PESS Tracker"
admin.site.index_title = "Administración"
