"""No address a person can type makes a 500: every page and htmx part, with extreme and
hostile values in every query parameter the app reads and in every id of the path, as
every persona. Pages are found from the URLconf, so a new page is swept without being
listed here. CI runs this on PostgreSQL as well as SQLite (DATABASE_URL)."""

import datetime
import re
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from reports.boards.forms import BoardFilterForm, CommuneTableForm
from reports.documents.archive import reportable_weeks
from reports.documents.forms import ArchiveFilterForm
from reports.models import Report, ReportKind
from tasks_app.actions.greening import greening_recompute
from tasks_app.forms.filters import TaskFilterForm
from tasks_app.models import GreeningSnapshot
from tasks_app.params import ID_MAX, PageForm

pytestmark = pytest.mark.django_db

HUGE_ID = ID_MAX + 1  # 9223372036854775808: one past a 64-bit key
HUGER_ID = 10**30

# Every query parameter a page reads comes from one of these forms (tasks_app.params);
# the rest are read by Django itself (login's next, the admin's changelist).
QUERY_FORMS = [TaskFilterForm, BoardFilterForm, CommuneTableForm, ArchiveFilterForm, PageForm]
OTHER_PARAMS = ["next", "o", "p", "e", "all", "_popup", "_to_field", "id__exact", "lead_unit__id__exact"]
PARAMS = sorted({name for form in QUERY_FORMS for name in form.base_fields} | set(OTHER_PARAMS))

# Raw query-string values (already percent-encoded where they must be).
BAD_VALUES = [
    "0001-01-01",
    "01/01/0001",
    "9999-12-31",
    "31/12/9999",
    "0001-01-08",
    str(HUGE_ID),
    str(HUGER_ID),
    "-1",
    "0",
    str(10**20),
    "unknown",
    quote("-;DROP TABLE tasks_app_task"),
    quote("' OR 1=1 --"),
    "x" * 5000,
    "%00",
    "a%00b",
    "%ff%fe",
    "1e999",
    "nan",
    "",
]
FEW_VALUES = ["0001-01-01", str(HUGE_ID), "-1", quote("' OR 1=1 --"), "%00"]

# Pages whose ids are the user's own, someone else's, and ids past 64 bits.
ID_PATH = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield entry.name or "", route


def app_routes() -> list[tuple[str, str]]:
    """(url name, route) of every page but the admin's, which is Django's own and swept
    by its changelists and change pages below."""
    return [(name, route) for name, route in _patterns(get_resolver()) if not route.startswith("admin/")]


def admin_changelists() -> list[str]:
    return [
        "/" + route
        for name, route in _patterns(get_resolver())
        if route.startswith("admin/") and name.endswith("_changelist")
    ]


@pytest.fixture
def world(make_task, nghe_an, commune, far_commune, tinh_leader):
    """A task with a copy in the commune, figures (today's, and one pretending to be of
    year 1, so a board that accepted that date would compute its trend before year 1),
    and a report."""
    task = make_task(lead_unit=nghe_an, code="TINH-1")
    copy = make_task(parent=task, code="XA-1")
    far_task = make_task(lead_unit=far_commune, code="QT-1")
    greening_recompute()
    report = Report.objects.create(
        kind=ReportKind.PROVINCE_WEEKLY,
        unit=nghe_an,
        period_start=reportable_weeks()[0].start,
        requested_by=tinh_leader,
    )
    return {
        "task": [task.pk, copy.pk, far_task.pk],
        "report": [report.pk],
        "province": [nghe_an.pk, far_commune.province_id],
        "commune": [commune.pk, far_commune.pk],
    }


def _ids_for(name: str, world: dict) -> list[int]:
    if name.startswith("report"):
        real = world["report"]
    elif name.endswith("province"):
        real = world["province"]
    elif name.endswith("commune"):
        real = world["commune"]
    else:
        real = world["task"]
    return [*real, HUGE_ID, 0, HUGER_ID]


def paths(world: dict, *, ids: slice = slice(None)) -> list[str]:
    """Every page's path with real, foreign and out-of-range ids (`ids`: which of them)."""
    found = []
    for name, route in app_routes():
        if not ID_PATH.search(route):
            found.append("/" + route)
            continue
        for value in _ids_for(name, world)[ids]:
            found.append("/" + ID_PATH.sub(str(value), route))
    return found


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None and not isinstance(user, AnonymousUser):
        client.force_login(user)
    return client


def assert_no_server_error(client: Client, url: str, **headers) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code < 500, f"{url[:200]} answered {response.status_code}"


def query_with(value: str, names=PARAMS) -> str:
    return "&".join(f"{name}={value}" for name in names)


def mixed_query() -> str:
    """Each parameter with a different bad value, each twice."""
    pairs = [f"{name}={FEW_VALUES[i % len(FEW_VALUES)]}" for i, name in enumerate(PARAMS)]
    return "&".join(pairs + pairs[::-1])


# --- The cases of issue 15 ------------------------------------------------------------------


@pytest.fixture
def year_one_figures(nghe_an, commune, make_task):
    """Figures for 01/01/0001, as a recompute for that date would store them."""
    make_task()
    greening_recompute()
    for snapshot in GreeningSnapshot.objects.filter(unit__in=[nghe_an, commune]):
        snapshot.pk = None
        snapshot.on_date = datetime.date(1, 1, 1)
        snapshot.save()


@pytest.mark.parametrize("date", ["0001-01-01", "01/01/0001"])
def test_a_board_date_before_resolution_57_is_refused_with_a_message(
    client, central_viewer, nghe_an, commune, year_one_figures, date
):
    client.force_login(central_viewer)
    for url in (f"/dashboard/province/{nghe_an.pk}/", f"/dashboard/commune/{commune.pk}/"):
        response = client.get(url, {"date": date})
        assert response.status_code == 200
        assert "Hãy nhập một ngày từ 01/01/2024 đến" in response.content.decode()


