"""Helpers for the API tests: clients signed in by session or by token."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tasks_app.actions.tokens import token_create
from tasks_app.models import ApiTokenPurpose, User


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def token_for():
    """`token_for(user, read_only=False, purpose="scripts", days=30)`: a token's secret."""

    def make(user: User, *, read_only: bool = False, purpose: str = ApiTokenPurpose.SCRIPTS, days: int = 30):
        issued = token_create(
            user=user,
            name=f"test {user.username}",
            purpose=purpose,
            read_only=read_only,
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )
        return issued.secret

    return make


@pytest.fixture
def client_as(token_for):
    """`client_as(user)`: an APIClient that sends the user's (read-write) token."""

    def make(user: User, **token_options) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, **token_options)}")
        return client

    return make
