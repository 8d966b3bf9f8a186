"""The API's documentation page (Swagger UI from vendored files) in a real browser, under
the site's Content-Security-Policy: it loads the schema and lists the operations, with no
violation and no script error."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def watched_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("requestfailed", lambda request: page.problems.append(f"failed: {request.url}"))
    yield page
    context.close()


def test_swagger_ui_lists_the_operations_without_violations(live_server, watched_page):
    page = watched_page
    response = page.goto(live_server.url + "/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any(p.rstrip("/").endswith("/api/v1/units") for p in paths), paths
    assert any("/api/v1/committees" in p for p in paths), paths
    page.wait_for_timeout(300)
    assert page.problems == []


def test_swagger_ui_on_a_phone(live_server, page):
    page.goto(live_server.url + "/api/v1/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 5
