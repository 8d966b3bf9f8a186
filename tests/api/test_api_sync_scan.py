"""The sync cursor's page reads the (updated_at, id) index from the cursor on: its query
bounds updated_at from below, so a page deep in a pull costs what the first one does (the
OR of "later, or the same instant with a higher id" alone bounds nothing)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks_app.models import Task

pytestmark = pytest.mark.django_db


def _page_query(captured: CaptureQueriesContext) -> str:
    table = Task._meta.db_table
    return next(
        query["sql"]
        for query in captured.captured_queries
        if f'FROM "{table}"' in query["sql"] and "ORDER BY" in query["sql"] and "LIMIT" in query["sql"]
    )


def test_a_page_after_a_cursor_bounds_updated_at_from_below(client_as, tinh_officer, make_task):
    cascade = timezone.now() - datetime.timedelta(hours=1)
    tied = [make_task(code=f"T-{n}") for n in range(4)]
    Task.objects.filter(pk__in=[task.pk for task in tied]).update(updated_at=cascade)
    api = client_as(tinh_officer)
    first = api.get("/api/v1/tasks/", {"page_size": 2}).json()
    with CaptureQueriesContext(connection) as captured:
        second = api.get(first["next"]).json()

    assert [row["code"] for row in first["results"] + second["results"]] == ["T-0", "T-1", "T-2", "T-3"]
    assert f'"{Task._meta.db_table}"."updated_at" >= ' in _page_query(captured)
