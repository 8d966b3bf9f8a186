"""The daily feed for the provincial and national data-sharing platforms: every unit in the
user's scope with its colour, rate and tasks per state on one day, as JSON pages or as one
CSV file. Feed tokens (read-only, "feed" purpose) open this endpoint and no other.

A page costs a fixed number of queries (the units of the page, their snapshots); the CSV
two (every unit, every snapshot of the day), joined here."""

import datetime

from django import forms
from django.db.models import Max, QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from reports.api.common import CsvRenderer, ErrorsAsJson, documents_errors
from reports.api.serializers import FeedPageSerializer
from tasks_app.access import visible_units
from tasks_app.api.errors import form_errors
from tasks_app.api.pagination import PagePagination
from tasks_app.clock import local_today
from tasks_app.http import AuthenticatedRequest
from tasks_app.models import GreeningSnapshot, TaskState
from tasks_app.models.greening import ALL_SCOPE
from tasks_app.params import DayField
from tasks_app.spreadsheets import CSV_MEDIA_TYPE, csv_file

UNIT_FIELDS = ("id", "code", "name", "kind", "province__code")
SNAPSHOT_FIELDS = (
    "unit_id",
    "colour",
    "rate",
    "n_counted",
    "n_green",
    *(f"n_{state}" for state in TaskState.values),
    *(f"subtree_{state}" for state in TaskState.values),
)


class FeedPagination(PagePagination):
    page_size = 1000
    max_page_size = 5000


class FeedDateForm(forms.Form):
    date = DayField(required=False)

    def clean_date(self) -> datetime.date | None:
        # `?date=` with nothing after it is a mistake, not a request for the latest day.
        if self.data.get("date") == "":
            raise forms.ValidationError(self.fields["date"].error_messages["invalid"], code="invalid")
        return self.cleaned_data["date"]


def latest_finished_day() -> datetime.date:
    """The last day before today that has figures (the nightly run closes a day after
    midnight); yesterday when none has yet."""
    yesterday = local_today() - datetime.timedelta(days=1)
    latest = GreeningSnapshot.objects.filter(scope=ALL_SCOPE, on_date__lte=yesterday).aggregate(
        last=Max("on_date")
    )["last"]
    return latest or yesterday


def _row(unit: dict, snapshot: dict | None) -> dict:
    counts = {state: snapshot[f"n_{state}"] if snapshot else 0 for state in TaskState.values}
    subtree = {state: snapshot[f"subtree_{state}"] if snapshot else 0 for state in TaskState.values}
    return {
        "unit_id": unit["id"],
        "code": unit["code"],
        "name": unit["name"],
        "kind": unit["kind"],
        "province_code": unit["province__code"],
        "colour": snapshot["colour"] if snapshot else "none",
        "rate": snapshot["rate"] if snapshot else None,
        "counted": snapshot["n_counted"] if snapshot else 0,
        "green": snapshot["n_green"] if snapshot else 0,
        "counts": counts,
        "subtree_counts": subtree,
    }


@documents_errors({"date": ["invalid", "out_of_range"]})
class DailyFeedView(ErrorsAsJson, GenericAPIView):
    request: AuthenticatedRequest  # type: ignore[assignment]  # behind IsAuthenticated
    serves_feed = True  # feed tokens open this view (tasks_app/api/permissions.py)
    renderer_classes = [JSONRenderer, CsvRenderer]
    pagination_class = FeedPagination
    serializer_class = FeedPageSerializer

    def get_queryset(self) -> QuerySet:
        return visible_units(self.request.user).filter(is_active=True).order_by("code").values(*UNIT_FIELDS)

    @extend_schema(
        summary=_("Daily feed"),
        description=_(
            "Every unit the user may see, with its colour, rate and tasks per state on one day (by "
            "default the latest finished day): JSON in pages of up to 5000, or the whole list as one "
            "CSV file (UTF-8 with BOM) with ?format=csv or an Accept header that asks for CSV. Feed "
            "tokens open this endpoint only."
        ),
        parameters=[
            OpenApiParameter(
                "date",
                OpenApiTypes.DATE,
                description=_("The day (YYYY-MM-DD); empty: the latest finished day."),
            ),
            OpenApiParameter("page", OpenApiTypes.INT, description=_("Page number (JSON).")),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description=_("Units per page (JSON), at most 5000.")
            ),
        ],
        responses={
            (200, "application/json"): FeedPageSerializer,
            (200, CSV_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.STR, description=_("One row per unit.")),
        },
    )
    def get(self, request: Request) -> Response | HttpResponse:
        form = FeedDateForm({"date": request.query_params["date"]} if "date" in request.query_params else {})
        if not form.is_valid():
            raise form_errors(form)
        on = form.cleaned_data["date"] or latest_finished_day()
        units = self.get_queryset()
        if request.accepted_renderer.format == CsvRenderer.format:
            return self._csv(units, on)
        paginator = self.paginator
        assert paginator is not None
        page = paginator.paginate_queryset(units, request, view=self) or []
        snapshots = self._snapshots(on, unit_ids=[unit["id"] for unit in page])
        body = {
            "date": on,
            "count": paginator.page.paginator.count,  # type: ignore[attr-defined]  # PageNumberPagination
            "next": paginator.get_next_link(),  # type: ignore[attr-defined]
            "previous": paginator.get_previous_link(),  # type: ignore[attr-defined]
            "results": [_row(unit, snapshots.get(unit["id"])) for unit in page],
        }
        return Response(FeedPageSerializer(body).data)

    def _snapshots(self, on: datetime.date, *, unit_ids: list[int] | None = None) -> dict[int, dict]:
        rows = GreeningSnapshot.objects.filter(on_date=on, scope=ALL_SCOPE).order_by()
        if unit_ids is not None:
            rows = rows.filter(unit_id__in=unit_ids)
        return {row["unit_id"]: row for row in rows.values(*SNAPSHOT_FIELDS)}

    def _csv(self, units: QuerySet, on: datetime.date) -> HttpResponse:
        # Every snapshot of the day in one read: at most one per unit in the country, and
        # only the units in scope are written.
        snapshots = self._snapshots(on)
        header: list[object] = [
            "date",
            "unit_id",
            "code",
            "name",
            "kind",
            "province_code",
            "colour",
            "rate",
            "counted",
            "green",
            *(f"n_{state}" for state in TaskState.values),
            *(f"subtree_{state}" for state in TaskState.values),
        ]
        rows: list[list[object]] = [header]
        for unit in units:
            row = _row(unit, snapshots.get(unit["id"]))
            rows.append(
                [
                    on,
                    row["unit_id"],
                    row["code"],
                    row["name"],
                    row["kind"],
                    row["province_code"],
                    row["colour"],
                    row["rate"],
                    row["counted"],
                    row["green"],
                    *row["counts"].values(),
                    *row["subtree_counts"].values(),
                ]
            )
        response = HttpResponse(csv_file(rows), content_type=f"{CSV_MEDIA_TYPE}; charset=utf-8")
        disposition = content_disposition_header(True, f"nq57-feed-{on.isoformat()}.csv")
        assert disposition is not None
        response["Content-Disposition"] = disposition
        response["X-Content-Type-Options"] = "nosniff"
        return response
