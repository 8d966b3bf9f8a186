"""The "API tokens" page: a user lists, creates and revokes their own tokens, through HTTP
as a browser without JavaScript does."""

import datetime

import pytest
from django.utils import timezone

from tasks_app.actions.tokens import MAX_ACTIVE_TOKENS_PER_USER, token_create, token_revoke
from tasks_app.models import ApiToken, ApiTokenPurpose, token_hash

pytestmark = pytest.mark.django_db

PAGE = "/accounts/tokens/"


def _create(client, **fields):
    data = {"name": "Bảng tính tuần", "purpose": "scripts", "read_only": "on", "expires_in": "90", **fields}
    return client.post(PAGE, {k: v for k, v in data.items() if v is not None})


def _issue(user, name="cũ", **options):
    return token_create(
        user=user,
        name=name,
        purpose=options.get("purpose", ApiTokenPurpose.SCRIPTS),
        read_only=options.get("read_only", True),
        expires_at=timezone.now() + datetime.timedelta(days=options.get("days", 30)),
    )


def test_it_asks_for_a_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_is_linked_from_the_user_menu(client, xa_officer):
    client.force_login(xa_officer)
    assert f'href="{PAGE}"' in client.get("/accounts/password/").content.decode()


def test_it_creates_a_token_and_shows_the_secret_once_in_the_answer(client, xa_officer, api):
    client.force_login(xa_officer)
    response = _create(client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    html = response.content.decode()
    token = ApiToken.objects.get(user=xa_officer)
    secret = html.split('id="new-token-secret"')[1].split(">", 1)[1].split("</textarea>")[0]
    assert secret.startswith("nq57_") and token.key_hash == token_hash(secret)
    assert "sẽ không được hiển thị lại" in html  # the warning, in Vietnamese
    assert token.name == "Bảng tính tuần" and token.read_only
    assert 89 <= (token.expires_at - timezone.now()).days <= 90
    # The secret is in neither a redirect nor a message kept for the next page.
    listing = client.get(PAGE).content.decode()
    assert secret not in listing and token.hint in listing
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/units/").status_code == 200


def test_a_feed_token_is_read_only_whatever_the_box_says(client, xa_officer):
    client.force_login(xa_officer)
    _create(client, purpose="feed", read_only=None)
    token = ApiToken.objects.get(user=xa_officer)
    assert token.purpose == ApiTokenPurpose.FEED and token.read_only


def test_a_script_token_can_be_read_write(client, xa_officer):
    client.force_login(xa_officer)
    _create(client, read_only=None)
    assert not ApiToken.objects.get(user=xa_officer).read_only


@pytest.mark.parametrize(
    "fields",
    [{"name": "   "}, {"expires_in": ""}, {"expires_in": "3650"}, {"purpose": "admin"}],
    ids=["blank name", "no expiry", "never expiring", "unknown purpose"],
)
def test_it_refuses_an_incomplete_form_and_creates_nothing(client, xa_officer, fields):
    client.force_login(xa_officer)
    response = _create(client, **fields)
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_it_refuses_more_than_the_limit_of_active_tokens(client, xa_officer):
    for number in range(MAX_ACTIVE_TOKENS_PER_USER):
        _issue(xa_officer, name=f"t{number}")
    client.force_login(xa_officer)
    response = _create(client)
    assert response.status_code == 422
    assert f"Bạn đã có {MAX_ACTIVE_TOKENS_PER_USER} mã truy cập" in response.content.decode()
    # A revoked token frees its place.
    token_revoke(token=ApiToken.objects.first())
    assert _create(client).status_code == 200
    assert ApiToken.objects.filter(user=xa_officer).count() == MAX_ACTIVE_TOKENS_PER_USER + 1


def test_the_list_shows_own_tokens_with_their_status_and_last_use(
    client, xa_officer, neighbour_officer, django_assert_max_num_queries
):
    active = _issue(xa_officer, name="đang dùng").token
    ApiToken.objects.filter(pk=active.pk).update(
        last_used_at=timezone.make_aware(datetime.datetime(2026, 3, 4, 9, 30)), last_used_ip="10.9.8.7"
    )
    revoked = _issue(xa_officer, name="đã thu hồi").token
    token_revoke(token=revoked)
    expired = _issue(xa_officer, name="hết hạn").token
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    _issue(neighbour_officer, name="của người khác")
    client.force_login(xa_officer)
    with django_assert_max_num_queries(10):  # the session and the menu, then one for the tokens
        html = client.get(PAGE).content.decode()
    assert "đang dùng" in html and "đã thu hồi" in html and "hết hạn" in html
    assert "của người khác" not in html
    assert "Đang hiệu lực" in html and "Đã thu hồi" in html and "Đã hết hạn" in html
    assert "04/03/2026 09:30" in html and "10.9.8.7" in html
    # Only the active token has a revoke button.
    assert html.count('action="/accounts/tokens/') == 1 + 1  # its revoke form and the create form


def test_it_revokes_an_own_token(client, xa_officer):
    token = _issue(xa_officer).token
    client.force_login(xa_officer)
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "đã bị thu hồi" in response.content.decode()


def test_another_users_token_is_not_found(client, xa_officer, neighbour_officer):
    token = _issue(neighbour_officer).token
    client.force_login(xa_officer)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_get_on_revoke_goes_back_to_the_page(client, xa_officer):
    token = _issue(xa_officer).token
    client.force_login(xa_officer)
    response = client.get(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == PAGE
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_admin_lists_tokens_without_their_hash_and_revokes_them(client, staff_admin, xa_officer):
    token = _issue(xa_officer, name="rò rỉ").token
    client.force_login(staff_admin)
    listing = client.get("/admin/tasks_app/apitoken/").content.decode()
    assert "rò rỉ" in listing and token.key_hash not in listing
    detail = client.get(f"/admin/tasks_app/apitoken/{token.pk}/change/").content.decode()
    assert token.key_hash not in detail
    client.post(
        "/admin/tasks_app/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
