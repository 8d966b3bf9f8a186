"""A page of tasks is freed as soon as the request is answered. DRF's list serializer hands
its instance to its child, and the two refer to each other: a page given to it as its
instance lives on, with every task and related row, until Python's cyclic garbage collector
runs, and the collector's passes over that garbage are the slow requests of a busy worker."""

import gc
import weakref

import pytest
from django.db.models.signals import post_init

from tasks_app.models import Task

pytestmark = pytest.mark.django_db


def test_a_page_of_tasks_is_freed_without_the_garbage_collector(client_as, tinh_officer, make_task):
    for n in range(5):
        make_task(code=f"G-{n}")
    api = client_as(tinh_officer)
    made: list[weakref.ref] = []

    def remember(sender, instance, **kwargs):
        made.append(weakref.ref(instance))

    post_init.connect(remember, sender=Task)
    gc.disable()
    try:
        codes = [row["code"] for row in api.get("/api/v1/tasks/").json()["results"]]
        alive = [ref() for ref in made if ref() is not None]
    finally:
        gc.enable()
        post_init.disconnect(remember, sender=Task)

    assert codes == [f"G-{n}" for n in range(5)]
    assert len(made) >= 5
    # At most the last: Django's prefetch leaves it in its Prefetch queryset's hints. The
    # page, however long, is not kept.
    assert len(alive) <= 1