def test_a_parent_id_past_64_bits_is_ignored_with_a_message(client, xa_officer, make_task):
    make_task()
    client.force_login(xa_officer)
    response = client.get("/tasks/", {"parent": str(HUGE_ID)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Một số bộ lọc không hợp lệ nên đã được bỏ qua." in html
    assert "T-0001" in html  # the list, unfiltered by the bad value


@pytest.mark.parametrize(
    "path",
    [
        f"/tasks/{HUGE_ID}/",
        f"/tasks/{HUGER_ID}/",
        f"/tasks/{HUGE_ID}/update/",
        f"/tasks/1/evidence/{HUGE_ID}/",
        f"/reports/{HUGE_ID}/",
        f"/reports/{HUGE_ID}/pdf/",
        f"/dashboard/province/{HUGE_ID}/",
        f"/dashboard/commune/{HUGER_ID}/",
    ],
)
def test_an_id_past_64_bits_in_the_path_is_not_found(client, tinh_leader, path):
    client.force_login(tinh_leader)
    assert client.get(path).status_code == 404


def test_a_hidden_value_out_of_range_is_named_on_the_page(client, tinh_leader, nghe_an):
    client.force_login(tinh_leader)
    html = client.get(f"/dashboard/province/{nghe_an.pk}/", {"page": str(10**20)}).content.decode()
    assert "Địa chỉ trang có giá trị “page” không hợp lệ nên đã được bỏ qua." in html
    html = client.get("/tasks/approvals/", {"page": "-1"}).content.decode()
    assert "Địa chỉ trang có giá trị “page” không hợp lệ nên đã được bỏ qua." in html


def test_the_sweep_reaches_every_page():
    """The sweep below finds pages from the URLconf: all of the app's, and the admin's."""
    names = {name for name, _route in app_routes()}
    assert {"my_tasks", "task_detail", "dashboard_province", "report_archive", "evidence_download"} <= names
    assert "/admin/tasks_app/task/" in admin_changelists()
    assert {"parent", "date", "page", "sort", "q", "week"} <= set(PARAMS)


# --- The sweep ------------------------------------------------------------------------------


def test_no_value_in_any_parameter_makes_a_server_error(world, tinh_leader):
    """As a province leader, who reaches most pages: every page (with a real id) with each
    bad value in every parameter at once, repeated; the pages that read parameters with
    each parameter alone; their htmx parts; every page with every kind of id."""
    client = client_for(tinh_leader)
    for path in paths(world, ids=slice(0, 1)):
        for value in BAD_VALUES:
            assert_no_server_error(client, f"{path}?{query_with(value)}&{query_with('1')}")
    for path in paths(world):
        assert_no_server_error(client, f"{path}?{mixed_query()}", HX_Request="true")
    readers = {
        "/tasks/": [TaskFilterForm],
        f"/dashboard/province/{world['province'][0]}/": [BoardFilterForm, CommuneTableForm],
        "/reports/": [ArchiveFilterForm],
    }
    for path, forms in readers.items():
        for name in (name for form in forms for name in form.base_fields):
            for value in (str(HUGE_ID), "0001-01-01", "%00"):
                assert_no_server_error(client, f"{path}?{name}={value}")
        for target in ("board", "communes", "results", "filters", "x" * 300):
            headers = {"HX_Request": "true", "HX_Target": target, "HX_Trigger": "filters"}
            assert_no_server_error(client, f"{path}?{mixed_query()}", **headers)


PERSONAS = [None, "alice", "xa_officer", "xa_leader", "tinh_officer", "central_viewer", "staff_admin"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_persona_meets_a_server_error(request, world, persona):
    """Every page with the persona's own, a foreign and a too large id, and bad values."""
    user = request.getfixturevalue(persona) if persona else None
    client = client_for(user)
    for path in paths(world, ids=slice(0, -2)):
        assert_no_server_error(client, f"{path}?{mixed_query()}")
    for path in paths(world, ids=slice(0, 1)):
        assert_no_server_error(client, f"{path}?{mixed_query()}", HX_Request="true", HX_Target="board")


def test_the_admin_takes_odd_parameters(world, staff_admin):
    client = client_for(staff_admin)
    for path in ["/admin/", *admin_changelists()]:
        for value in BAD_VALUES:
            assert_no_server_error(client, f"{path}?{query_with(value)}")
    for model in ("tasks_app/task", "tasks_app/unit", "reports/report", "tasks_app/user"):
        for value in (HUGE_ID, HUGER_ID, -1, "%00", "%ff"):
            for page in ("change/", "history/", "delete/", ""):
                assert_no_server_error(client, f"/admin/{model}/{value}/{page}")


def test_links_carry_only_the_values_the_forms_accepted(client, tinh_leader, nghe_an, commune, make_task):
    """Sorting, page and drill-down links are built from the accepted query, so a refused
    or unknown parameter is not echoed back into every link on the page."""
    make_task(lead_unit=commune)
    client.force_login(tinh_leader)
    html = client.get(
        f"/dashboard/province/{nghe_an.pk}/",
        {"sort": "-overdue", "date": "0001-01-01", "page": "-4", "evil": "x1y2", "colour": "purple"},
    ).content.decode()
    links = re.findall(r'href="\?([^"]*)"', html)
    assert links, "the board has sort links"
    assert any("sort=overdue" in link for link in links), "the accepted sort is carried (and reversed)"
    for link in links:
        assert "x1y2" not in link and "0001" not in link and "purple" not in link and "page=-4" not in link
