"""Greening ("xanh hóa"): the policy staff edit, its change log, and the daily snapshots
the recompute writes. The rules themselves live in tasks_app.greening.rules."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskState(models.TextChoices):
    COMPLETED_ON_TIME = "completed_on_time", _("Completed on time")
    COMPLETED_LATE = "completed_late", _("Completed late")
    ON_TRACK = "on_track", _("On track")
    BEHIND_SCHEDULE = "behind_schedule", _("Behind schedule")
    OVERDUE = "overdue", _("Overdue")
    NOT_STARTED_ON_TIME = "not_started_on_time", _("Not started, on time")
    NOT_STARTED_LATE = "not_started_late", _("Not started, late")
    PAUSED = "paused", _("Paused (not counted)")
    CANCELLED = "cancelled", _("Cancelled (not counted)")


class Colour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    NONE = "none", _("No counted tasks")


def _percent() -> list:
    return [MinValueValidator(0), MaxValueValidator(100)]


class CompletionProof(models.TextChoices):
    EVIDENCE_OR_NOTE = "evidence_or_note", _("An evidence file or a note")
    EVIDENCE = "evidence", _("An evidence file")
    EVIDENCE_AND_NOTE = "evidence_and_note", _("An evidence file and a note")


class GreeningPolicy(models.Model):
    """The one policy in force. Every threshold the rules use is here, so staff can
    change them without a release; each change is logged in GreeningPolicyChange and
    applies from the next recompute. Snapshots record the version they were made with."""

    behind_tolerance_pp = models.PositiveSmallIntegerField(
        _("behind-schedule tolerance (percentage points)"),
        default=20,
        validators=_percent(),
        help_text=_(
            "A task is behind schedule when the share of its time elapsed exceeds its progress "
            "by more than this."
        ),
    )
    near_deadline_days = models.PositiveSmallIntegerField(
        _("near-deadline window (days)"),
        default=7,
        validators=[MaxValueValidator(365)],
    )
    near_deadline_min_progress = models.PositiveSmallIntegerField(
        _("minimum progress near the deadline (%)"),
        default=50,
        validators=_percent(),
        help_text=_("Within the near-deadline window, a task below this progress is behind schedule."),
    )
    not_started_grace_days = models.PositiveSmallIntegerField(
        _("grace period to start (days)"),
        default=14,
        validators=[MaxValueValidator(365)],
        help_text=_("A task still not started this many days after its start date is late."),
    )
    completed_late_is_green = models.BooleanField(
        _("a task completed late counts as green"),
        default=False,
    )
    overdue_key_task_makes_red = models.BooleanField(
        _("any overdue key task makes the unit red"),
        default=True,
    )
    own_tasks_weight = models.PositiveSmallIntegerField(
        _("weight of a province's own tasks (%)"),
        default=50,
        validators=_percent(),
        help_text=_(
            "A province's rate is this share of its own tasks' rate plus the rest of its "
            "communes' green share."
        ),
    )
    completion_proof = models.CharField(
        _("completing a task requires"),
        max_length=20,
        choices=CompletionProof.choices,
        default=CompletionProof.EVIDENCE_OR_NOTE,
        help_text=_("What an official must give when they mark a task completed."),
    )
    # Indicators (docs/indicators.md §4, §5 and §7).
    indicator_green_from = models.PositiveSmallIntegerField(
        _("an indicator is green from this progress (%)"),
        default=95,
        validators=[MaxValueValidator(1000)],
    )
    indicator_yellow_from = models.PositiveSmallIntegerField(
        _("an indicator is yellow from this progress (%)"),
        default=60,
        validators=[MaxValueValidator(1000)],
    )
    indicator_jump_percent = models.PositiveSmallIntegerField(
        _("flag a value this far from the previous one (%)"),
        default=50,
        help_text=_(
            "A value that differs from the unit's previous value by more than this is flagged "
            "for the approver."
        ),
    )
    indicator_due_working_days = models.PositiveSmallIntegerField(
        _("indicator values are due (working days after the period closes)"),
        default=2,
        validators=[MaxValueValidator(60)],
    )
    indicator_weight = models.PositiveSmallIntegerField(
        _("weight of indicators in a unit's rate (%)"),
        default=0,
        validators=_percent(),
        help_text=_(
            "A unit's rate is this share of its indicator rate plus the rest of its task rate. "
            "0 leaves the rate on tasks alone."
        ),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    singleton = models.BooleanField(default=True, editable=False, unique=True)

    class Meta:
        verbose_name = _("greening policy")
        verbose_name_plural = _("greening policy")
        constraints = [
            models.CheckConstraint(name="policy_is_singleton", condition=Q(singleton=True)),
            models.CheckConstraint(
                name="policy_percentages_0_100",
                condition=Q(behind_tolerance_pp__lte=100)
                & Q(near_deadline_min_progress__lte=100)
                & Q(own_tasks_weight__lte=100)
                & Q(indicator_weight__lte=100),
            ),
            models.CheckConstraint(
                name="policy_indicator_thresholds_ordered",
                condition=Q(indicator_yellow_from__lte=models.F("indicator_green_from")),
                violation_error_message=_("An indicator cannot turn yellow from more than it turns green."),
            ),
            models.CheckConstraint(
                name="policy_completion_proof_valid",
                condition=Q(completion_proof__in=["evidence_or_note", "evidence", "evidence_and_note"]),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Greening policy, version %(version)s") % {"version": self.version})


class GreeningBand(models.Model):
    """Maps a unit's greening rate to a colour: [lower, upper), the top band closed at 100.
    Together the bands cover 0-100 with no gap and no overlap (checked on every save)."""

    policy = models.ForeignKey(GreeningPolicy, on_delete=models.CASCADE, related_name="bands")
    colour = models.CharField(
        _("colour"),
        max_length=8,
        choices=[(c, label) for c, label in Colour.choices if c != Colour.NONE],
    )
    lower = models.DecimalField(_("from (%)"), max_digits=5, decimal_places=2)
    upper = models.DecimalField(_("to (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("colour band")
        verbose_name_plural = _("colour bands")
        ordering = ["policy", "lower"]
        constraints = [
            models.CheckConstraint(
                name="band_within_0_100",
                condition=Q(lower__gte=0) & Q(upper__lte=100) & Q(lower__lt=models.F("upper")),
            ),
            models.UniqueConstraint(fields=["policy", "lower"], name="band_lower_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_colour_display()}: {self.lower}–{self.upper}%"


class GreeningPolicyChange(models.Model):
    """Append-only log of policy edits: who, when, what changed, and the full policy after."""

    policy_version = models.PositiveIntegerField(_("policy version"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    changes = models.JSONField(_("changes"), default=dict)
    settings_after = models.JSONField(_("policy after the change"), default=dict)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("greening policy change")
        verbose_name_plural = _("greening policy changes")
        ordering = ["-policy_version"]
        constraints = [
            models.UniqueConstraint(fields=["policy_version"], name="policy_change_one_per_version"),
        ]

    def __str__(self) -> str:
        return f"v{self.policy_version} · {self.created_at:%d/%m/%Y %H:%M}"


class SnapshotScope(models.TextChoices):
    ALL = "all", _("All tasks")
    PLAN = "plan", _("One plan")
    GROUP = "group", _("One task group")


def scope_prefix(kind: str) -> str:
    """What a plan's or a task group's scope key starts with: "plan:" or "group:" (the SQL
    recompute appends the id itself)."""
    return f"{kind}:"


def scope_key(kind: str, object_id: int | None = None) -> str:
    """The key GreeningSnapshot.scope stores: "all", "plan:<id>" or "group:<id>"."""
    return SnapshotScope.ALL.value if kind == SnapshotScope.ALL else f"{scope_prefix(kind)}{object_id}"


# The scope of a unit's figures over all its tasks: what the boards show unfiltered.
ALL_SCOPE = scope_key(SnapshotScope.ALL)


# The per-state counters a snapshot keeps, in the order documents list the states.
STATE_COUNT_FIELDS = {state: f"n_{state}" for state in TaskState.values}
# The same counters over the unit and every unit below it.
SUBTREE_COUNT_FIELDS = {state: f"subtree_{state}" for state in TaskState.values}


class GreeningSnapshot(models.Model):
    """A unit's greening on one date, for all its tasks, one plan or one task group.

    Counts are the unit's own tasks; the subtree_* counts add its descendants' tasks. The
    recompute upserts on (unit, on_date, scope), so rerunning it never double-counts."""

    unit = models.ForeignKey("tasks_app.Unit", on_delete=models.CASCADE, related_name="snapshots")
    on_date = models.DateField(_("date"))
    # "all", "plan:<id>" or "group:<id>": one column, so uniqueness needs no NULL tricks.
    scope = models.CharField(_("scope"), max_length=32)
    scope_kind = models.CharField(_("scope kind"), max_length=8, choices=SnapshotScope.choices)
    plan = models.ForeignKey(
        "tasks_app.Plan", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    task_group = models.ForeignKey(
        "tasks_app.TaskGroup", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    policy_version = models.PositiveIntegerField(_("policy version"))

    n_completed_on_time = models.PositiveIntegerField(default=0)
    n_completed_late = models.PositiveIntegerField(default=0)
    n_on_track = models.PositiveIntegerField(default=0)
    n_behind_schedule = models.PositiveIntegerField(default=0)
    n_overdue = models.PositiveIntegerField(default=0)
    n_not_started_on_time = models.PositiveIntegerField(default=0)
    n_not_started_late = models.PositiveIntegerField(default=0)
    n_paused = models.PositiveIntegerField(default=0)
    n_cancelled = models.PositiveIntegerField(default=0)
    n_overdue_key = models.PositiveIntegerField(_("overdue key tasks"), default=0)
    n_counted = models.PositiveIntegerField(_("counted tasks"), default=0)
    n_green = models.PositiveIntegerField(_("green tasks"), default=0)

    own_rate = models.DecimalField(_("own tasks' rate (%)"), max_digits=5, decimal_places=2, null=True)
    children_counted = models.PositiveIntegerField(_("child units with counted tasks"), default=0)
    children_green = models.PositiveIntegerField(_("green child units"), default=0)
    children_green_share = models.DecimalField(
        _("share of child units green (%)"), max_digits=5, decimal_places=2, null=True
    )
    rate = models.DecimalField(_("greening rate (%)"), max_digits=5, decimal_places=2, null=True)
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices)
    red_by_key_task = models.BooleanField(_("red because a key task is overdue"), default=False)
    # Indicators in the rate (docs/indicators.md §7): the unit's own coloured indicators in
    # the latest due period, and how many of them are green.
    # (Defaults in the database too: the SQL recompute's INSERT names only what it computes.)
    n_indicators_counted = models.PositiveIntegerField(_("coloured indicators"), default=0, db_default=0)
    n_indicators_green = models.PositiveIntegerField(_("green indicators"), default=0, db_default=0)
    indicator_rate = models.DecimalField(_("indicator rate (%)"), max_digits=5, decimal_places=2, null=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    rank_among = models.PositiveIntegerField(_("ranked among"), null=True)
    subtree_completed_on_time = models.PositiveIntegerField(default=0)
    subtree_completed_late = models.PositiveIntegerField(default=0)
    subtree_on_track = models.PositiveIntegerField(default=0)
    subtree_behind_schedule = models.PositiveIntegerField(default=0)
    subtree_overdue = models.PositiveIntegerField(default=0)
    subtree_not_started_on_time = models.PositiveIntegerField(default=0)
    subtree_not_started_late = models.PositiveIntegerField(default=0)
    subtree_paused = models.PositiveIntegerField(default=0)
    subtree_cancelled = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("greening snapshot")
        verbose_name_plural = _("greening snapshots")
        ordering = ["-on_date", "unit", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "on_date", "scope"], name="snapshot_unit_date_scope"),
            models.CheckConstraint(
                name="snapshot_scope_consistent",
                condition=(
                    Q(scope="all") & Q(scope_kind="all") & Q(plan__isnull=True) & Q(task_group__isnull=True)
                )
                | (Q(scope_kind="plan") & Q(plan__isnull=False) & Q(task_group__isnull=True))
                | (Q(scope_kind="group") & Q(task_group__isnull=False)),
            ),
        ]
        indexes = [models.Index(fields=["on_date", "scope"], name="snapshot_date_scope_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.on_date:%d/%m/%Y} · {self.scope} · {self.colour}"

    @property
    def state_counts(self) -> dict[str, int]:
        return {state: getattr(self, name) for state, name in STATE_COUNT_FIELDS.items()}

    @property
    def subtree_counts(self) -> dict[str, int]:
        """The states that occur in the unit or below it, with their counts."""
        counts = {state: getattr(self, name) for state, name in SUBTREE_COUNT_FIELDS.items()}
        return {state: n for state, n in counts.items() if n}


def snapshot_colour(snapshot: "GreeningSnapshot | None") -> str:
    """A unit's colour; a unit without figures yet has no counted tasks."""
    return snapshot.colour if snapshot else Colour.NONE.value


