"""Weekly reports: one row per kind, unit and week, whatever asked for it (the Monday
schedule or a person), so a report is rendered once and everyone downloads that file."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tasks_app.clock import local_today
from tasks_app.models import Unit, UnitKind


class ReportKind(models.TextChoices):
    NATIONAL_WEEKLY = "national_weekly", _("National weekly report")
    PROVINCE_WEEKLY = "province_weekly", _("Province weekly report")
    COMMUNE_SUMMARY = "commune_summary", _("Commune summary (one page)")

    @property
    def unit_kind(self) -> str:
        """The kind of unit a report of this kind is about."""
        return _UNIT_KIND[self]

    @classmethod
    def for_unit(cls, unit: Unit) -> "ReportKind | None":
        """The kind of report about `unit` (None: no report is about a unit of its kind)."""
        return _KIND_OF_UNIT.get(unit.kind)


# One kind of report per kind of unit: the unit decides which report it gets.
_UNIT_KIND: dict[ReportKind, str] = {
    ReportKind.NATIONAL_WEEKLY: UnitKind.CENTRAL,
    ReportKind.PROVINCE_WEEKLY: UnitKind.PROVINCE,
    ReportKind.COMMUNE_SUMMARY: UnitKind.COMMUNE,
}
# Keyed by plain strings, as a model's `kind` field holds them.
_KIND_OF_UNIT: dict[str, ReportKind] = {unit_kind: kind for kind, unit_kind in _UNIT_KIND.items()}


KIND_FILE_PREFIX: dict[str, str] = {  # keyed by `Report.kind`, a plain string
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


@dataclass(frozen=True)
class Week:
    """Monday to Sunday: the period a weekly report covers."""

    start: datetime.date  # a Monday

    @classmethod
    def of(cls, day: datetime.date) -> "Week":
        """The week `day` falls in."""
        return cls(day - datetime.timedelta(days=day.weekday()))

    @classmethod
    def last_finished(cls, today: datetime.date | None = None) -> "Week":
        """The week before the current one: what Monday's reports cover."""
        return cls.of(today or local_today()).previous

    @property
    def end(self) -> datetime.date:
        return self.start + datetime.timedelta(days=6)

    @property
    def number(self) -> int:
        return self.start.isocalendar().week

    @property
    def previous(self) -> "Week":
        return Week(self.start - datetime.timedelta(days=7))

    @property
    def label(self) -> str:
        return gettext("Week %(number)s (%(start)s – %(end)s)") % {
            "number": self.number,
            "start": date_format(self.start, "d/m/Y"),
            "end": date_format(self.end, "d/m/Y"),
        }

    @property
    def short_label(self) -> str:
        """For a list of weeks on a phone: "Tuần 48 (23/11 – 29/11/2026)", the year once
        unless the week spans two."""
        same_year = self.start.year == self.end.year
        return gettext("Week %(number)s (%(start)s – %(end)s)") % {
            "number": self.number,
            "start": date_format(self.start, "d/m" if same_year else "d/m/Y"),
            "end": date_format(self.end, "d/m/Y"),
        }


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
        week = f"{self.week.start:%G}-w{self.week.number:02d}"
        return f"{KIND_FILE_PREFIX[self.kind]}-{week}-{ascii_slug(self.unit.name)}.{extension}"

    @property
    def is_pending(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RENDERING)

    @property
    def week(self) -> Week:
        return Week(self.period_start)
