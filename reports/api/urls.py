"""The read side's routes under /api/v1/ (included by tasks_app/api/urls.py).

A unit's greening hangs under the unit (/units/{id}/greening/...): the units router's own
routes end at /units/{id}/, so these add to them without clashing."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from reports.api import feed, greening, indicators, reports

router = SimpleRouter(trailing_slash=True)
router.register("reports", reports.ReportViewSet, basename="report")

urlpatterns = [
    path("units/<int:pk>/greening/", greening.UnitGreeningView.as_view(), name="unit-greening"),
    path(
        "units/<int:pk>/greening/history/",
        greening.UnitGreeningHistoryView.as_view(),
        name="unit-greening-history",
    ),
    path("units/<int:pk>/greening/why/", greening.UnitGreeningWhyView.as_view(), name="unit-greening-why"),
    path(
        "units/<int:pk>/greening/ranking/",
        greening.UnitGreeningRankingView.as_view(),
        name="unit-greening-ranking",
    ),
    path("units/<int:pk>/indicators/", indicators.UnitIndicatorsView.as_view(), name="unit-indicators"),
    path("feed/daily/", feed.DailyFeedView.as_view(), name="feed-daily"),
    path("", include(router.urls)),
]
