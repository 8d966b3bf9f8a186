"""The indicator pages, under /indicators/: the value workflow (a unit's indicators, the
value form, the approval queue) and the definitions and targets the assigning unit keeps."""

from django.urls import URLPattern, path

from tasks_app.views import indicator_definitions

urlpatterns: list[URLPattern] = [
    # Definitions and targets: the assigning unit's pages.
    path("new/", indicator_definitions.indicator_new, name="indicator_new"),
    path(
        "assignments/<int:pk>/cascade/",
        indicator_definitions.assignment_cascade_view,
        name="assignment_cascade",
    ),
    path(
        "assignments/<int:pk>/targets/", indicator_definitions.assignment_targets, name="assignment_targets"
    ),
]
