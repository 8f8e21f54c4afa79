from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report, name="report"),
    path("exportar.<str:fmt>", views.export_report, name="export"),
    path("registros/<str:kind>.<str:fmt>", views.export_raw, name="export_raw"),
]
