"""Failed logins counted per address as well as per username and address.

django-axes locks a username from one address after AXES_FAILURE_LIMIT failures
(settings.AXES_LOCKOUT_PARAMETERS). It has one limit for every lockout parameter, and
adding "ip_address" to its parameters would also make any successful login from an
address wipe that address's failures (AXES_RESET_ON_SUCCESS deletes every attempt that
matches a parameter): someone with one valid account could guess others forever. So the
address limit is counted here, over axes's own attempt rows, with its own, higher limit
(LOGIN_ADDRESS_FAILURE_LIMIT): a commune office shares one NAT address. A success still
forgives only its own username's failures."""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum


class LoginLimitsHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or address_is_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or request.axes_locked_out or self.is_whitelisted(request, credentials):
            return
        if address_is_locked(request):  # this failure reached the address limit: say so now
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


def address_is_locked(request) -> bool:
    """Too many failed logins from the request's address, whatever the usernames. Marks
    the request so the lockout page names the address rather than the account."""
    if not settings.AXES_LOCK_OUT_AT_FAILURE or not request.axes_ip_address:
        return False
    attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
    locked = failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
    if locked:
        request.login_address_locked = True
    return locked
