"""The API's doors: tokens (hashed, read-only, expiry, revocation, last use), sessions with
CSRF, the error shape in both languages, and the reference resources' scopes."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tasks_app.actions.tokens import token_create, token_revoke
from tasks_app.models import ApiToken, ApiTokenPurpose, Plan, Unit, UnitKind

pytestmark = pytest.mark.django_db


def test_without_credentials_the_api_answers_401_in_the_one_error_shape(api):
    response = api.get("/api/v1/units/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "not_authenticated"
    assert body["errors"][0]["attr"] is None


def test_errors_speak_vietnamese_unless_english_is_asked_for(api, token_for, xa_officer):
    api.credentials(HTTP_AUTHORIZATION="Bearer nq57_wrong")
    vietnamese = api.get("/api/v1/units/").json()["errors"][0]["detail"]
    english = api.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en").json()["errors"][0]["detail"]
    assert english == "This token is not valid."
    assert vietnamese == "Mã truy cập này không hợp lệ."


def test_a_token_is_stored_hashed_and_records_its_last_use(api, xa_officer):
    issued = token_create(
        user=xa_officer,
        name="Bảng tính của xã",
        purpose=ApiTokenPurpose.SCRIPTS,
        read_only=True,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith("nq57_") and issued.secret not in stored.key_hash
    assert stored.last_used_at is None
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert api.get("/api/v1/units/", REMOTE_ADDR="10.1.2.3").status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None and stored.last_used_ip == "10.1.2.3"


@pytest.mark.parametrize(
    "spoil, reason",
    [
        ("revoke", "This token has been revoked."),
        ("expire", "This token has expired."),
        ("disable", "The account that owns this token is disabled."),
    ],
)
def test_a_revoked_or_expired_token_or_a_disabled_user_is_refused_with_the_reason(
    api, xa_officer, token_for, spoil, reason
):
    secret = token_for(xa_officer)
    token = ApiToken.objects.get(user=xa_officer)
    if spoil == "revoke":
        assert token_revoke(token=token) and not token_revoke(token=token)
    elif spoil == "expire":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    else:
        xa_officer.is_active = False
        xa_officer.save()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["errors"][0]["detail"] == reason


def test_a_feed_token_is_always_read_only_and_opens_only_the_feed(api, token_for, tinh_officer):
    secret = token_for(tinh_officer, purpose=ApiTokenPurpose.FEED, read_only=False)
    assert ApiToken.objects.get(user=tinh_officer).read_only
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == "A feed token opens only the daily feed."


def test_the_session_works_for_the_browser_and_needs_csrf_for_writes(xa_officer):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(xa_officer)
    assert browser.get("/api/v1/units/").status_code == 200


def test_a_commune_officer_sees_only_their_commune_and_a_foreign_unit_is_404(client_as, xa_officer, commune):
    api = client_as(xa_officer)
    body = api.get("/api/v1/units/").json()
    assert [row["code"] for row in body["results"]] == [commune.code]
    foreign = Unit.objects.filter(kind=UnitKind.COMMUNE).exclude(pk=commune.pk).first()
    response = api.get(f"/api/v1/units/{foreign.pk}/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_province_officer_finds_communes_by_name_without_diacritics(client_as, tinh_officer, nghe_an):
    api = client_as(tinh_officer)
    folded = api.get("/api/v1/units/", {"kind": "commune", "q": "DIEN CHAU"}).json()
    accented = api.get("/api/v1/units/", {"kind": "commune", "q": "diễn châu"}).json()
    assert folded["count"] == accented["count"] >= 1
    assert all(row["kind"] == "commune" for row in folded["results"])
    expected = Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).count()
    assert api.get("/api/v1/units/", {"kind": "commune"}).json()["count"] == expected


def test_plans_in_scope_central_and_own_province_only(client_as, xa_officer, plan, far_commune):
    far_plan = Plan.objects.create(
        code="1/KH-FAR",
        title="Kế hoạch tỉnh khác",
        issuing_unit=far_commune.province,
        issue_date=plan.issue_date,
    )
    api = client_as(xa_officer)
    codes = {row["code"] for row in api.get("/api/v1/plans/").json()["results"]}
    assert plan.code in codes and far_plan.code not in codes
    assert api.get(f"/api/v1/plans/{far_plan.pk}/").status_code == 404


def test_a_user_with_no_unit_sees_no_units_and_no_plans(client_as, alice, plan):
    api = client_as(alice)
    assert api.get("/api/v1/units/").json()["count"] == 0
    assert api.get("/api/v1/plans/").json()["count"] == 0


def test_the_schema_and_its_documentation_page_are_served_without_a_cdn(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/units/" in schema.json()["paths"]
    docs = api.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "http://" not in html and "https://" not in html


def test_an_address_under_the_api_that_matches_no_route_answers_404_in_json(client_as, xa_officer):
    api = client_as(xa_officer)
    for path in ("/api/v1/units/0.5/", "/api/v1/no-such-thing/"):
        response = api.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "type": "client_error",
            "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
        }
    assert client_as(xa_officer).get("/api/v1/units/0.5/").json()["errors"][0]["detail"] == "Không tìm thấy."


def test_a_lost_database_answers_503_with_retry_after_not_500(client_as, xa_officer, monkeypatch):
    from django.db import OperationalError

    api = client_as(xa_officer)
    api.raise_request_exception = False  # the handler reports it, as a server error is

    def lost(user):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("tasks_app.access.visible_units", lost)
    response = api.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["type"] == "server_error" and body["errors"][0]["code"] == "database_unavailable"
