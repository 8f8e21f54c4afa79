from django.urls import path

from municipalities import views

app_name = "municipalities"

urlpatterns = [
    path("", views.municipality_list, name="municipality_list"),
    path("<int:pk>/", views.municipality_detail, name="municipality_detail"),
    path("mesas/", views.meeting_list, name="meeting_list"),
    path("mesas/nueva/", views.meeting_create, name="meeting_create"),
    path("mesas/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("mesas/<int:pk>/editar/", views.meeting_update, name="meeting_update"),
    path("mesas/<int:pk>/enviar/", views.meeting_submit, name="meeting_submit"),
    path("mesas/<int:pk>/acciones/", views.follow_up_create, name="follow_up_create"),
    path("acciones/<int:pk>/estado/", views.follow_up_status, name="follow_up_status"),
    path("asistencia/", views.assistance_list, name="assistance_list"),
    path("asistencia/nueva/", views.assistance_create, name="assistance_create"),
    path("asistencia/<int:pk>/", views.assistance_detail, name="assistance_detail"),
    path("asistencia/<int:pk>/editar/", views.assistance_update, name="assistance_update"),
    path("asistencia/<int:pk>/enviar/", views.assistance_submit, name="assistance_submit"),
    path("instituciones/", views.institution_list, name="institution_list"),
    path("instituciones/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("planes/", views.plan_list, name="plan_list"),
    path("planes/nuevo/", views.plan_create, name="plan_create"),
    path("planes/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("planes/<int:pk>/editar/", views.plan_update, name="plan_update"),
    path("planes/<int:pk>/enviar/", views.plan_submit, name="plan_submit"),
    path("planes/<int:pk>/proponer-etapa/", views.plan_propose, name="plan_propose"),
    path("cambios-de-etapa/<int:pk>/confirmar/", views.stage_change_confirm, name="stage_change_confirm"),
    path("cambios-de-etapa/<int:pk>/rechazar/", views.stage_change_reject, name="stage_change_reject"),
]
