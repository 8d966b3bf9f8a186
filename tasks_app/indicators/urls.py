"""The indicator pages, under /indicators/: the value workflow (a unit's indicators, the
value form, the approval queue) and the definitions and targets the assigning unit keeps."""

from django.urls import URLPattern, path  # noqa: F401  (routes are added below as pages land)

urlpatterns: list[URLPattern] = []
