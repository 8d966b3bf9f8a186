"""What a token allows on top of its user's rights (which tasks_app/access.py decides)."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from tasks_app.models import ApiToken, ApiTokenPurpose

if TYPE_CHECKING:  # DRF imports its views after its settings, which name this module
    from rest_framework.views import APIView


def request_token(request: Request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class TokenAllows(BasePermission):
    """A read-only token only reads. A feed token opens only the endpoints that serve the
    daily feed (views with `serves_feed = True`), whatever its user may see elsewhere."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        token = request_token(request)
        if token is None:
            return True
        if token.purpose == ApiTokenPurpose.FEED and not getattr(view, "serves_feed", False):
            self.message = _("A feed token opens only the daily feed.")
            return False
        if token.read_only and request.method not in SAFE_METHODS:
            self.message = _("This token is read-only: it cannot change anything.")
            return False
        return True
