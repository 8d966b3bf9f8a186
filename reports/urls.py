from django.urls import path

from reports.documents import views

urlpatterns = [
    path("", views.report_archive, name="report_archive"),
    path("request/", views.report_request_view, name="report_request"),
    path("<id:pk>/", views.report_detail, name="report_detail"),
    path("<id:pk>/pdf/", views.report_download, name="report_download"),
    path("<id:pk>/xlsx/", views.report_excel, name="report_excel"),
]
