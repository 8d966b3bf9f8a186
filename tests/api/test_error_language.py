"""The API's errors in Vietnamese unless the request asks for English (Accept-Language),
including the messages that come from Django REST framework and django-filter themselves."""

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework import exceptions, fields, pagination, relations, serializers
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db


def _error(response) -> dict:
    body = response.json()
    assert body["type"] in ("client_error", "validation_error")
    return body["errors"][0]


@pytest.mark.parametrize(
    "language, detail",
    [(None, "Chưa cung cấp thông tin xác thực."), ("en", "Authentication credentials were not provided.")],
)
def test_401(api, language, detail):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = api.get("/api/v1/units/", **headers)
    assert response.status_code == 401 and _error(response)["detail"] == detail


@pytest.mark.parametrize(
    "language, detail",
    [
        (None, "Mã truy cập này chỉ đọc: không thể thay đổi dữ liệu."),
        ("en", "This token is read-only: it cannot change anything."),
    ],
)
def test_403(client_as, xa_officer, language, detail):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client_as(xa_officer, read_only=True).post("/api/v1/units/", {}, format="json", **headers)
    assert response.status_code == 403 and _error(response)["detail"] == detail


@pytest.mark.parametrize("language, detail", [(None, "Không tìm thấy."), ("en", "Not found.")])
def test_404(client_as, outsider, commune, language, detail):
    """A unit outside the user's scope answers 404 with the plain message, naming nothing."""
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client_as(outsider).get(f"/api/v1/units/{commune.pk}/", **headers)
    assert response.status_code == 404 and _error(response)["detail"] == detail


@pytest.mark.parametrize("language, detail", [(None, "Trang không hợp lệ."), ("en", "Invalid page.")])
def test_404_for_a_page_past_the_end(client_as, xa_officer, language, detail):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client_as(xa_officer).get("/api/v1/units/?page=999", **headers)
    assert response.status_code == 404 and _error(response)["detail"] == detail


@pytest.mark.parametrize(
    "language, detail",
    [(None, "Phương thức “POST” không được chấp nhận."), ("en", 'Method "POST" not allowed.')],
)
def test_405(client_as, xa_officer, language, detail):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client_as(xa_officer).post("/api/v1/units/", {}, format="json", **headers)
    assert response.status_code == 405 and _error(response)["detail"] == detail


@pytest.mark.parametrize(
    "language, start",
    [
        (None, "Yêu cầu bị giới hạn do gửi quá nhiều. Hãy thử lại sau "),
        ("en", "Request was throttled. Expected available in "),
    ],
)
def test_429(monkeypatch, client_as, xa_officer, language, start):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"token": "1/min", "user": "100/min", "anon": "1/min"}
    )
    cache.clear()
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    api = client_as(xa_officer)
    api.get("/api/v1/units/")
    response = api.get("/api/v1/units/", **headers)
    cache.clear()
    assert response.status_code == 429 and response["Retry-After"]
    detail = _error(response)["detail"]
    assert detail.startswith(start) and detail.endswith(" giây." if language is None else " seconds.")


@pytest.mark.parametrize(
    "language, detail",
    [
        (None, "Hãy chọn một lựa chọn hợp lệ. bogus không phải là một trong các lựa chọn khả thi."),
        ("en", "Select a valid choice. bogus is not one of the available choices."),
    ],
)
def test_400_names_the_field(client_as, xa_officer, language, detail):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client_as(xa_officer).get("/api/v1/units/?kind=bogus", **headers)
    assert response.status_code == 400
    error = _error(response)
    assert response.json()["type"] == "validation_error"
    assert error["attr"] == "kind" and error["detail"] == detail


def test_drf_own_field_messages_are_in_vietnamese():
    """Every message of the fields and errors an API client can meet has a Vietnamese entry
    (DRF's own catalogue has few), from the installed DRF's own msgids."""
    sources = [
        fields.Field,
        fields.BooleanField,
        fields.CharField,
        fields.IntegerField,
        fields.FloatField,
        fields.DecimalField,
        fields.DateTimeField,
        fields.DateField,
        fields.TimeField,
        fields.DurationField,
        fields.ChoiceField,
        fields.MultipleChoiceField,
        fields.FileField,
        fields.ListField,
        fields.DictField,
        fields.UUIDField,
        relations.PrimaryKeyRelatedField,
        serializers.Serializer,
        serializers.ListSerializer,
    ]
    messages = {str(m._args[0]) for source in sources for m in source.default_error_messages.values()}
    messages |= {
        e.default_detail._args[0]
        for e in (
            exceptions.ParseError,
            exceptions.AuthenticationFailed,
            exceptions.NotAuthenticated,
            exceptions.PermissionDenied,
            exceptions.NotFound,
            exceptions.MethodNotAllowed,
            exceptions.NotAcceptable,
            exceptions.UnsupportedMediaType,
            exceptions.Throttled,
            exceptions.ValidationError,
        )
    }
    messages |= {
        exceptions.Throttled.extra_detail_singular._args[0],
        exceptions.Throttled.extra_detail_plural._args[0],
        pagination.PageNumberPagination.invalid_page_message._args[0],
        pagination.CursorPagination.invalid_cursor_message._args[0],
        "Range query expects two values.",
    }
    with translation.override("vi"):
        untranslated = sorted(m for m in messages if translation.gettext(m) == m)
    assert untranslated == []
