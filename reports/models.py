"""Weekly reports: one row per kind, unit and week, whatever asked for it (the Monday
schedule or a person), so a report is rendered once and everyone downloads that file."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from tasks_app.models import Unit


class ReportKind(models.TextChoices):
    NATIONAL_WEEKLY = "national_weekly", _("National weekly report")
    PROVINCE_WEEKLY = "province_weekly", _("Province weekly report")
    COMMUNE_SUMMARY = "commune_summary", _("Commune summary (one page)")


# Which kind of unit each report is about.
KIND_UNIT = {
    ReportKind.NATIONAL_WEEKLY: "central",
    ReportKind.PROVINCE_WEEKLY: "province",
    ReportKind.COMMUNE_SUMMARY: "commune",
}


KIND_FILE_PREFIX = {
    ReportKind.NATIONAL_WEEKLY: "bao-cao-tuan",
    ReportKind.PROVINCE_WEEKLY: "bao-cao-tuan",
    ReportKind.COMMUNE_SUMMARY: "tom-tat-tuan",
}


def ascii_slug(text: str) -> str:
    """Vietnamese without diacritics, lower case, words joined by hyphens ("Đắk Lắk" →
    "dak-lak"): safe in any file system and any browser's download bar."""
    return slugify(text.replace("đ", "d").replace("Đ", "D")) or "bao-cao"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def report_upload_to(instance: "Report", filename: str) -> str:
    # Named by id and content hash: never a user's text, and a new render never
    # overwrites the file someone may be downloading.
    return f"reports/{instance.period_start:%Y}/{instance.pk}-{instance.sha256[:16]}.pdf"


def week_of(day: datetime.date) -> datetime.date:
    """The Monday that starts the week `day` falls in."""
    return day - datetime.timedelta(days=day.weekday())


class Report(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="reports")
    period_start = models.DateField(_("week from"))  # a Monday; the week runs to the Sunday after
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    file = models.FileField(_("file"), upload_to=report_upload_to, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    figures_on = models.DateField(_("figures as of"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("rendering started at"), null=True, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("rendering time (ms)"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period_start", "kind", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "unit", "period_start"], name="report_once_per_week"),
            models.CheckConstraint(name="report_kind_valid", condition=Q(kind__in=ReportKind.values)),
            models.CheckConstraint(name="report_status_valid", condition=Q(status__in=ReportStatus.values)),
            # Ready means a whole file whose size and hash were checked after writing it.
            models.CheckConstraint(
                name="report_ready_has_file",
                condition=~Q(status=ReportStatus.READY)
                | (~Q(file="") & Q(size__gt=0) & ~Q(sha256="") & Q(generated_at__isnull=False)),
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="report_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.unit} · {self.period_start:%d/%m/%Y}"

    def download_name(self, extension: str) -> str:
        """An ASCII file name that says what the file is: bao-cao-tuan-2026-w46-nghe-an.pdf."""
        week = f"{self.period_start:%G}-w{self.week_number:02d}"
        return f"{KIND_FILE_PREFIX[self.kind]}-{week}-{ascii_slug(self.unit.name)}.{extension}"

    @property
    def is_pending(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RENDERING)

    @property
    def period_end(self) -> datetime.date:
        return self.period_start + datetime.timedelta(days=6)

    @property
    def week_number(self) -> int:
        return self.period_start.isocalendar().week
