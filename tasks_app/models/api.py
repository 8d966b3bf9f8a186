"""What the REST API keeps: the tokens machine clients sign in with, and the answers to
POSTs sent with an Idempotency-Key (docs/api.md)."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What every token starts with, so a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "nq57_"


class ApiTokenPurpose(models.TextChoices):
    SCRIPTS = "scripts", _("Scripts and integrations")
    # The daily feed for the provincial and national data-sharing platforms: read-only,
    # and it opens nothing but the feed.
    FEED = "feed", _("Daily data feed")


class ApiTokenStatus(models.TextChoices):
    """Derived from the dates, not stored: a token expires without anyone writing."""

    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


def token_hash(secret: str) -> str:
    """The stored form of a token. The secret is 256 random bits, so one SHA-256 is enough
    (a slow password hash would only slow every API call); the secret itself is not kept."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, *, at: datetime.datetime | None = None) -> "ApiTokenQuerySet":
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at, user__is_active=True)


class ApiToken(models.Model):
    """A user's token for a machine client. It never grants more than its user has; a
    read-only token cannot write, and a feed token opens only the daily feed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=ApiTokenPurpose.choices, default=ApiTokenPurpose.SCRIPTS
    )
    read_only = models.BooleanField(_("read-only"), default=True)
    # The first characters of the secret, shown in lists so the owner can tell tokens apart.
    hint = models.CharField(_("starts with"), max_length=16)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="api_token_feed_is_read_only", condition=~Q(purpose="feed") | Q(read_only=True)
            ),
            models.CheckConstraint(name="api_token_name_not_blank", condition=~Q(name="")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    def is_usable(self, at: datetime.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at

    def status(self, at: datetime.datetime | None = None) -> ApiTokenStatus:
        """Revoked wins over expired: revoking was someone's decision, expiry only time."""
        if self.revoked_at is not None:
            return ApiTokenStatus.REVOKED
        if self.expires_at <= (at or timezone.now()):
            return ApiTokenStatus.EXPIRED
        return ApiTokenStatus.ACTIVE


class IdempotentRequest(models.Model):
    """The answer to a POST sent with an Idempotency-Key, kept so that sending it again
    gives the same answer without writing twice. The key is the client's, per user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=500)
    # SHA-256 of the request's body and content type: the same key with another body is refused.
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response_body = models.JSONField(_("response body"), default=dict)
    location = models.CharField(_("location"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_user_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
