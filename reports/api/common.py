"""What the read side's views share: the unit a path names (404 outside the user's scope),
the board's filters read from the query string by the board's own form, form errors in
the API's one error shape, and renderers for files that still answer errors as JSON."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import Http404
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.boards.forms import BoardFilterForm
from reports.boards.selectors.figures import BoardFilters, board_groups, board_plans, figure_days
from tasks_app.access import may_view_unit
from tasks_app.api.errors import ApiError, form_errors
from tasks_app.api.schema import ApiAutoSchema
from tasks_app.http import AuthenticatedRequest
from tasks_app.models import Unit
from tasks_app.spreadsheets import CSV_MEDIA_TYPE

V = TypeVar("V", bound=type[APIView])


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class TooManyRequestsError(ApiError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"
    wait: int | None = None  # seconds; the error handler sends it as Retry-After


def visible_unit(request: AuthenticatedRequest, pk: int) -> Unit:
    """The active unit `pk` if the user may see its board; otherwise 404, as the boards do."""
    unit = Unit.objects.filter(pk=pk, is_active=True).first()
    if unit is None or not may_view_unit(request.user, unit):
        raise Http404
    return unit


# The error codes each query's form can answer, for the schema (drf-standardized-errors
# documents a serializer's codes by itself, not those of a Django form).
BOARD_FILTER_ERRORS = {
    "plan": ["invalid_choice"],
    "group": ["invalid_choice"],
    "date": ["invalid", "out_of_range", "future", "no_figures"],
}


def documents_errors(
    codes: dict[str, list[str]], *, actions: list[str] | None = None, methods: list[str] | None = None
) -> Callable[[V], V]:
    """Lists in the schema the codes of the validation errors a view's forms answer."""

    def wrap(view: V) -> V:
        for field, field_codes in codes.items():
            view = extend_validation_errors(field_codes, field_name=field, actions=actions, methods=methods)(
                view
            )
        return view

    return wrap


def board_filters(request: Request, unit: Unit, *, with_date: bool = True) -> BoardFilters:
    """The plan, task group and date, checked by the board's own form: a plan the unit's
    board cannot be narrowed to, a group of another plan, a future date or a date with no
    figures answers 400 with the board's own message."""
    params = request.query_params
    plans = list(board_plans(unit))
    chosen = params.get("plan", "")
    plan = next((p for p in plans if str(p.pk) == chosen), None)
    data = {key: params.get(key, "") for key in ("plan", "group", "date") if with_date or key != "date"}
    form = BoardFilterForm(
        data, plans=plans, groups=list(board_groups(plan)), days=figure_days(unit) if with_date else None
    )
    if not form.is_valid():
        raise form_errors(form)
    return form.filters()


def scope_data(filters: BoardFilters) -> dict[str, int | None]:
    return {
        "plan": filters.plan.pk if filters.plan else None,
        "group": filters.group.pk if filters.group else None,
    }


class FileRenderer(BaseRenderer):
    """Lets a client ask for a file by its type in Accept; the view answers with the file
    itself (an HttpResponse), so this renderer never writes one."""

    charset: str | None = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return b""


class PdfRenderer(FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class XlsxRenderer(FileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"


class CsvRenderer(FileRenderer):
    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"
    render_style = "text"


class JsonErrorsSchema(ApiAutoSchema):
    """Errors are documented as JSON only, as ErrorsAsJson answers them."""

    def _get_response_for_code(
        self, serializer: Any, status_code: Any, media_types: Any = None, direction: Any = "response"
    ) -> Any:
        if media_types is None and str(status_code)[0] in "45":
            media_types = [JSONRenderer.media_type]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)


class ErrorsAsJson(APIView):
    """A view that answers files still answers every error as JSON, in the one error
    shape, whatever the client's Accept asked for."""

    schema = JsonErrorsSchema()

    def handle_exception(self, exc: Exception) -> Response:
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
