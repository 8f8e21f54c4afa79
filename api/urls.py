from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api import views

router = SimpleRouter()
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("municipalities", views.MunicipalityViewSet, basename="municipality")
router.register("offices", views.OfficeViewSet, basename="office")
router.register("thematic-tables", views.ThematicTableViewSet, basename="thematic-table")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("workshops", views.WorkshopViewSet, basename="workshop")
router.register("attendance", views.AttendanceViewSet, basename="attendance")
router.register("participants", views.ParticipantViewSet, basename="participant")
router.register("windows", views.WindowViewSet, basename="window")
router.register("window-sessions", views.WindowSessionViewSet, basename="window-session")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("assistance", views.AssistanceViewSet, basename="assistance")
router.register("plans", views.PlanViewSet, basename="plan")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("review/<str:kind>/<int:pk>/<str:verb>/", views.ReviewActionView.as_view(), name="review"),
    *router.urls,
]
