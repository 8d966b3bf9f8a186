"""/api/v1/: the resources, the OpenAPI schema and its documentation page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from tasks_app.api.views import reference, tasks

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# JSON only: no "units.json" twin of every route, which would double what the permission
# matrix (tests/api/test_permission_matrix.py) must cover for nothing.
router.include_format_suffixes = False
router.register("units", reference.UnitViewSet, basename="unit")
router.register("plans", reference.PlanViewSet, basename="plan")
router.register("phases", reference.PlanPhaseViewSet, basename="phase")
router.register("task-groups", reference.TaskGroupViewSet, basename="task-group")
router.register("committees", reference.SteeringCommitteeViewSet, basename="committee")
router.register("tasks", tasks.TaskViewSet, basename="task")

app_name = "api"
urlpatterns = [
    path("", include(router.urls)),
    path("tasks/<id:pk>/updates/", tasks.TaskUpdatesView.as_view(), name="task-updates"),
    path(
        "tasks/<id:pk>/evidence/<id:evidence_id>/", tasks.EvidenceDownloadView.as_view(), name="task-evidence"
    ),
    path("", include("reports.api.urls")),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    # Swagger UI from drf-spectacular-sidecar's static files; the split view serves its
    # start-up script as a file, which the Content-Security-Policy allows (no inline script),
    # and our template moves the page's inline <style> to a file (no inline style either).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", permission_classes=[], template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
]
