from django.contrib import admin
from django.urls import include, path

from tasks_app import views as task_views

admin.site.site_header = "NQ57 Monitor"
admin.site.site_title = "NQ57 Monitor"

urlpatterns = [
    path("", task_views.home, name="home"),
    path("healthz", task_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
