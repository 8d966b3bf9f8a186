"""The API's documentation page keeps the site's Content-Security-Policy whole (the browser
check is tests/e2e/test_api_docs_browser.py)."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_docs_page_has_no_inline_style_or_script(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html and "<script>" not in html
    assert "/static/css/swagger_page.css" in html
    policy = response["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
