"""API tokens: created, revoked and used. The secret is shown once, at creation, and only
its hash is kept."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tasks_app.models import ApiToken, ApiTokenPurpose, User, new_token_secret, token_hash

# How often a token's "last used" is written: every request would add a write to each read.
LAST_USE_RESOLUTION = datetime.timedelta(minutes=1)

# A person has a few scripts and perhaps a feed; more live tokens than this are forgotten
# ones, each a secret that still opens the account. Revoke one to make room.
MAX_ACTIVE_TOKENS_PER_USER = 20


class TooManyTokens(Exception):
    """The user already has MAX_ACTIVE_TOKENS_PER_USER usable tokens."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


@transaction.atomic
def token_create(
    *, user: User, name: str, purpose: str, read_only: bool, expires_at: datetime.datetime
) -> IssuedToken:
    """A new token for `user`. A feed token is always read-only. Raises TooManyTokens when
    the user already has MAX_ACTIVE_TOKENS_PER_USER usable ones (the user's row is locked,
    so two requests at once cannot both take the last place)."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user).usable().count() >= MAX_ACTIVE_TOKENS_PER_USER:
        raise TooManyTokens
    secret = new_token_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        purpose=purpose,
        read_only=read_only or purpose == ApiTokenPurpose.FEED,
        hint=secret[:12],
        key_hash=token_hash(secret),
        expires_at=expires_at,
    )
    return IssuedToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken) -> bool:
    """Revoke the token; False if it already was (revoking twice changes nothing)."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return bool(revoked)


def token_record_use(token: ApiToken, *, address: str | None) -> None:
    """Remember when and from where the token was last used, at most once a minute per
    address, with one conditional UPDATE (no lock, no read)."""
    now = timezone.now()
    if (
        token.last_used_at is not None
        and now - token.last_used_at < LAST_USE_RESOLUTION
        and token.last_used_ip == address
    ):
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=address)
    token.last_used_at, token.last_used_ip = now, address
