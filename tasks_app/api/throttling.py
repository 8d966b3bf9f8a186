"""Request rates per token, per user and per anonymous address (settings
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]). A throttled request answers 429 with Retry-After.

The counts live in the cache (Redis in production). When the cache cannot be reached the
request is let through: a Redis outage must not take the API down with it (issue 16)."""

import logging
from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from nq57.proxy import client_ip
from tasks_app.api.permissions import request_token

if TYPE_CHECKING:  # DRF imports its views after its settings, which name this module
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class _FailOpenThrottle(SimpleRateThrottle):
    def allow_request(self, request: Request, view: "APIView") -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend's own errors vary (Redis, file, memory)
            logger.warning("API throttle skipped: the cache is unavailable", exc_info=True)
            return True


class PerTokenThrottle(_FailOpenThrottle):
    scope = "token"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        token = request_token(request)
        return None if token is None else self.cache_format % {"scope": self.scope, "ident": token.pk}


class PerUserThrottle(_FailOpenThrottle):
    """All of a user's requests together, whether by session or by any of their tokens."""

    scope = "user"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonymousThrottle(_FailOpenThrottle):
    scope = "anon"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request._request) or "unknown"}
