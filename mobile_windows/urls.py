from django.urls import path

from mobile_windows import views

app_name = "mobile_windows"

urlpatterns = [
    path("", views.window_list, name="window_list"),
    path("nueva/", views.window_create, name="window_create"),
    path("<int:pk>/", views.window_detail, name="window_detail"),
    path("<int:pk>/editar/", views.window_update, name="window_update"),
    path("<int:pk>/enviar/", views.window_submit, name="window_submit"),
    path("<int:window_pk>/jornadas/nueva/", views.session_create, name="session_create"),
    path("jornadas/<int:pk>/", views.session_detail, name="session_detail"),
    path("jornadas/<int:pk>/editar/", views.session_update, name="session_update"),
    path("jornadas/<int:pk>/enviar/", views.session_submit, name="session_submit"),
    path("centros/", views.school_list, name="school_list"),
    path("centros/nuevo/", views.school_create, name="school_create"),
]
