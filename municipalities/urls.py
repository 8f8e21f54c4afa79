from django.urls import path

from municipalities import views, views_records

app_name = "municipalities"

urlpatterns = [
    path("", views.municipality_list, name="municipality_list"),
    path("<int:pk>/", views.municipality_detail, name="municipality_detail"),
    path("mesas/", views_records.meeting_list, name="meeting_list"),
    path("mesas/nueva/", views_records.meeting_create, name="meeting_create"),
    path("mesas/<int:pk>/", views_records.meeting_detail, name="meeting_detail"),
    path("mesas/<int:pk>/editar/", views_records.meeting_update, name="meeting_update"),
    path("mesas/<int:pk>/enviar/", views_records.meeting_submit, name="meeting_submit"),
    path("mesas/<int:pk>/acciones/", views_records.follow_up_create, name="follow_up_create"),
    path("acciones/<int:pk>/estado/", views_records.follow_up_status, name="follow_up_status"),
    path("asistencia/", views_records.assistance_list, name="assistance_list"),
    path("asistencia/nueva/", views_records.assistance_create, name="assistance_create"),
    path("asistencia/<int:pk>/", views_records.assistance_detail, name="assistance_detail"),
    path("asistencia/<int:pk>/editar/", views_records.assistance_update, name="assistance_update"),
    path("asistencia/<int:pk>/enviar/", views_records.assistance_submit, name="assistance_submit"),
    path("instituciones/", views_records.institution_list, name="institution_list"),
    path("instituciones/<int:pk>/", views_records.institution_detail, name="institution_detail"),
    path("planes/", views_records.plan_list, name="plan_list"),
    path("planes/nuevo/", views_records.plan_create, name="plan_create"),
    path("planes/<int:pk>/", views_records.plan_detail, name="plan_detail"),
    path("planes/<int:pk>/editar/", views_records.plan_update, name="plan_update"),
    path("planes/<int:pk>/enviar/", views_records.plan_submit, name="plan_submit"),
    path("planes/<int:pk>/proponer-etapa/", views_records.plan_propose, name="plan_propose"),
    path("cambios-de-etapa/<int:pk>/confirmar/", views_records.stage_change_confirm, name="stage_change_confirm"),
    path("cambios-de-etapa/<int:pk>/rechazar/", views_records.stage_change_reject, name="stage_change_reject"),
]
