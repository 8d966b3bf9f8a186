"""Pages for lists, and a keyset cursor for large pulls (the tasks' incremental sync)."""

import base64
import binascii
import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 500


def strict_page_size(request: Request, *, param: str, default: int, maximum: int) -> int:
    """`page_size` between 1 and `maximum`, or a 400 that says so. DRF would quietly fall
    back to the default size, and a script that asked for 1,000 rows and got 100 could
    take the first page for the whole list."""
    raw = request.query_params.get(param)
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= maximum:
        raise ValidationError({param: [_("Ask for between 1 and %(max)d rows a page.") % {"max": maximum}]})
    return size


class PagePagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        assert self.page_size and self.max_page_size
        return strict_page_size(
            request, param="page_size", default=self.page_size, maximum=self.max_page_size
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class SyncCursorPagination(BasePagination):
    """Oldest change first, by (updated_at, id), so a client that stops halfway resumes
    from its last cursor, and a pull with `updated_since` sees every later change once.

    The cursor is the last row's (updated_at, id), and the next page is the rows after it:
    `updated_at >= t AND (updated_at > t OR (updated_at = t AND id > i))`, read from the
    (updated_at, id) index from the cursor on.
    DRF's own CursorPagination keeps only updated_at and skips ties with an OFFSET, which
    a cascade that touched thousands of tasks in one instant would turn into long scans."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    invalid_cursor_message = _("This cursor is not valid: start again without it.")

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list:
        self.request = request
        self.size = self._page_size(request)
        position = self._decode(request.query_params.get(self.cursor_query_param))
        if position is not None:
            at, pk = position
            # `updated_at >= t` besides: the index scan starts at the cursor and passes over
            # only the tie's rows already sent. The OR alone bounds nothing, and each page
            # would read every row before the cursor again (all of a full pull's earlier pages).
            queryset = queryset.filter(Q(updated_at__gt=at) | Q(updated_at=at, pk__gt=pk), updated_at__gte=at)
        rows = list(queryset.order_by("updated_at", "pk")[: self.size + 1])
        self.has_next = len(rows) > self.size
        rows = rows[: self.size]
        self.last = (rows[-1].updated_at, rows[-1].pk) if rows else None
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self._next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(_("The cursor from the previous page's “next” link.")),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Tasks per page (at most 500).")),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def _page_size(self, request: Request) -> int:
        return strict_page_size(
            request, param="page_size", default=self.page_size, maximum=self.max_page_size
        )

    def _next_link(self) -> str | None:
        if not self.has_next or self.last is None:
            return None
        at, pk = self.last
        token = base64.urlsafe_b64encode(f"{at.isoformat()}|{pk}".encode()).decode().rstrip("=")
        url = self.request.build_absolute_uri()
        return replace_query_param(
            remove_query_param(url, self.cursor_query_param), self.cursor_query_param, token
        )

    def _decode(self, token: str | None) -> tuple[datetime.datetime, int] | None:
        if not token:
            return None
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            stamp, pk = text.rsplit("|", 1)
            at = parse_datetime(stamp)
            if at is None or at.tzinfo is None:
                raise ValueError(stamp)
            return at, int(pk)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise NotFound(self.invalid_cursor_message) from None
