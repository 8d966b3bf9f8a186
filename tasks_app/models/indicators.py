"""Indicators (chỉ tiêu): what a unit measures, its targets per period, the values it
reports with their approval, and the figures the recompute derives from them.

docs/indicators.md states every rule in words; tasks_app/indicators/rules.py writes them
as functions, and these tables hold what those functions read and write.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks_app.models.greening import Colour
from tasks_app.models.tasks import evidence_upload_to
from tasks_app.periods import Periodicity


class IndicatorKind(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    OPERATIONAL = "operational", _("Operational")


class ValueType(models.TextChoices):
    COUNT = "count", _("Count (a whole number)")
    AMOUNT = "amount", _("Amount (a decimal number)")
    RATIO = "ratio", _("Ratio (numerator and denominator, shown as %)")
    PERCENTAGE = "percentage", _("Percentage (entered directly, 0–100)")
    YES_NO = "yes_no", _("Yes or no")


class Accumulation(models.TextChoices):
    CUMULATIVE = "cumulative", _("Cumulative (the total so far)")
    PER_PERIOD = "per_period", _("Per period (what happened in the period)")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Rollup(models.TextChoices):
    SUM = "sum", _("Sum of the values")
    MEAN = "mean", _("Mean of the values")
    RATIO = "ratio", _("Sum of numerators over sum of denominators")
    SHARE_MEETING_TARGET = "share_meeting_target", _("Share of units meeting their target")


# Indicators are measured monthly, quarterly or yearly (docs/indicators.md §2).
INDICATOR_PERIODICITIES = [
    (value, label)
    for value, label in Periodicity.choices
    if value in (Periodicity.MONTHLY, Periodicity.QUARTERLY, Periodicity.YEARLY)
]

# Values are stored as decimals of 18 digits, 4 after the point: enough for a percentage to
# two decimals after the division, and for amounts in any unit the plans use.


class Indicator(models.Model):
    """An indicator as the adopting unit defines it, once. Units measure it through their
    IndicatorAssignment, each with its own baseline and targets."""

    owner_unit = models.ForeignKey(
        "tasks_app.Unit",
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="owned_indicators",
        help_text=_("The unit that adopted the indicator and assigns it."),
    )
    plan = models.ForeignKey(
        "tasks_app.Plan", verbose_name=_("plan"), on_delete=models.PROTECT, related_name="indicators"
    )
    task_group = models.ForeignKey(
        "tasks_app.TaskGroup",
        verbose_name=_("task group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True, help_text=_("What is counted, and how."))
    kind = models.CharField(_("kind"), max_length=12, choices=IndicatorKind.choices)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=60)
    value_type = models.CharField(_("value type"), max_length=12, choices=ValueType.choices)
    accumulation = models.CharField(_("accumulation"), max_length=12, choices=Accumulation.choices)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    natural_min = models.DecimalField(
        _("least plausible value"),
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("A value below this is flagged for the approver."),
    )
    natural_max = models.DecimalField(
        _("most plausible value"),
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("A value above this is flagged for the approver."),
    )
    periodicity = models.CharField(_("periodicity"), max_length=12, choices=INDICATOR_PERIODICITIES)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    rollup = models.CharField(_("roll-up to the parent unit"), max_length=24, choices=Rollup.choices)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["owner_unit", "code"]
        constraints = [
            models.UniqueConstraint(fields=["owner_unit", "code"], name="indicator_code_per_owner"),
            models.CheckConstraint(name="indicator_code_not_blank", condition=~Q(code="")),
            models.CheckConstraint(name="indicator_name_not_blank", condition=~Q(name="")),
            models.CheckConstraint(
                name="indicator_value_type_valid", condition=Q(value_type__in=ValueType.values)
            ),
            models.CheckConstraint(name="indicator_rollup_valid", condition=Q(rollup__in=Rollup.values)),
            # Σ numerators / Σ denominators needs numerators; a mean of yes and no means nothing.
            models.CheckConstraint(
                name="indicator_ratio_rollup_needs_ratio",
                condition=~Q(rollup=Rollup.RATIO) | Q(value_type=ValueType.RATIO),
            ),
            models.CheckConstraint(
                name="indicator_yes_no_rolls_up_as_share",
                condition=~Q(value_type=ValueType.YES_NO) | Q(rollup=Rollup.SHARE_MEETING_TARGET),
            ),
            models.CheckConstraint(
                name="indicator_limits_ordered",
                condition=Q(natural_min__isnull=True)
                | Q(natural_max__isnull=True)
                | Q(natural_min__lte=F("natural_max")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def is_percentage(self) -> bool:
        return self.value_type in (ValueType.RATIO, ValueType.PERCENTAGE)


class IndicatorAssignment(models.Model):
    """An indicator given to one unit, with that unit's baseline and final target.

    A province's assignment cascaded to its communes `rolls_up`: its value for a period
    is computed from theirs (docs/indicators.md §6), not entered."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="assignments"
    )
    unit = models.ForeignKey(
        "tasks_app.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="indicator_assignments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cascaded from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    rolls_up = models.BooleanField(
        _("rolled up from the units below"),
        default=False,
        help_text=_("The value is computed from the child units' values, not entered."),
    )
    baseline_value = models.DecimalField(_("baseline value"), max_digits=18, decimal_places=4)
    baseline_date = models.DateField(_("baseline date"))
    target_value = models.DecimalField(_("final target"), max_digits=18, decimal_places=4)
    target_date = models.DateField(_("target deadline"))
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("indicator assignment")
        verbose_name_plural = _("indicator assignments")
        ordering = ["indicator", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit"], name="assignment_one_per_unit"),
            models.CheckConstraint(
                name="assignment_target_after_baseline", condition=Q(target_date__gt=F("baseline_date"))
            ),
            models.CheckConstraint(name="assignment_not_own_parent", condition=~Q(parent=F("id"))),
            models.CheckConstraint(name="assignment_version_positive", condition=Q(version__gte=1)),
        ]
        indexes = [models.Index(fields=["unit", "is_active"], name="assignment_unit_active_idx")]

    def __str__(self) -> str:
        return f"{self.indicator.code} · {self.unit}"


class IndicatorMilestone(models.Model):
    """The value a unit is expected to reach by the close of one period, set by the
    assigning unit. Periods without one follow the straight line (rules.milestone)."""

    assignment = models.ForeignKey(
        IndicatorAssignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="milestones"
    )
    period_end = models.DateField(_("period close"))
    value = models.DecimalField(_("milestone"), max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["assignment", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "period_end"], name="milestone_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} · {self.period_end:%d/%m/%Y} · {self.value}"


class TargetChange(models.Model):
    """Append-only: each change to an assignment's baseline, final target or milestones,
    with who, when, the values before and after, and why."""

    assignment = models.ForeignKey(
        IndicatorAssignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="target_changes",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    version = models.PositiveIntegerField(_("assignment version after the change"))
    # {"target_value": ["80", "85"], "milestone 2026-11-14": [null, "70"]}: text, as entered.
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("target change")
        verbose_name_plural = _("target changes")
        ordering = ["assignment", "version"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "version"], name="target_change_one_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("TargetChange is append-only; record a new change instead.")
        super().save(*args, **kwargs)


class ValueState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


# The values that count in colours and roll-ups: a unit does not turn red because its
# province is slow to approve (docs/indicators.md §4).
COUNTED_VALUE_STATES = (ValueState.SUBMITTED, ValueState.APPROVED)


class ValueFlag(models.TextChoices):
    """Why a saved value is marked for the approver's attention (saved all the same)."""

    OUTSIDE_LIMITS = "outside_limits", _("Outside the indicator's plausible range")
    WENT_DOWN = "went_down", _("Lower than the previous period, for a cumulative indicator")
    JUMP = "jump", _("Far from the unit's previous value")


class IndicatorValue(models.Model):
    """A unit's value of one indicator for one period, with its approval state."""

    assignment = models.ForeignKey(
        IndicatorAssignment, verbose_name=_("assignment"), on_delete=models.PROTECT, related_name="values"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period close"))
    # For a ratio, numerator × 100 / denominator; for yes/no, 1 or 0. What every rule reads.
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(_("numerator"), max_digits=18, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(
        _("denominator"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ValueState.choices, default=ValueState.DRAFT)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    return_reason = models.TextField(_("reason returned"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("approved or returned at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or returned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["assignment", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "period_end"], name="value_one_per_period"),
            models.CheckConstraint(name="value_state_valid", condition=Q(state__in=ValueState.values)),
            models.CheckConstraint(
                name="value_period_ordered", condition=Q(period_end__gte=F("period_start"))
            ),
            models.CheckConstraint(
                name="value_denominator_positive",
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
            ),
            models.CheckConstraint(
                name="value_numerator_within_denominator",
                condition=Q(numerator__isnull=True)
                | Q(denominator__isnull=True)
                | Q(numerator__lte=F("denominator")),
            ),
            models.CheckConstraint(
                name="value_numerator_not_negative", condition=Q(numerator__isnull=True) | Q(numerator__gte=0)
            ),
            # What counts has a value: only a draft may be saved empty.
            models.CheckConstraint(
                name="value_counted_has_value",
                condition=Q(state__in=[ValueState.DRAFT, ValueState.RETURNED]) | Q(value__isnull=False),
            ),
            models.CheckConstraint(name="value_version_positive", condition=Q(version__gte=1)),
        ]
        indexes = [
            # The approval queue: a province's submitted values, oldest first.
            models.Index(fields=["state", "submitted_at"], name="value_state_submitted_idx"),
            # The nightly recompute reads the values of a few periods (indicators/recompute.py).
            models.Index(fields=["period_end"], name="value_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} · {self.period_end:%d/%m/%Y} · {self.value}"


class ValueEventKind(models.TextChoices):
    CREATED = "created", _("Entered")
    EDITED = "edited", _("Changed")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    REOPENED = "reopened", _("Reopened for correction")
    NOTE = "note", _("Note or evidence added")


class ValueEvent(models.Model):
    """Append-only history of a value: one row per save or transition, naming who, when,
    what changed and why. Rows are never edited (save refuses; PostgreSQL too)."""

    value = models.ForeignKey(
        IndicatorValue, verbose_name=_("value"), on_delete=models.PROTECT, related_name="events"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=10, choices=ValueEventKind.choices)
    version = models.PositiveIntegerField(_("value version after the change"))
    state_before = models.CharField(_("state before"), max_length=10, choices=ValueState.choices, blank=True)
    state_after = models.CharField(_("state after"), max_length=10, choices=ValueState.choices)
    # {"value": ["72.5", "74.57"], "note": ["", "…"]}: text, as entered.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason or note"), blank=True)
    # The form's one-time key: a second submit of the same form records nothing.
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("indicator value change")
        verbose_name_plural = _("indicator value changes")
        ordering = ["value", "version"]
        constraints = [
            models.UniqueConstraint(fields=["value", "version"], name="value_event_one_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.value_id} v{self.version} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("ValueEvent is append-only; record a new event instead.")
        super().save(*args, **kwargs)


class IndicatorEvidence(models.Model):
    """A file attached to a value, checked and stored as task evidence is."""

    event = models.ForeignKey(
        ValueEvent, verbose_name=_("change"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=120)
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("indicator evidence file")
        verbose_name_plural = _("indicator evidence files")
        ordering = ["event", "id"]
        constraints = [
            models.CheckConstraint(name="indicator_evidence_named", condition=~Q(original_name="")),
        ]

    def __str__(self) -> str:
        return self.original_name


class FigureReason(models.TextChoices):
    """Which rule gave an indicator its colour in a period: the "why" the pages show."""

    PROGRESS = "progress", _("Progress against the milestone")
    NO_CHANGE_NEEDED = "no_change_needed", _("The milestone needs no change from the baseline")
    MISSING = "missing", _("No value counted after the due date")
    NOT_DUE = "not_due", _("Not yet due, no value")
    YES = "yes", _("Done (yes)")
    NO = "no", _("Not done (no) by the deadline")
    BEFORE_DEADLINE = "before_deadline", _("Yes/no indicator before its deadline")


class IndicatorFigure(models.Model):
    """Derived: one assignment's figure for one period, as the recompute left it. The value
    is the counted one (entered, or rolled up from the child units); progress and colour
    follow docs/indicators.md §4. Rewritten by every recompute, never edited."""

    # No index of their own on the three keys: the unique (assignment, period) and the
    # (unit, period) and (indicator, period) indexes below lead with them, and every
    # index costs the recompute's writes (indicators/recompute.py).
    assignment = models.ForeignKey(
        IndicatorAssignment,
        on_delete=models.CASCADE,
        related_name="figures",
        verbose_name=_("assignment"),
        db_index=False,
    )
    # Denormalised from the assignment: boards read a unit's or an indicator's figures
    # for a period with one index probe.
    unit = models.ForeignKey(
        "tasks_app.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"), db_index=False
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", verbose_name=_("indicator"), db_index=False
    )
    period_end = models.DateField(_("period close"))
    due_date = models.DateField(_("due date"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4, null=True)
    # The value's state: approved, submitted (counted, awaiting approval), or empty.
    value_state = models.CharField(_("value state"), max_length=10, blank=True)
    numerator = models.DecimalField(_("numerator"), max_digits=18, decimal_places=4, null=True)
    denominator = models.DecimalField(_("denominator"), max_digits=18, decimal_places=4, null=True)
    milestone = models.DecimalField(_("milestone"), max_digits=18, decimal_places=4, null=True)
    progress = models.DecimalField(_("progress (%)"), max_digits=12, decimal_places=2, null=True)
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices)
    reason = models.CharField(_("why"), max_length=20, choices=FigureReason.choices)
    # For a rolled-up figure: how many child units were counted, of how many.
    children_counted = models.PositiveIntegerField(_("child units counted"), default=0)
    children_total = models.PositiveIntegerField(_("child units"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("indicator figure")
        verbose_name_plural = _("indicator figures")
        ordering = ["period_end", "unit", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "period_end"], name="figure_one_per_period"),
        ]
        indexes = [
            # A board's indicator section counts its communes' latest figures by colour: the
            # columns it reads are in the index, so PostgreSQL answers from the index alone
            # instead of visiting thousands of table pages scattered by the recomputes.
            models.Index(
                fields=["unit", "period_end"],
                include=["id", "assignment", "indicator", "due_date", "colour", "value", "progress"],
                name="figure_unit_period_idx",
            ),
            models.Index(fields=["indicator", "period_end"], name="figure_indicator_period_idx"),
            # The nightly recompute and the greening rate read every unit's figures of one
            # or two periods.
            models.Index(fields=["period_end"], name="figure_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} · {self.period_end:%d/%m/%Y} · {self.colour}"
