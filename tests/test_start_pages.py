"""Everyone lands where their work is: after logging in, each role goes to its own start
page; the menu shows only what the role can open; an empty "My tasks" says why, and what
to do."""

import re

import pytest
from django.test import Client

from tasks_app.models import Membership, Role, User
from tests.forms_html import parse_page

pytestmark = pytest.mark.django_db

START_PAGES = {
    "xa_officer": "/tasks/",
    "tinh_officer": "/tasks/",
    "xa_leader": "/dashboard/",
    "tinh_leader": "/dashboard/",
    "central_viewer": "/dashboard/",
    "staff_admin": "/admin/",
}


def _log_in(username: str, password: str, **extra) -> tuple[Client, object]:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password, **extra})
    return client, response


def _password(persona: str, user: User) -> str:
    return "x" if persona == "staff_admin" else f"pw-{user.username}"


@pytest.mark.parametrize("persona", sorted(START_PAGES))
def test_each_role_lands_on_its_start_page(request, persona):
    user = request.getfixturevalue(persona)
    client, response = _log_in(user.username, _password(persona, user))
    assert response.status_code == 302 and response["Location"] == START_PAGES[persona]
    assert client.get(response["Location"], follow=True).status_code == 200
    # The brand link ("/") and the login page, once logged in, go the same way.
    assert client.get("/")["Location"] == START_PAGES[persona]
    assert client.get("/accounts/login/")["Location"] == START_PAGES[persona]


def test_leaders_and_viewers_reach_their_own_board(xa_leader, tinh_leader, central_viewer, commune, nghe_an):
    for user, board in (
        (xa_leader, f"/dashboard/commune/{commune.pk}/"),
        (tinh_leader, f"/dashboard/province/{nghe_an.pk}/"),
        (central_viewer, "/dashboard/national/"),
    ):
        client, response = _log_in(user.username, f"pw-{user.username}")
        assert client.get(response["Location"])["Location"] == board


def test_an_administrator_who_is_also_an_officer_starts_on_the_tasks(tinh_officer):
    tinh_officer.is_staff = True
    tinh_officer.save(update_fields=["is_staff"])
    assert _log_in("tinh_officer", "pw-tinh_officer")[1]["Location"] == "/tasks/"


def test_a_safe_next_is_kept_and_an_unsafe_one_ignored(tinh_leader, make_task):
    task = make_task()
    _, response = _log_in("tinh_leader", "pw-tinh_leader", next=f"/tasks/{task.pk}/")
    assert response["Location"] == f"/tasks/{task.pk}/"
    _, response = _log_in("tinh_leader", "pw-tinh_leader", next="https://evil.example/steal")
    assert response["Location"] == "/dashboard/"


def test_a_visitor_on_the_home_page_goes_to_the_login_page_without_a_fixed_destination(db):
    assert Client().get("/")["Location"] == "/accounts/login/"


# --- The menu ----------------------------------------------------------------------------

MENU = {
    # persona: the menu's links, in order
    "xa_officer": ["/tasks/", "/dashboard/", "/reports/", "/indicators/"],
    "xa_leader": ["/tasks/", "/dashboard/", "/reports/", "/indicators/", "/tasks/approvals/"],
    "tinh_officer": ["/tasks/", "/dashboard/", "/reports/", "/indicators/", "/tasks/new/"],
    "tinh_leader": ["/tasks/", "/dashboard/", "/reports/", "/indicators/", "/tasks/approvals/"],
    "central_viewer": ["/dashboard/", "/reports/", "/indicators/"],
    "staff_admin": ["/dashboard/", "/reports/", "/indicators/", "/operations/", "/admin/"],
}


def _menu(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Menu chính">(.*?)</nav>', html, re.S)
    assert nav, "no main menu"
    return parse_page(nav.group(1))[1]


@pytest.mark.parametrize("persona", sorted(MENU))
def test_the_menu_shows_what_each_role_can_open(request, persona):
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    page = client.get("/reports/")
    links = _menu(page.content.decode())
    assert links == MENU[persona]
    for link in links:
        assert client.get(link, follow=True).status_code == 200, link


def test_someone_without_a_unit_sees_no_menu_but_is_told_what_to_do(db):
    user = User.objects.create_user("moi", password="pw-moi")
    client, response = _log_in("moi", "pw-moi")
    assert response["Location"] == "/tasks/"
    page = client.get("/tasks/").content.decode()
    assert '<nav aria-label="Menu chính">' not in page
    assert "Tài khoản của bạn chưa thuộc đơn vị nào" in page
    assert user.is_authenticated


def test_the_login_page_has_no_menu(db):
    assert "Menu chính" not in Client().get("/accounts/login/").content.decode()


# --- Empty lists -------------------------------------------------------------------------


def _tasks_page(user, query: str = "") -> str:
    client = Client()
    client.force_login(user)
    return client.get("/tasks/" + query).content.decode()


def test_an_empty_list_without_filters_says_why_for_each_role(
    xa_officer, tinh_officer, tinh_leader, central_viewer
):
    page = _tasks_page(xa_officer)
    assert "Đơn vị của bạn chưa được giao nhiệm vụ nào. Nhiệm vụ sẽ hiện ở đây khi tỉnh giao." in page
    assert "Không có nhiệm vụ nào phù hợp với bộ lọc" not in page

    page = _tasks_page(tinh_officer)
    assert "Hãy tạo nhiệm vụ đầu tiên" in page and 'href="/tasks/new/">Thêm nhiệm vụ</a>' in page

    assert "khi văn phòng tỉnh tạo hoặc Trung ương giao" in _tasks_page(tinh_leader)

    page = _tasks_page(central_viewer)
    assert "không có nhiệm vụ riêng" in page and 'href="/dashboard/">Mở bảng điều hành</a>' in page


def test_an_empty_list_with_filters_offers_to_clear_them(xa_officer, make_task):
    make_task(title="Số hóa hồ sơ")
    page = _tasks_page(xa_officer, "?q=kh%C3%B4ng-c%C3%B3")
    assert "Không có nhiệm vụ nào phù hợp với bộ lọc" in page
    assert '<a href="/tasks/">Xóa bộ lọc</a></p>' in page
    # An empty submitted form is no filter: the unit has a task, so the list is not empty.
    assert "Số hóa hồ sơ" in _tasks_page(xa_officer, "?q=&status=")


def test_a_member_of_a_unit_with_tasks_sees_them_not_a_reason(xa_officer, make_task):
    make_task(title="Số hóa hồ sơ")
    page = _tasks_page(xa_officer)
    assert "Số hóa hồ sơ" in page and 'class="empty"' not in page


def test_a_commune_leader_without_tasks_is_told_they_come_from_the_province(db, far_commune):
    viewer = User.objects.create_user("xem", password="pw")
    Membership.objects.create(user=viewer, unit=far_commune, role=Role.COMMUNE_LEADER)
    assert "Đơn vị của bạn chưa được giao nhiệm vụ nào" in _tasks_page(viewer)
