"""A unit's last update is the last change made by its own people: a province creating or
cascading tasks does not make its communes look active ("quiet communes")."""

import datetime

import pytest
from django.utils import timezone

from reports.boards.selectors.bottlenecks import is_silent, last_updates
from reports.documents.content import quiet_unit_ids
from tasks_app.actions.tasks import task_cascade, task_change, task_create
from tasks_app.clock import local_today
from tasks_app.models import Task, TaskUpdate, UpdateKind

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = local_today()


def ago(days: int) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


@pytest.fixture
def communes(make_task, commune, other_commune, xa_officer):
    """Both communes were given a task 30 days ago. `commune`'s officer reported 10 days
    ago; `other_commune` never did. Both are quiet."""
    reported = make_task(code="A-1", created_at=ago(30), updated_at=ago(10), last_own_update_at=ago(10))
    make_task(code="B-1", lead_unit=other_commune, created_at=ago(30), updated_at=ago(30))
    return reported


def quiet(units, on=TODAY) -> set[int]:
    rows = last_updates(type(units[0]).objects.filter(pk__in=[u.pk for u in units]), on=on)
    return {unit.pk for unit in rows if is_silent(unit, on=on)}


def test_a_cascade_from_the_province_does_not_make_a_quiet_commune_active(
    communes, commune, other_commune, nghe_an, tinh_officer, make_task
):
    assert quiet([commune, other_commune]) == {commune.pk, other_commune.pk}
    assert {commune.pk, other_commune.pk} <= quiet_unit_ids(TODAY)
    parent = make_task(code="NV-9", lead_unit=nghe_an)
    task_cascade(
        parent=parent, communes=[commune, other_commune], author=tinh_officer, responsible_position="CT"
    )
    # The copies are the province's doing: still quiet, on the board and in the reports.
    assert quiet([commune, other_commune]) == {commune.pk, other_commune.pk}
    assert {commune.pk, other_commune.pk} <= quiet_unit_ids(TODAY)
    rows = {u.pk: u.last_update for u in last_updates(type(commune).objects.filter(pk=commune.pk), on=TODAY)}
    assert abs(rows[commune.pk] - ago(10)) < datetime.timedelta(seconds=1)


def test_a_province_edit_of_a_communes_task_is_not_the_commune_reporting(communes, commune, tinh_officer):
    task = Task.objects.get(pk=communes.pk)
    task.deadline = task.deadline + datetime.timedelta(days=30)
    task_change(task=task, expected_version=task.version, author=tinh_officer, note="Gia hạn")
    assert commune.pk in quiet([commune])


def test_an_update_by_the_communes_own_officer_does(communes, commune, other_commune, xa_officer):
    task = Task.objects.get(pk=communes.pk)
    task.progress = 70
    task_change(task=task, expected_version=task.version, author=xa_officer, note="Đã xong 70%")
    assert quiet([commune, other_commune]) == {other_commune.pk}
    assert commune.pk not in quiet_unit_ids(TODAY) and other_commune.pk in quiet_unit_ids(TODAY)


def test_creating_a_task_counts_for_the_unit_only_when_its_own_people_create_it(
    plan, nghe_an, commune, tinh_officer, xa_officer
):
    def new(code, unit):
        return Task(
            plan=plan, code=code, title="t", lead_unit=unit, responsible_name="X", approving_authority="UBND",
            start_date=TODAY, deadline=TODAY, expected_product="p",
        )  # fmt: skip

    assert task_create(task=new("P-1", nghe_an), author=tinh_officer).last_own_update_at is not None
    assert task_create(task=new("C-1", commune), author=tinh_officer).last_own_update_at is None
    assert task_create(task=new("C-2", commune), author=xa_officer).last_own_update_at is not None


def test_a_past_date_counts_only_the_units_own_updates_from_the_history(
    make_task, commune, other_commune, xa_officer, tinh_officer
):
    on = TODAY - datetime.timedelta(days=3)
    task = make_task(code="H-1", created_at=ago(40))
    other = make_task(code="H-2", lead_unit=other_commune, created_at=ago(40))
    TaskUpdate.objects.create(
        task=task, author=xa_officer, created_at=ago(20), kind=UpdateKind.PROGRESS, version=2,
        status_after="in_progress", progress_after=10,
    )  # fmt: skip
    # The province wrote on both tasks 5 days ago: not the communes reporting.
    for version, t in ((3, task), (2, other)):
        TaskUpdate.objects.create(
            task=t, author=tinh_officer, created_at=ago(5), kind=UpdateKind.EDITED, version=version,
            status_after="in_progress", progress_after=10, changes={"deadline": ["2026-06-30", "2026-07-30"]},
        )  # fmt: skip
    rows = {
        u.pk: u
        for u in last_updates(type(commune).objects.filter(pk__in=[commune.pk, other_commune.pk]), on=on)
    }
    assert abs(rows[commune.pk].last_update - ago(20)) < datetime.timedelta(seconds=1)
    assert rows[other_commune.pk].last_update is None
    assert is_silent(rows[commune.pk], on=on) and is_silent(rows[other_commune.pk], on=on)
    assert {commune.pk, other_commune.pk} <= quiet_unit_ids(on)


def test_a_unit_given_its_first_task_this_week_is_not_quiet_yet(make_task, commune):
    make_task(code="N-1")
    assert quiet([commune]) == set()
    assert commune.pk not in quiet_unit_ids(TODAY)


def test_the_migration_backfills_each_tasks_last_own_update_from_the_history(
    make_task, commune, xa_officer, tinh_officer
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("tasks_app.migrations.0011_task_last_own_update")
    reported, untouched = make_task(code="M-1"), make_task(code="M-2")
    for version, (task, author, when) in enumerate(
        [(reported, xa_officer, ago(9)), (reported, tinh_officer, ago(2)), (untouched, tinh_officer, ago(3))],
        start=2,
    ):
        TaskUpdate.objects.create(
            task=task, author=author, created_at=when, kind=UpdateKind.NOTE, version=version,
            status_after="in_progress", progress_after=40,
        )  # fmt: skip
    Task.objects.update(last_own_update_at=None)
    migration.backfill(apps, None)
    reported.refresh_from_db()
    untouched.refresh_from_db()
    assert abs(reported.last_own_update_at - ago(9)) < datetime.timedelta(seconds=1)
    assert untouched.last_own_update_at is None
