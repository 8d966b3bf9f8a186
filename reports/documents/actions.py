"""Every write to a report: asking for one, rendering it, and Monday's batch.

A report is one row per kind, unit and week. Asking again returns that row: it is
rendered once, by whichever worker claims it first. A render that crashed (its worker
lost, or past the time limit) can be claimed again; a file becomes "ready" only after it
has been written whole and read back with the same size and hash."""

import datetime
import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from reports.documents.content import report_content
from reports.documents.pdf import render_pdf
from reports.models import Report, ReportKind, ReportStatus, Week, report_upload_to
from tasks_app.actions.greening import greening_recompute
from tasks_app.jobs import enqueue_on_commit
from tasks_app.models import GreeningSnapshot, Unit, UnitKind, User
from tasks_app.models.greening import ALL_SCOPE
from tasks_app.rate_limits import spend_report_work

log = logging.getLogger(__name__)

ERROR_CHARS = 2000
# The sweeper queues a render whose worker was lost this many times no more.
MAX_RENDERS_LOST = 4
PDF_END = b"%%EOF"


class IncompleteReportFile(Exception):
    """The stored file is not the bytes rendered: never mark it ready."""


@dataclass(frozen=True)
class Requested:
    report: Report
    queued: bool  # False: an existing report (ready, or already queued or rendering)


def _stale_before() -> datetime.datetime:
    """A render started before this has outlived the hard time limit: its worker is gone.
    The few seconds past the limit cover the gap between the job starting (when Celery's
    clock starts) and its claim (when started_at is written)."""
    return timezone.now() - datetime.timedelta(seconds=settings.REPORT_TIME_LIMIT + 10)


def _lost_before() -> datetime.datetime:
    """A report queued before this, and not re-queued since, has waited longer than any
    queue should: its job was lost (the enqueue failed while Redis was down, or the
    folder broker's worker died holding it)."""
    return timezone.now() - datetime.timedelta(seconds=settings.REPORT_QUEUED_LOST_SECONDS)


def _stuck() -> Q:
    """Reports no worker is going to finish: rendering past the time limit, or queued so
    long that their job must be gone. A failed report is not stuck: its job retries it,
    and after the last retry a person decides (asking again retries it)."""
    return Q(status=ReportStatus.RENDERING, started_at__lt=_stale_before()) | Q(
        status=ReportStatus.QUEUED, requested_at__lt=_lost_before()
    )


def _is_stuck(report: Report) -> bool:
    """_stuck() for a row in hand (the same rule, so the sweeper and a person agree)."""
    if report.status == ReportStatus.RENDERING:
        return report.started_at is not None and report.started_at < _stale_before()
    return report.status == ReportStatus.QUEUED and report.requested_at < _lost_before()


def report_request(*, kind: str, unit: Unit, week: Week, user: User | None = None) -> Requested:
    """The report for `kind`, `unit` and `week`, queued for rendering unless it is ready
    or on its way. Safe to call any number of times, from any number of requests. A
    person may queue REPORT_REQUESTS_PER_MINUTE renders a minute (TooManyRequests);
    asking for a report that is ready or on its way costs nothing and is not counted.
    A failed or stuck report (see _stuck) is queued again."""
    with transaction.atomic():
        report, created = Report.objects.select_for_update().get_or_create(
            kind=kind, unit=unit, period_start=week.start, defaults={"requested_by": user}
        )
        retry = report.status == ReportStatus.FAILED or _is_stuck(report)
        if not (created or retry):
            return Requested(report, queued=False)
        if user is not None:  # a person's ask costs seconds of CPU; Monday's batch is not limited
            spend_report_work(user)  # over the limit: raises, and the new row is rolled back
        _queue(report, user=user, again=retry)
    return Requested(report, queued=True)


def _queue(report: Report, *, user: User | None, again: bool) -> None:
    """Queue the render of a locked report row, after the caller's commit."""
    from reports.tasks import generate_report  # the job module imports these actions

    if again:
        report.status, report.error = ReportStatus.QUEUED, ""
        report.requested_at, report.requested_by = timezone.now(), user or report.requested_by
        report.save(update_fields=["status", "error", "requested_at", "requested_by"])
    # The queued row is the record: when the broker cannot take the job (Redis down or
    # frozen: one short try, then logged), the row stays "queued", the asker's request has
    # still succeeded, the rest of Monday's batch is still created, and the sweeper sends
    # it again once REPORT_QUEUED_LOST_SECONDS have passed.
    enqueue_on_commit(generate_report, report.pk)


def reports_requeue_stuck() -> list[int]:
    """Queue again every report no worker is going to finish (see _stuck), as a person
    asking for it would: the sweeper's half for reports. Each row is locked and checked
    again, so two sweeps at once, or a sweep and a person, queue it once. Costs one
    indexed query when nothing is stuck."""
    requeued = []
    for report_id in Report.objects.filter(_stuck()).values_list("pk", flat=True):
        with transaction.atomic():
            report = Report.objects.select_for_update().filter(pk=report_id).first()
            if report is None or not _is_stuck(report):
                continue  # another sweep, a person or the worker got there first
            if report.status == ReportStatus.RENDERING and report.attempts >= MAX_RENDERS_LOST:
                # A report that kills its worker every time must not do it forever: it
                # fails, for staff to see; asking for it again gives it another try.
                report.status = ReportStatus.FAILED
                report.error = f"Its worker was lost in each of {report.attempts} attempts."
                report.save(update_fields=["status", "error"])
                continue
            log.warning("Report %s was %s with no job to finish it; queued again", report.pk, report.status)
            _queue(report, user=None, again=True)
            requeued.append(report.pk)
    return requeued