def snapshot_colour_label(snapshot: "GreeningSnapshot | None") -> str:
    """The colour in words, for every page, PDF and workbook ("No counted tasks" included)."""
    return str(Colour(snapshot_colour(snapshot)).label)


class GreeningBacklog(models.Model):
    """Units whose figures a task change has made stale. Written in the same transaction
    as the change, drained by the incremental job, so a lost job only delays a refresh
    until the next run (the nightly one at the latest)."""

    unit = models.OneToOneField(
        "tasks_app.Unit", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("unit awaiting recompute")
        verbose_name_plural = _("units awaiting recompute")

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.queued_at:%d/%m/%Y %H:%M:%S}"


class GreeningRun(models.Model):
    """When each date's figures were last recomputed. A recompute writes only the snapshot
    rows that changed, so their computed_at says when the figures last changed, not when
    they were last confirmed; the operators' page needs both to tell a quiet day from a
    stopped job."""

    on_date = models.DateField(_("date"), unique=True)
    last_run_at = models.DateTimeField(_("last recomputed at"))
    last_full_run_at = models.DateTimeField(_("last recomputed for every unit at"), null=True, blank=True)

    class Meta:
        verbose_name = _("greening recompute")
        verbose_name_plural = _("greening recomputes")

    def __str__(self) -> str:
        return f"{self.on_date:%d/%m/%Y} @ {self.last_run_at:%d/%m/%Y %H:%M:%S}"
