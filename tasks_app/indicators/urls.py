"""The indicator pages, under /indicators/: the value workflow (a unit's indicators, the
value form, the approval queue) and the definitions and targets the assigning unit keeps."""

from django.urls import URLPattern, path

from tasks_app.views import indicator_definitions
from tasks_app.views import indicator_values as values

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
    # Values: a unit's indicators, one assignment, the value form, the approver's queue.
    path("", values.indicator_list, name="indicator_list"),
    path("unit/<int:unit_id>/", values.indicator_list, name="unit_indicator_list"),
    path("approvals/", values.indicator_approvals, name="indicator_approvals"),
    path("<int:pk>/", values.assignment_detail, name="assignment_detail"),
    path("<int:pk>/values/<int:value_id>/decide/", values.value_decide, name="value_decide"),
    path(
        "<int:pk>/evidence/<int:evidence_id>/",
        values.indicator_evidence_download,
        name="indicator_evidence_download",
    ),
    path("<int:pk>/<str:period_end>/", values.value_form, name="value_form"),
]
