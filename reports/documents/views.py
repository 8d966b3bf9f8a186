"""The reports' pages: the archive (with the form to ask for a report), one report's
progress, and its downloads. Access is the dashboards': a report about a unit the user
may not see does not exist for them (404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reports.documents.actions import report_request
from reports.documents.archive import archive
from reports.documents.content import report_content
from reports.documents.excel import report_workbook
from reports.documents.forms import ArchiveFilterForm, ReportRequestForm
from reports.models import Report, ReportStatus
from tasks_app.access import may_view_reports_of, report_request_units
from tasks_app.http import AuthenticatedRequest
from tasks_app.params import report_ignored
from tasks_app.rate_limits import TooManyRequests, spend_excel_download
from tasks_app.views.decorators import require_post_or_back

REPORTS_PER_PAGE = 50
POLL_SECONDS = 1


@login_required
@require_GET
def report_archive(request: AuthenticatedRequest) -> HttpResponse:
    form = ReportRequestForm(user=request.user, units=report_request_units(request.user))
    return _archive_page(request, ArchiveFilterForm(request.GET), form)


@login_required
@require_post_or_back("report_archive")
def report_request_view(request: AuthenticatedRequest) -> HttpResponse:
    units = report_request_units(request.user)
    form = ReportRequestForm(request.POST, user=request.user, units=units)
    if not form.is_valid():
        return _archive_page(request, ArchiveFilterForm(), form, status=422)
    try:
        requested = report_request(
            kind=form.kind, unit=form.cleaned_data["unit"], week=form.cleaned_data["week"], user=request.user
        )
    except TooManyRequests as refused:
        return _too_many(request, refused)
    if not requested.queued:
        messages.info(request, _("This report was already asked for: here it is, not rendered twice."))
    return redirect("report_detail", pk=requested.report.pk)


@login_required
@require_GET
@never_cache
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _visible_report(request, pk)
    context = {"report": report, "poll_seconds": POLL_SECONDS}
    if request.htmx and request.htmx.target == "report-status":
        return render(request, "reports/detail.html#status", context)
    return render(request, "reports/detail.html", context)


@login_required
@require_GET
def report_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    report = _visible_report(request, pk)
    if report.status != ReportStatus.READY:
        raise Http404
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.download_name("pdf"),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, max-age=0"
    return response


@login_required
@require_GET
def report_excel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The report's tables as a workbook, computed for the same week and date."""
    report = _visible_report(request, pk)
    try:
        spend_excel_download(request.user)
    except TooManyRequests as refused:
        return _too_many(request, refused)
    content = report_content(report.kind, report.unit, report.week)
    response = HttpResponse(
        report_workbook(content),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    disposition = content_disposition_header(True, report.download_name("xlsx"))
    assert disposition is not None  # an attachment always has one
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, max-age=0"
    return response


def _too_many(request: AuthenticatedRequest, refused: TooManyRequests) -> HttpResponse:
    """429 with the reason for htmx and scripts; a form sent without JavaScript goes back
    to the page it came from (or the archive) with the reason as a message."""
    if request.htmx or not request.accepts("text/html"):
        return HttpResponse(str(refused.message), status=429, content_type="text/plain; charset=utf-8")
    messages.error(request, refused.message)
    back = request.headers.get("Referer", "")
    same_site = {request.get_host()}
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=same_site, require_https=request.is_secure()):
        back = reverse("report_archive")
    return redirect(back)


def _archive_page(
    request: AuthenticatedRequest, filters: ArchiveFilterForm, form: ReportRequestForm, *, status: int = 200
) -> HttpResponse:
    reports = archive(request.user, week=filters.week_value(), kind=filters.kind_value())
    report_ignored(request, filters)
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(filters.page_number())
    context = {"filters": filters, "page": page, "form": form}
    return render(request, "reports/archive.html", context, status=status)


def _visible_report(request: AuthenticatedRequest, pk: int) -> Report:
    report = Report.objects.select_related("unit", "requested_by").filter(pk=pk).first()
    if report is None or not may_view_reports_of(request.user, report.unit):
        raise Http404
    return report
