"""What the operators see of the background jobs: a row for each job that failed, was
retried, or was sent again by a person. Jobs that simply succeed leave no row (their
outcome is on their own data: a ready report, fresh snapshots), so the table stays small
and a worker writes nothing extra on the happy path."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    SENT = "sent", _("Sent again by a person")
    RETRYING = "retrying", _("Failed, will be retried")
    FAILED = "failed", _("Failed")
    SUCCEEDED = "succeeded", _("Succeeded")


# What each job does, in the operators' words (the page shows the job's name beside it).
# These are also the jobs a person may send again from the page.
JOB_LABELS = {
    "reports.generate": _("Render a report"),
    "reports.weekly": _("Monday's reports"),
    "greening.nightly": _("Nightly greening recompute"),
    "greening.refresh_stale": _("Refresh the units awaiting recompute"),
    "greening.recompute_date": _("Recompute one day's figures"),
}


class JobRun(models.Model):
    """One Celery job (one task id: Celery keeps the id across its own retries), written
    from the worker's signals (tasks_app.job_signals) and by the operators' actions."""

    task_name = models.CharField(_("job"), max_length=100)
    task_id = models.CharField(_("job id"), max_length=64, unique=True)
    # The job's own arguments (ids and ISO dates), so a person can send it again as it was.
    arguments = models.JSONField(_("arguments"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    first_seen_at = models.DateTimeField(_("first seen at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent again by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retried by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    retried_at = models.DateTimeField(_("retried at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-last_seen_at"]
        constraints = [
            models.CheckConstraint(name="job_run_state_valid", condition=Q(state__in=JobState.values)),
        ]
        indexes = [models.Index(fields=["last_seen_at"], name="job_run_last_seen_idx")]

    def __str__(self) -> str:
        seen = timezone.localtime(self.last_seen_at)
        return f"{self.task_name} · {self.get_state_display()} · {seen:%d/%m/%Y %H:%M}"

    @property
    def label(self) -> str:
        return str(JOB_LABELS.get(self.task_name, self.task_name))

    @property
    def resendable(self) -> bool:
        """A person may send it again: one of the project's jobs, with its arguments kept."""
        return self.task_name in JOB_LABELS and "args" in self.arguments

    @property
    def arguments_summary(self) -> str:
        """The arguments as a reader would write them: 12, 30/11/2026 (dates as the app shows
        them, text without Python's quotes)."""
        args = [_readable(value) for value in self.arguments.get("args", [])]
        args += [f"{key}={_readable(value)}" for key, value in self.arguments.get("kwargs", {}).items()]
        return ", ".join(args)


def _readable(value) -> str:
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)
