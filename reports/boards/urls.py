from django.urls import path

from reports.boards import views

urlpatterns = [
    path("", views.dashboard_home, name="dashboard"),
    path("national/", views.national, name="dashboard_national"),
    path("province/<id:pk>/", views.province, name="dashboard_province"),
    path("commune/<id:pk>/", views.commune, name="dashboard_commune"),
]
