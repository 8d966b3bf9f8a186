"""Our own 403, 404 and 500 pages: in Vietnamese (English when chosen), in the app's
layout, saying what to do next. Tested with DEBUG off, as served for real."""

import pytest
from django.template.loader import get_template
from django.test import Client, override_settings
from django.utils import translation

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
def test_a_missing_page_says_what_to_do(xa_officer):
    client = Client()
    client.force_login(xa_officer)
    response = client.get("/tasks/999999/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Không tìm thấy trang</h1>" in page
    assert 'class="site-header"' in page and '<nav aria-label="Menu chính">' in page  # the app's layout
    assert '<a href="/">Về trang bắt đầu của bạn: nhiệm vụ hoặc bảng điều hành</a>' in page
    assert "văn phòng Ban Chỉ đạo" in page


@override_settings(DEBUG=False)
def test_a_visitor_is_offered_to_log_in_on_the_404_page(db):
    page = Client().get("/no-such-page/").content.decode()
    assert "Không tìm thấy trang" in page and 'href="/accounts/login/"' in page


@override_settings(DEBUG=False)
def test_the_404_page_in_english(xa_officer):
    client = Client()
    client.force_login(xa_officer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/tasks/999999/").content.decode()
    assert "<h1>Page not found</h1>" in page and 'lang="en"' in page


@override_settings(DEBUG=False)
def test_a_refusal_says_why_and_what_to_do(xa_officer):
    client = Client()
    client.force_login(xa_officer)
    response = client.get("/dashboard/national/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Không được phép</h1>" in page and 'class="site-header"' in page
    # The view's own reason is shown.
    assert "Bảng điều hành toàn quốc dành cho" in page
    assert 'href="/"' in page and "văn phòng Ban Chỉ đạo" in page


@override_settings(DEBUG=False, ROOT_URLCONF="tests.urls_failing")
def test_a_server_error_shows_our_page(xa_officer):
    client = Client(raise_request_exception=False)
    client.force_login(xa_officer)
    response = client.get("/fail/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Đã có lỗi xảy ra</h1>" in page and 'class="site-header"' in page
    assert "Thử lại sau vài phút." in page and 'href="/"' in page


@pytest.mark.django_db(databases=[])  # any database query fails the test
def test_the_500_page_needs_no_database_nor_context_processors():
    with translation.override("vi"):
        page = get_template("500.html").render()  # as server_error does: no request, no context
    assert "Đã có lỗi xảy ra" in page and 'lang="vi"' in page
    with translation.override("en"):
        assert "Something went wrong" in get_template("500.html").render()


def test_a_stale_form_gets_the_apps_own_page_in_vietnamese(xa_officer, make_task):
    from django.test import Client

    task = make_task()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(xa_officer)
    response = browser.post(f"/tasks/{task.pk}/update/", {"note": "x", "csrfmiddlewaretoken": "stale"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Trang đã cũ" in html and "Chưa có gì được lưu" in html
    assert "CSRF verification failed" not in html
