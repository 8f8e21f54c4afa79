from django.urls import path

from reports import download_views, pack_views, views

app_name = "reports"
urlpatterns = [
    path("", views.report, name="report"),
    path("exportar.<str:fmt>", views.export_report, name="export"),
    path("registros/<str:kind>.<str:fmt>", views.export_raw, name="export_raw"),
    path("municipios/<int:pk>/perfil.pdf", views.municipality_profile, name="municipality_profile"),
    path("descargas/", download_views.my_downloads, name="downloads"),
    path("descargas/solicitar/", download_views.request_export, name="request_export"),
    path("descargas/<int:pk>/", download_views.job_detail, name="job"),
    path("descargas/<int:pk>/progreso/", download_views.job_progress, name="job_progress"),
    path("descargas/<int:pk>/cancelar/", download_views.job_cancel, name="job_cancel"),
    path("descargas/<int:pk>/archivo/", download_views.download, name="download"),
    path("paquete-mensual/", pack_views.monthly_pack, name="monthly_pack"),
]
