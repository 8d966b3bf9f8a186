"""“Nhiệm vụ của tôi” through HTTP: order, filters in the URL, colour counts, pagination, scope."""

import datetime
import re

import pytest
from django.urls import reverse

from tasks_app.clock import local_today
from tasks_app.models import TaskGroup, TaskStatus
from tasks_app.selectors.tasks import TASKS_PER_PAGE

pytestmark = pytest.mark.django_db

TODAY = local_today()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def officer_client(client, xa_officer):
    client.force_login(xa_officer)
    return client


def codes(response) -> list[str]:
    return re.findall(r'<span class="code">([^<]+)</span>', response.content.decode())


@pytest.fixture
def mixed(make_task, plan):
    group = TaskGroup.objects.create(plan=plan, number=3, name="Hạ tầng số")
    return {
        # due in 40 days, far ahead of schedule: green
        "green": make_task(
            code="G-1", start_date=days(-10), deadline=days(40), progress=50, task_group=group
        ),
        # overdue: red, must come first despite a later deadline than the yellow one
        "red_old": make_task(code="R-1", start_date=days(-100), deadline=days(-30), progress=60),
        "red_new": make_task(code="R-2", start_date=days(-100), deadline=days(-2), progress=60),
        # due in 5 days with little progress: yellow
        "yellow": make_task(code="Y-1", start_date=days(-60), deadline=days(5), progress=10),
        "paused": make_task(code="P-1", start_date=days(-10), deadline=days(20), status=TaskStatus.PAUSED),
        "done": make_task(
            code="D-1",
            start_date=days(-50),
            deadline=days(-5),
            status=TaskStatus.COMPLETED,
            progress=100,
            completed_on=days(-6),
        ),
    }


def test_overdue_first_then_open_work_by_deadline_then_closed_tasks(officer_client, mixed):
    response = officer_client.get(reverse("my_tasks"))
    assert response.status_code == 200
    # The completed task (deadline 5 days ago) and the paused one wait at the end.
    assert codes(response) == ["R-1", "R-2", "Y-1", "G-1", "D-1", "P-1"]


def test_counts_per_colour_at_the_top(officer_client, mixed):
    page = officer_client.get(reverse("my_tasks")).content.decode()
    counts = dict(re.findall(r'class="chip (\w+)[^"]*".*?<strong>(\d+)</strong>', page, re.S))
    assert counts == {"red": "2", "yellow": "1", "green": "2", "none": "1"}


def test_colour_filter_keeps_the_other_counts(officer_client, mixed):
    response = officer_client.get(reverse("my_tasks"), {"colour": "red"})
    assert codes(response) == ["R-1", "R-2"]
    assert "<strong>1</strong>" in response.content.decode()  # yellow still counted


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": TaskStatus.PAUSED}, ["P-1"]),
        ({"due": 7}, ["Y-1"]),
        ({"due": 45}, ["Y-1", "G-1"]),
        ({"q": "r-2"}, ["R-2"]),
        ({"q": "số hóa", "colour": "yellow"}, ["Y-1"]),
    ],
)
def test_filters(officer_client, mixed, params, expected):
    assert codes(officer_client.get(reverse("my_tasks"), params)) == expected


def test_plan_and_group_filters(officer_client, mixed, plan, make_task):
    group = mixed["green"].task_group
    assert codes(officer_client.get(reverse("my_tasks"), {"group": group.pk})) == ["G-1"]
    assert len(codes(officer_client.get(reverse("my_tasks"), {"plan": plan.pk}))) == 6


def test_bad_filter_values_are_ignored_with_a_message(officer_client, mixed):
    response = officer_client.get(reverse("my_tasks"), {"due": "abc", "colour": "purple", "plan": "x"})
    assert response.status_code == 200
    assert len(codes(response)) == 6
    assert 'role="alert"' in response.content.decode()


def test_the_filters_live_in_the_url(officer_client, mixed):
    page = officer_client.get(reverse("my_tasks"), {"status": "in_progress"}).content.decode()
    assert 'hx-push-url="true"' in page
    assert 'href="?status=in_progress&amp;colour=red"' in page


def test_pagination(officer_client, make_task):
    for n in range(TASKS_PER_PAGE + 3):
        make_task(code=f"X-{n:03d}", deadline=days(10 + n), start_date=days(-1), progress=5)
    first = officer_client.get(reverse("my_tasks"))
    second = officer_client.get(reverse("my_tasks"), {"page": 2})
    assert len(codes(first)) == TASKS_PER_PAGE and codes(second) == ["X-025", "X-026", "X-027"]
    assert 'rel="next" href="?page=2"' in first.content.decode()  # no stray "&amp;" before page
    assert officer_client.get(reverse("my_tasks"), {"page": 99}).status_code == 200


def test_htmx_gets_only_the_results(officer_client, mixed):
    response = officer_client.get(reverse("my_tasks"), {"colour": "red"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and 'id="results"' in body
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_only_the_users_units_tasks(client, mixed, make_task, other_commune, far_commune, neighbour_officer):
    make_task(code="N-1", lead_unit=other_commune)
    make_task(code="F-1", lead_unit=far_commune)
    client.force_login(neighbour_officer)
    assert codes(client.get(reverse("my_tasks"))) == ["N-1"]


def test_province_officer_lists_a_commune_of_the_province_but_not_another(
    client, mixed, tinh_officer, commune, far_commune, make_task
):
    make_task(code="F-1", lead_unit=far_commune)
    client.force_login(tinh_officer)
    assert codes(client.get(reverse("my_tasks"))) == []
    assert len(codes(client.get(reverse("my_tasks"), {"unit": commune.pk}))) == 6
    response = client.get(reverse("my_tasks"), {"unit": far_commune.pk})
    assert codes(response) == [] and 'role="alert"' in response.content.decode()


def test_login_required(client):
    response = client.get(reverse("my_tasks"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_tasks_without_a_colour_are_named_not_counted_and_explained(officer_client, mixed):
    page = officer_client.get(reverse("my_tasks")).content.decode()
    chip = re.search(r'class="chip none[^"]*".*?</a>', page, re.S).group(0)
    assert "Không tính màu" in chip and "<strong>1</strong>" in chip
    assert "nhiệm vụ được tính" not in page  # "no counted tasks: 1" said of a task count
    # The explanation names the statuses the rules leave out.
    assert "tạm dừng, đã hủy" in page
    assert '<option value="none">Không tính màu</option>' in page
