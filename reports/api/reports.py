"""Weekly reports through the API, with the archive's rules: the list holds the reports of
units the user may see; asking for one goes through the web form's checks and the same
action (asking again answers the existing report; a person's renders are limited per
minute); the PDF and the workbook download once the report is ready."""

import datetime
import time
from collections.abc import Mapping
from typing import TypeVar

import django_filters
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from reports.api.common import (
    Conflict,
    ErrorsAsJson,
    PdfRenderer,
    TooManyRequestsError,
    XlsxRenderer,
    documents_errors,
)
from reports.api.serializers import ErrorResponse409Serializer, ReportRequestSerializer, ReportSerializer
from reports.documents.actions import report_request
from reports.documents.content import report_content
from reports.documents.excel import report_workbook
from reports.documents.forms import ReportRequestForm
from reports.models import Report, ReportKind, ReportStatus, Week
from tasks_app.access import report_request_units, visible_reports
from tasks_app.api.concurrency import IDEMPOTENCY_KEY, idempotent
from tasks_app.api.errors import form_errors
from tasks_app.api.filters import StrictFilterSet
from tasks_app.http import AuthenticatedRequest
from tasks_app.rate_limits import TooManyRequests, current_minute, spend_excel_download

Download = TypeVar("Download", bound=HttpResponseBase)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportFilter(StrictFilterSet):
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices, label=_("Kind"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("Unit (id)"))
    week = django_filters.DateFilter(method="in_week", label=_("Any day of the week (YYYY-MM-DD)"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Status"))

    class Meta:
        model = Report
        fields = ["kind", "unit", "week", "status"]

    def in_week(self, queryset: QuerySet[Report], name: str, value: datetime.date) -> QuerySet[Report]:
        return queryset.filter(period_start=Week.of(value).start)


def _retry_after() -> int:
    """Seconds until the rate limits' minute turns (tasks_app/rate_limits.py counts per
    clock minute)."""
    return max(1, (current_minute() + 1) * 60 - int(time.time()))


def _refused(refused: TooManyRequests) -> TooManyRequestsError:
    error = TooManyRequestsError(refused.message, code="too_many_requests")
    error.wait = _retry_after()  # the error handler sends it as Retry-After
    return error


NOT_READY = OpenApiResponse(ErrorResponse409Serializer, description=_("The report is not ready yet."))


@extend_schema_view(
    list=extend_schema(
        summary=_("Reports"),
        description=_("The weekly reports about units the user may see, newest week first."),
    ),
    retrieve=extend_schema(
        summary=_("One report"),
        description=_(
            "Its status (queued, rendering, ready, failed), and once ready its size, pages and hash."
        ),
    ),
    create=extend_schema(
        summary=_("Ask for a report"),
        description=_(
            "The report about a unit for a finished week, as the archive page asks for it: 202 when it "
            "is queued, 200 when it was asked for already (it is rendered once). A person may ask for a "
            "few renders a minute (429 with Retry-After)."
        ),
        request=ReportRequestSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: ReportSerializer, 202: ReportSerializer},
    ),
)
@documents_errors(
    {
        "unit": ["required", "invalid_choice"],
        "week": ["required", "invalid_choice"],
        "Idempotency-Key": ["invalid"],
    },
    actions=["create"],
)
class ReportViewSet(
    ErrorsAsJson,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    request: AuthenticatedRequest  # type: ignore[assignment]  # behind IsAuthenticated
    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    write_error_statuses = ("422",)  # an Idempotency-Key reused with another request

    def get_queryset(self) -> QuerySet[Report]:
        return visible_reports(self.request.user).order_by("-period_start", "kind", "unit__code", "pk")

    def create(self, request: Request, *args, **kwargs) -> Response:
        # With an Idempotency-Key, a retry gets the first answer (tasks_app/api/concurrency.py).
        return idempotent(request, self.request.user, lambda: self._ask(request))

    def _ask(self, request: Request) -> Response:
        user = self.request.user
        sent = request.data if isinstance(request.data, Mapping) else {}
        data = {"unit": sent.get("unit", ""), "week": _monday(sent.get("week", ""))}
        form = ReportRequestForm(data, user=user, units=report_request_units(user))
        if not form.is_valid():
            raise form_errors(form)
        try:
            requested = report_request(
                kind=form.kind, unit=form.cleaned_data["unit"], week=form.cleaned_data["week"], user=user
            )
        except TooManyRequests as refused:
            raise _refused(refused) from None
        report = Report.objects.select_related("unit").get(pk=requested.report.pk)
        body = self.get_serializer(report).data
        answer = status.HTTP_202_ACCEPTED if requested.queued else status.HTTP_200_OK
        return Response(body, status=answer, headers={"Location": f"/api/v1/reports/{report.pk}/"})

    @extend_schema(
        summary=_("A report's PDF"),
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 409: NOT_READY},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer], pagination_class=None)
    def pdf(self, request: Request, pk: str) -> FileResponse:
        report = self._ready()
        response = FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=report.download_name("pdf"),
            content_type="application/pdf",
        )
        return _private_file(response)

    @extend_schema(
        summary=_("A report's workbook"),
        description=_("The report's tables as an Excel workbook, for the same week and date as its PDF."),
        responses={(200, XLSX): OpenApiTypes.BINARY, 409: NOT_READY},
    )
    @action(
        detail=True, methods=["get"], renderer_classes=[JSONRenderer, XlsxRenderer], pagination_class=None
    )
    def xlsx(self, request: Request, pk: str) -> HttpResponse:
        report = self._ready()
        try:
            spend_excel_download(self.request.user)
        except TooManyRequests as refused:
            raise _refused(refused) from None
        content = report_content(report.kind, report.unit, report.week)
        response = HttpResponse(report_workbook(content), content_type=XLSX)
        disposition = content_disposition_header(True, report.download_name("xlsx"))
        assert disposition is not None  # an attachment always has one
        response["Content-Disposition"] = disposition
        return _private_file(response)

    def _ready(self) -> Report:
        report = self.get_object()
        if report.status != ReportStatus.READY:
            raise Conflict(
                _("The report is not ready yet: wait until its status is “ready”, then download it."),
                code="report_not_ready",
                extra={"status": report.status},
            )
        return report


def _monday(value: object) -> str:
    """Any day of a week as that week's Monday, the key the web form's list uses; anything
    else as it came, for the form to refuse."""
    try:
        return Week.of(datetime.date.fromisoformat(str(value))).start.isoformat()
    except ValueError:
        return str(value)


def _private_file(response: Download) -> Download:
    response["Cache-Control"] = "private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response
