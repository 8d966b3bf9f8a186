"""API tokens for machine clients: `Authorization: Bearer nq57_…`."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from nq57.proxy import client_ip
from tasks_app.actions.tokens import token_record_use
from tasks_app.models import ApiToken, User, token_hash


class ApiTokenAuthentication(BaseAuthentication):
    """A token is looked up by its hash; a revoked or expired one, or one whose user is
    disabled, is refused with a reason the client can act on."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None  # not a token request: the session may still authenticate it
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("This token is not valid.")) from None
        token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(secret)).first()
        if token is None:
            raise AuthenticationFailed(_("This token is not valid."))
        if token.revoked_at is not None:
            raise AuthenticationFailed(_("This token has been revoked."))
        if token.expires_at <= timezone.now():
            raise AuthenticationFailed(_("This token has expired."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("The account that owns this token is disabled."))
        token_record_use(token, address=client_ip(request._request))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (with this challenge) rather than 403 to a request without credentials.
        return 'Bearer realm="api"'
