from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "NQ57 Monitor"
admin.site.site_title = "NQ57 Monitor"

# A lost database connection answers 503 "try again" instead of the generic 500 page.
handler500 = "nq57.errors.server_error"
# Under /api/, a URL that matches no route answers in the API's JSON error shape.
handler404 = "nq57.errors.page_not_found"

urlpatterns = [
    path("", include("tasks_app.urls")),
    path("dashboard/", include("reports.boards.urls")),
    path("indicators/", include("tasks_app.indicators.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("tasks_app.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
