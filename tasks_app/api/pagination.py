"""Pages for lists, and a cursor for large pulls (the tasks' incremental sync)."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class SyncCursorPagination(CursorPagination):
    """Oldest change first, so a client that stops halfway resumes from its last cursor,
    and a pull with `updated_since` sees every later change exactly once."""

    ordering = ("updated_at", "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