def reports_weekly(*, today: datetime.date | None = None) -> list[Requested]:
    """Monday's batch: last week's report for the nation and for every province."""
    week = Week.last_finished(today)
    central = Unit.objects.get(kind=UnitKind.CENTRAL)
    provinces = list(Unit.objects.filter(kind=UnitKind.PROVINCE, is_active=True).order_by("code"))
    return [
        report_request(kind=ReportKind.NATIONAL_WEEKLY, unit=central, week=week),
        *(
            report_request(kind=ReportKind.PROVINCE_WEEKLY, unit=province, week=week)
            for province in provinces
        ),
    ]


def report_generate(report_id: int) -> Report:
    """Render the report if this call claims it; otherwise leave it to whoever has (or
    to nobody, when it is ready). Errors are recorded on the report and raised."""
    started = timezone.now()
    claimable = Q(status__in=[ReportStatus.QUEUED, ReportStatus.FAILED]) | Q(
        status=ReportStatus.RENDERING, started_at__lt=_stale_before()
    )
    claimed = (
        Report.objects.filter(pk=report_id)
        .filter(claimable)
        .update(status=ReportStatus.RENDERING, started_at=started, attempts=F("attempts") + 1, error="")
    )
    report = Report.objects.select_related("unit").get(pk=report_id)
    if not claimed:
        return report
    clock = time.perf_counter()
    try:
        _ensure_figures(report.week.end)
        with translation.override(settings.LANGUAGE_CODE):
            content = report_content(report.kind, report.unit, report.week)
            rendered = render_pdf(content, generated_at=started)
        name, sha256 = _store(report, rendered.data)
    except Exception as error:
        _fail(report, started, error)
        raise
    finished = timezone.now()
    # Only the claim that started this render may finish it: a render that outlived its
    # time limit and was claimed again must not overwrite the newer one's result.
    Report.objects.filter(pk=report.pk, status=ReportStatus.RENDERING, started_at=started).update(
        status=ReportStatus.READY,
        file=name,
        size=len(rendered.data),
        sha256=sha256,
        pages=rendered.pages,
        figures_on=content.on,
        generated_at=finished,
        duration_ms=round((time.perf_counter() - clock) * 1000),
        error="",
    )
    report.refresh_from_db()
    return report


def _ensure_figures(on: datetime.date) -> None:
    """The nightly job has computed the week's last day by Monday morning; a week from
    before the app ran, or a gap, is computed from the task history here, once."""
    if not GreeningSnapshot.objects.filter(on_date=on, scope=ALL_SCOPE).exists():
        greening_recompute(on=on)


def _store(report: Report, data: bytes) -> tuple[str, str]:
    """Write the PDF and read it back: the stored bytes must be the rendered bytes."""
    if not data.startswith(b"%PDF-") or PDF_END not in data[-64:]:
        raise IncompleteReportFile("The renderer returned an incomplete PDF.")
    sha256 = hashlib.sha256(data).hexdigest()
    report.sha256 = sha256
    name = default_storage.save(report_upload_to(report, "report.pdf"), ContentFile(data))
    digest = hashlib.sha256()
    size = 0
    with default_storage.open(name, "rb") as stored:
        for chunk in iter(lambda: stored.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    if size != len(data) or digest.hexdigest() != sha256:
        default_storage.delete(name)
        raise IncompleteReportFile(f"Stored {size} of {len(data)} bytes; the file was removed.")
    return name, sha256


def _fail(report: Report, started: datetime.datetime, error: Exception) -> None:
    log.exception("Report %s failed", report.pk)
    if isinstance(error, (OperationalError, InterfaceError)) and not connection.in_atomic_block:
        # The render lost its database connection: record the failure on a new one, or the
        # report would stay "rendering" and the job's retry would find it still claimed.
        close_old_connections()
    Report.objects.filter(pk=report.pk, status=ReportStatus.RENDERING, started_at=started).update(
        status=ReportStatus.FAILED, error=f"{type(error).__name__}: {error}"[:ERROR_CHARS]
    )


# --- The operators' page ----------------------------------------------------------------


def report_stuck_condition() -> Q:
    """Reports no worker will finish by itself, as the sweeper sees them (_stuck): the
    operators' page lists the same ones it will queue again."""
    return _stuck()


def report_retry(*, report_id: int, user: User) -> Report | None:
    """A person sends a failed or stuck report to be rendered again: the row is queued in
    their name (requested_by, requested_at) and the job recorded as sent by them. The
    claim in report_generate makes a second job for the same report harmless. None: the
    report is ready or on its way by now, so nothing was sent."""
    from tasks_app.actions.operations import job_send  # it imports this module for job retries

    with transaction.atomic():
        report = (
            Report.objects.select_for_update()
            .filter(pk=report_id)
            .filter(Q(status=ReportStatus.FAILED) | report_stuck_condition())
            .first()
        )
        if report is None:
            return None
        report.status, report.error = ReportStatus.QUEUED, ""
        report.requested_at, report.requested_by = timezone.now(), user
        report.save(update_fields=["status", "error", "requested_at", "requested_by"])
        job_send(task_name="reports.generate", args=[report.pk], user=user)
    return report
