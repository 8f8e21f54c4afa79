from django.urls import path

from workshops import views, views_checkin, views_import, views_people

app_name = "workshops"

urlpatterns = [
    path("", views.workshop_list, name="list"),
    path("inicio/", views.start, name="start"),
    path("nuevo/", views.workshop_create, name="create"),
    path("<int:pk>/", views.workshop_detail, name="detail"),
    path("<int:pk>/editar/", views.workshop_edit, name="edit"),
    path("<int:pk>/buscar/", views.attendance_search, name="search"),
    path("<int:pk>/asistencia/agregar/", views.attendance_add, name="attendance_add"),
    path("<int:pk>/asistencia/nueva/", views.attendance_new, name="attendance_new"),
    path("<int:pk>/asistencia/quitar/", views.attendance_remove, name="attendance_remove"),
    path("<int:pk>/asistencia/deshacer/", views.attendance_undo, name="attendance_undo"),
    path("<int:pk>/realizado/", views.workshop_mark_held, name="mark_held"),
    path("<int:pk>/enviar/", views.workshop_submit, name="submit"),
    path("<int:pk>/hoja/", views.sign_in_sheet, name="sign_in_sheet"),
    path("<int:pk>/importar/", views_import.import_upload, name="import"),
    path("<int:pk>/importar/vista-previa/", views_import.import_preview, name="import_preview"),
    path("participantes/", views_people.participant_list, name="participant_list"),
    path("participantes/<int:pk>/", views_people.participant_detail, name="participant_detail"),
    path("participantes/<int:pk>/unir/", views_people.participant_merge, name="participant_merge"),
]

# QR self check-in (workshops/views_checkin.py): staff pages, then the public ones (signed link only).
urlpatterns += [
    path("<int:pk>/qr/", views_checkin.checkin_qr, name="checkin_qr"),
    path("<int:pk>/qr/abrir/", views_checkin.checkin_open, name="checkin_open"),
    path("<int:pk>/qr/cerrar/", views_checkin.checkin_close, name="checkin_close"),
    path("<int:pk>/por-confirmar/<int:entry>/confirmar/", views_checkin.checkin_confirm, name="checkin_confirm"),
    path("<int:pk>/por-confirmar/<int:entry>/unir/", views_checkin.checkin_merge, name="checkin_merge"),
    path("<int:pk>/por-confirmar/<int:entry>/rechazar/", views_checkin.checkin_reject, name="checkin_reject"),
    path("registro/<str:token>/", views_checkin.checkin_form, name="checkin_form"),
    path("registro/<str:token>/gracias/", views_checkin.checkin_thanks, name="checkin_thanks"),
]
