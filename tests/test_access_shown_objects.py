"""The rule behind every page: a page shows nothing that the same user could not open by
its own URL. A link it gives answers 200, never 404 or 403; a roll-up counts only the
units the user may see, and says so when others are left out (docs/access.md).

The pages are crawled as each persona would: their start page, their dashboards, "My
tasks" with a search, the approvals list, the report archive and every task page they may
open, following every link to a task, a unit's dashboard or a report."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.http import Http404
from django.urls import reverse

from reports.models import Report, ReportKind, ReportStatus
from tasks_app.access import (
    get_unit_for_dashboard,
    may_view_reports_of,
    may_view_unit,
    visible_reports,
    visible_tasks,
    visible_units,
)
from tasks_app.actions.tasks import task_cascade
from tasks_app.models import Membership, Plan, Role, Task, TaskStatus, Unit, UnitKind, User

pytestmark = pytest.mark.django_db

FOLLOWED = re.compile(
    r"^/(tasks/\d+/(edit/|withdraw/|cascade/)?|tasks/\?parent=\d+[^#]*|dashboard/(province|commune)/\d+/"
    r"|reports/\d+/(xlsx/)?)$"
)
HREF = re.compile(r'href="([^"]+)"')


@pytest.fixture
def quang_tri(db) -> Unit:
    return Unit.objects.get(code="44")


@pytest.fixture
def qt_communes(quang_tri) -> list[Unit]:
    return list(
        Unit.objects.filter(province=quang_tri, kind=UnitKind.COMMUNE, is_active=True).order_by("code")[:6]
    )


@pytest.fixture
def world(make_task, nghe_an, commune, other_commune, quang_tri, qt_communes, tinh_officer):
    """Nghệ An's own work, and a Quảng Trị task cascaded to six of its communes that a
    commune of Nghệ An (`other_commune`) coordinates."""
    today = datetime.date.today()
    na_task = make_task(lead_unit=nghe_an, code="NA-1", title="Nhiệm vụ của tỉnh")
    task_cascade(
        parent=na_task, communes=[commune, other_commune], author=tinh_officer, responsible_position=""
    )
    make_task(code="C-LATE", title="Nhiệm vụ quá hạn", deadline=today - datetime.timedelta(days=3))
    make_task(code="C-WAIT", title="Chờ duyệt", status=TaskStatus.AWAITING_APPROVAL, progress=100)
    # Nghệ An's plan, led by a commune of Quảng Trị (set so in the admin): its approval is not
    # for Nghệ An's leader, who cannot open it.
    make_task(code="NA-QT", lead_unit=qt_communes[-1], status=TaskStatus.AWAITING_APPROVAL, progress=100)
    qt_plan = Plan.objects.create(
        issuing_unit=quang_tri,
        code="80/KH-UBND",
        title="Kế hoạch Quảng Trị",
        issue_date=datetime.date(2026, 1, 10),
    )
    qt_task = make_task(plan=qt_plan, lead_unit=quang_tri, code="QT-1", title="Nhiệm vụ Quảng Trị")
    qt_task.coordinating_units.add(other_commune)
    children = task_cascade(parent=qt_task, communes=qt_communes, author=None, responsible_position="")
    # Colours and statuses of the copies, as the roll-up would show them.
    Task.objects.filter(pk=children[0].pk).update(
        status=TaskStatus.COMPLETED, progress=100, completed_on=today
    )
    Task.objects.filter(pk=children[1].pk).update(deadline=today - datetime.timedelta(days=1))
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    for kind, unit in [(ReportKind.PROVINCE_WEEKLY, nghe_an), (ReportKind.COMMUNE_SUMMARY, commune)]:
        Report.objects.create(kind=kind, unit=unit, period_start=monday, status=ReportStatus.QUEUED)
    Report.objects.create(
        kind=ReportKind.PROVINCE_WEEKLY, unit=quang_tri, period_start=monday, status=ReportStatus.QUEUED
    )
    return {"na_task": na_task, "qt_task": qt_task, "qt_children": children}


@pytest.fixture
def coordinator(other_commune) -> User:
    """Officer of a Nghệ An commune that coordinates a Quảng Trị task."""
    user = User.objects.create_user("coordinator", password="x", full_name="Điều Phối")
    Membership.objects.create(user=user, unit=other_commune, role=Role.COMMUNE_OFFICER)
    return user


@pytest.fixture
def personas(central_viewer, tinh_leader, tinh_officer, xa_leader, xa_officer, coordinator, outsider):
    return {
        "central viewer": central_viewer,
        "province leader": tinh_leader,
        "province office": tinh_officer,
        "commune leader": xa_leader,
        "commune officer": xa_officer,
        "coordinating commune of another province": coordinator,
        "Quảng Trị commune officer": outsider,
    }


def _links(html: str) -> set[str]:
    found = set()
    for href in HREF.findall(html):
        href = href.replace("&amp;", "&")
        parts = urlsplit(href)
        if parts.netloc:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.path.startswith("/dashboard/"):
            path = parts.path  # the drill-down filters change figures, not who may open it
        if FOLLOWED.match(path):
            found.add(path)
    return found


DASHBOARD = re.compile(r"^/dashboard/(province|commune)/(\d+)/$")


def _crawl(client, user) -> dict[str, int]:
    """Every page the user reaches from their start pages, with the status it answered.

    A nationwide board links every province and quiet commune (thousands): the boards of
    units with tasks are opened; the others are asked of the dashboards' own access check,
    the one their view makes."""
    client.force_login(user)
    seeds = ["/", reverse("dashboard"), reverse("my_tasks"), f"{reverse('my_tasks')}?search=nhiem+vu"]
    seeds += [reverse("task_approvals"), reverse("report_archive")]
    seeds += [reverse("task_detail", args=[pk]) for pk in visible_tasks(user).values_list("pk", flat=True)]
    with_tasks = set(Task.objects.values_list("lead_unit_id", flat=True))
    answered: dict[str, int] = {}
    queue = list(seeds)
    while queue:
        url = queue.pop()
        if url in answered:
            continue
        board = DASHBOARD.match(url)
        if board and int(board[2]) not in with_tasks:
            try:
                get_unit_for_dashboard(user, int(board[2]), kind=board[1])
                answered[url] = 200
            except Http404:
                answered[url] = 404
            continue
        response = client.get(url, follow=url in seeds)
        answered[url] = response.status_code
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            queue.extend(_links(response.content.decode()) - answered.keys())
    return {url: status for url, status in answered.items() if url not in seeds or FOLLOWED.match(url)}


def test_every_link_a_page_gives_opens_for_the_same_user(client, world, personas):
    broken = {}
    for name, user in personas.items():
        client.logout()
        answered = _crawl(client, user)
        assert answered, name
        bad = {url: status for url, status in answered.items() if status != 200}
        if bad:
            broken[name] = bad
    assert broken == {}


def test_a_coordinating_commune_of_another_province_sees_no_copy_it_cannot_open(client, world, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("task_detail", args=[world["qt_task"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for child in world["qt_children"]:
        assert client.get(reverse("task_detail", args=[child.pk])).status_code == 404
        assert child.lead_unit.name not in html
        assert reverse("task_detail", args=[child.pk]) not in html
    # It is told the roll-up leaves units out, not shown a partial one as if whole.
    assert "Bạn chỉ thấy các đơn vị trong phạm vi của mình" in html


def test_the_province_still_sees_every_copy_of_its_task(client, world, quang_tri):
    qt_officer = User.objects.create_user("qt_officer", password="x")
    Membership.objects.create(user=qt_officer, unit=quang_tri, role=Role.PROVINCE_OFFICER)
    client.force_login(qt_officer)
    html = client.get(reverse("task_detail", args=[world["qt_task"].pk])).content.decode()
    for child in world["qt_children"]:
        assert child.lead_unit.name in html
    assert "Bạn chỉ thấy các đơn vị trong phạm vi của mình" not in html


def test_a_commune_sees_only_its_own_copy_among_its_provinces_copies(
    client, world, xa_leader, commune, other_commune
):
    """A leader of one commune reads its province's task (the copy's parent) but not the
    other communes' copies."""
    client.force_login(xa_leader)
    html = client.get(reverse("task_detail", args=[world["na_task"].pk])).content.decode()
    assert other_commune.name not in html


# --- One rule for units, dashboards and reports ------------------------------------------------


def test_the_archive_lists_exactly_the_reports_the_user_may_open(world, personas, staff_admin):
    for user in [*personas.values(), staff_admin]:
        listed = set(visible_reports(user).values_list("pk", flat=True))
        openable = {
            report.pk
            for report in Report.objects.select_related("unit")
            if may_view_reports_of(user, report.unit)
        }
        assert listed == openable, user.username


def test_visible_units_is_may_view_unit_as_a_query(world, personas, nghe_an, quang_tri, root):
    units = list(Unit.objects.filter(pk__in=[nghe_an.pk, quang_tri.pk, root.pk]))
    units += list(Unit.objects.filter(province__in=[nghe_an, quang_tri], kind=UnitKind.COMMUNE)[:40])
    for user in personas.values():
        as_query = set(visible_units(user).filter(pk__in=[u.pk for u in units]).values_list("pk", flat=True))
        assert as_query == {u.pk for u in units if may_view_unit(user, u)}, user.username
