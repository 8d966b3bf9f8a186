"""The operators' page: stuck and failed reports, failed jobs, the greening backlog and
how old the newest figures are, with buttons that send the work again. Plain forms: every
button is a POST that comes back here with a message, with or without JavaScript."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reports.documents.actions import report_retry
from reports.models import Report
from tasks_app.access import may_operate
from tasks_app.actions.operations import (
    NotResendable,
    greening_recompute_today,
    greening_refresh_now,
    job_retry,
)
from tasks_app.http import AuthenticatedRequest
from tasks_app.selectors.operations import operations_overview
from tasks_app.views.decorators import require_post_or_back


def operators_only(view: Callable) -> Callable:
    """Staff of the steering committee offices (tasks_app.access.may_operate); anyone else
    logged in is refused (403), anyone logged out goes to the login page."""

    @login_required
    def wrapped(request: AuthenticatedRequest, *args, **kwargs) -> HttpResponse:
        if not may_operate(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@operators_only
@require_GET
@never_cache
def operations(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "operations/page.html", {"ops": operations_overview()})


@operators_only
@require_post_or_back("operations", with_arguments=False)
def report_retry_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    get_object_or_404(Report, pk=pk)  # no such report: say so (404), not "it is on its way"
    if report_retry(report_id=pk, user=request.user) is None:
        messages.info(request, _("This report is ready or on its way already: nothing was sent again."))
    else:
        messages.success(request, _("The report was queued again. Its status will change here in a minute."))
    return redirect("operations")


@operators_only
@require_post_or_back("operations", with_arguments=False)
def job_retry_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        job = job_retry(job_id=pk, user=request.user)
    except NotResendable:
        messages.error(request, _("This job cannot be sent again from here: its details were not kept."))
        return redirect("operations")
    if job is None:
        messages.info(request, _("This job was already retried or no longer fails: nothing was sent again."))
    else:
        messages.success(request, _("The job was sent again."))
    return redirect("operations")


@operators_only
@require_post_or_back("operations")
def greening_refresh_view(request: AuthenticatedRequest) -> HttpResponse:
    if request.POST.get("what") == "today":
        greening_recompute_today(user=request.user)
        messages.success(request, _("Today's figures are being recomputed for every unit."))
    else:
        greening_refresh_now(user=request.user)
        messages.success(request, _("The units awaiting recompute are being refreshed."))
    return redirect("operations")
