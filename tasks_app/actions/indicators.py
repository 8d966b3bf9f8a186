"""Writes to indicator definitions and targets (docs/indicators.md §1, §3).

Each write is atomic, checks the version the caller saw where a row is edited, and leaves
its trace: a target change (TargetChange) names who, when, the values before and after and
why. Changes that move figures mark the units concerned stale, so the recompute refreshes
them (the indicator figures hang off the same backlog as the greening ones).

Views and forms validate input (docs/indicators.md states the rules they check); the
checks here only refuse what would break the data: a milestone on a day that closes no
period, a target change without a reason, a cascade to a unit that is not a commune of
the province.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from tasks_app.actions.greening import greening_mark_stale
from tasks_app.clock import local_today
from tasks_app.greening.rules import Rules
from tasks_app.indicators.figures import refresh_figures
from tasks_app.models import (
    Indicator,
    IndicatorAssignment,
    IndicatorMilestone,
    TargetChange,
    Unit,
    UnitKind,
    User,
)
from tasks_app.periods import period_ending
from tasks_app.selectors.greening import current_rules

# The fields of an indicator its owner edits; a change to these moves every figure.
INDICATOR_FIELDS = (
    "owner_unit",
    "plan",
    "task_group",
    "code",
    "name",
    "description",
    "kind",
    "unit_of_measure",
    "value_type",
    "accumulation",
    "direction",
    "natural_min",
    "natural_max",
    "periodicity",
    "evidence_required",
    "rollup",
    "is_active",
)
# Only these change what the recompute derives; renaming an indicator does not.
INDICATOR_FIGURE_FIELDS = frozenset(
    {"value_type", "accumulation", "direction", "periodicity", "rollup", "is_active"}
)
TARGET_FIELDS = ("baseline_value", "baseline_date", "target_value", "target_date")
MILESTONE_KEY = "milestone "  # + the period's close, ISO: "milestone 2026-11-14"


class StaleIndicatorVersion(Exception):
    """The indicator changed after the caller loaded it; nothing was written."""

    def __init__(self, current: Indicator):
        self.current = current
        super().__init__(f"indicator {current.pk} is at version {current.version}")


class StaleAssignmentVersion(Exception):
    """The assignment's targets changed after the caller loaded them; nothing was written.
    `since` holds the target changes recorded after the caller's version."""

    def __init__(self, current: IndicatorAssignment, since: list[TargetChange] | None = None):
        self.current = current
        self.since = since or []
        super().__init__(f"assignment {current.pk} is at version {current.version}")


class TargetChangeRefused(ValueError):
    """A target change that cannot be written as asked (the forms check the same first)."""


def as_text(value: Any) -> str | None:
    """A value as the history keeps it: text, a decimal without trailing zeros ("80", not
    "80.0000"), a date in ISO."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def milestone_key(period_end: datetime.date) -> str:
    return f"{MILESTONE_KEY}{period_end.isoformat()}"


def indicator_figures_refresh(
    *, assignment_ids: Iterable[int], rules: Rules | None = None, today: datetime.date | None = None
) -> int:
    """Recompute the figures of these assignments and of the roll-ups above them (today, and
    under the policy in force unless `rules` are given) in the caller's transaction: a page
    read after the change shows its colour (the nightly run only catches the days that pass).
    Every write to targets, assignments and values ends here."""
    return refresh_figures(
        assignment_ids=assignment_ids, rules=rules or current_rules(), today=today or local_today()
    )


# --- Indicators -------------------------------------------------------------------------------


@transaction.atomic
def indicator_create(*, indicator: Indicator, author: User | None) -> Indicator:
    """Save a new indicator (an unsaved, valid instance) at version 1."""
    now = timezone.now()
    indicator.version = 1
    indicator.created_by = indicator.created_by or author
    indicator.created_at = indicator.updated_at = now
    indicator.save(force_insert=True)
    return indicator


def _column(name: str) -> str:
    """The attribute holding field `name`'s value (the id, for a foreign key)."""
    field = Indicator._meta.get_field(name)
    assert isinstance(field, models.Field), name
    return field.attname


@transaction.atomic
def indicator_update(*, indicator: Indicator, expected_version: int, author: User | None) -> list[str]:
    """Write the edited instance `indicator` if nobody changed the row since
    `expected_version` (StaleIndicatorVersion otherwise). Returns the names of the fields
    that changed; nothing is written when none did."""
    current = Indicator.objects.select_for_update().get(pk=indicator.pk)
    if current.version != expected_version:
        raise StaleIndicatorVersion(current)
    changed = [
        name
        for name in INDICATOR_FIELDS
        if getattr(current, _column(name)) != getattr(indicator, _column(name))
    ]
    if not changed:
        return []
    indicator.version = current.version + 1
    indicator.updated_at = timezone.now()
    indicator.save(update_fields=[*changed, "version", "updated_at"])
    if INDICATOR_FIGURE_FIELDS.intersection(changed):
        assigned = list(IndicatorAssignment.objects.filter(indicator=indicator).values_list("pk", "unit_id"))
        indicator_figures_refresh(assignment_ids=[pk for pk, _unit in assigned])
        greening_mark_stale(unit_ids=[unit for _pk, unit in assigned])
    return changed


# --- Assignments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetLine:
    """A unit's baseline and final target, as the assigning unit sets them."""

    baseline_value: Decimal
    baseline_date: datetime.date
    target_value: Decimal
    target_date: datetime.date


@dataclass(frozen=True)
class CascadeRow:
    """One commune's line in a cascade."""

    unit: Unit
    line: TargetLine


@dataclass(frozen=True)
class CascadeResult:
    created: list[IndicatorAssignment]
    skipped: list[Unit]  # communes that already had the indicator: left as they were


def _creation_change(assignment: IndicatorAssignment, author: User | None) -> TargetChange:
    return TargetChange(
        assignment=assignment,
        author=author,
        created_at=assignment.created_at,
        version=1,
        changes={name: [None, as_text(getattr(assignment, name))] for name in TARGET_FIELDS},
    )


def may_be_assigned(indicator: Indicator, unit: Unit) -> bool:
    """Without a cascade an indicator goes to its owner itself or, from the centre, to a
    province (a province's communes get theirs through assignment_cascade)."""
    if unit.pk == indicator.owner_unit_id:
        return True
    owner = indicator.owner_unit
    return owner.kind == UnitKind.CENTRAL and unit.kind == UnitKind.PROVINCE


@transaction.atomic
def assignment_create(
    *,
    indicator: Indicator,
    unit: Unit,
    baseline_value: Decimal,
    baseline_date: datetime.date,
    target_value: Decimal,
    target_date: datetime.date,
    author: User | None,
) -> IndicatorAssignment:
    """Give `indicator` to `unit` (its owner, or a province of the centre's indicator) with
    its baseline and final target, recorded as the assignment's first target change."""
    if not may_be_assigned(indicator, unit):
        raise TargetChangeRefused(f"{indicator} cannot be assigned to {unit} without a cascade")
    now = timezone.now()
    assignment = IndicatorAssignment.objects.create(
        indicator=indicator,
        unit=unit,
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        target_value=target_value,
        target_date=target_date,
        version=1,
        created_by=author,
        created_at=now,
        updated_at=now,
    )
    _creation_change(assignment, author).save(force_insert=True)
    indicator_figures_refresh(assignment_ids=[assignment.pk])
    greening_mark_stale(unit_ids=[unit.pk])
    return assignment


def province_communes(province: Unit):
    """The communes an assignment of `province` cascades to: its active ones."""
    return Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE, is_active=True).order_by(
        "sort_key", "code"
    )


@transaction.atomic
def assignment_cascade(
    *, parent: IndicatorAssignment, rows: Sequence[CascadeRow], author: User | None
) -> CascadeResult:
    """Give each commune in `rows` its own assignment of the province's indicator, with its
    own baseline and target, all or nothing; the province's figures are then the roll-up
    of its communes' (`rolls_up`, docs/indicators.md §6).

    A commune that already has the indicator is skipped and keeps its targets, history and
    milestones: cascading again after adding communes is safe, and changing a commune's
    targets goes through assignment_targets_update, with a reason."""
    parent = (
        IndicatorAssignment.objects.select_for_update().select_related("unit", "indicator").get(pk=parent.pk)
    )
    if parent.unit.kind != UnitKind.PROVINCE:
        raise TargetChangeRefused("only a province's assignment cascades to communes")
    allowed = set(province_communes(parent.unit).values_list("pk", flat=True))
    strays = [row.unit for row in rows if row.unit.pk not in allowed]
    if strays:
        raise TargetChangeRefused(f"not active communes of {parent.unit}: {', '.join(map(str, strays))}")
    already = set(
        IndicatorAssignment.objects.filter(indicator_id=parent.indicator_id, unit_id__in=allowed).values_list(
            "unit_id", flat=True
        )
    )
    now = timezone.now()
    fresh = {row.unit.pk: row for row in rows if row.unit.pk not in already}  # one per commune
    created = IndicatorAssignment.objects.bulk_create(
        [
            IndicatorAssignment(
                indicator_id=parent.indicator_id,
                unit=row.unit,
                parent=parent,
                baseline_value=row.line.baseline_value,
                baseline_date=row.line.baseline_date,
                target_value=row.line.target_value,
                target_date=row.line.target_date,
                version=1,
                created_by=author,
                created_at=now,
                updated_at=now,
            )
            for row in fresh.values()
        ],
        batch_size=500,
    )
    TargetChange.objects.bulk_create([_creation_change(child, author) for child in created], batch_size=500)
    touched = [child.unit_id for child in created]
    if created and not parent.rolls_up:
        # From now on the province's value is its communes' roll-up, not entered: a change of
        # meaning its history records, and a form opened before it is stale.
        parent.rolls_up = True
        parent.version += 1
        parent.updated_at = now
        parent.save(update_fields=["rolls_up", "version", "updated_at"])
        TargetChange.objects.create(
            assignment=parent,
            author=author,
            created_at=now,
            version=parent.version,
            changes={"rolls_up": ["False", "True"]},
        )
        touched.append(parent.unit_id)
    if touched:
        indicator_figures_refresh(assignment_ids=[child.pk for child in created] + [parent.pk])
        greening_mark_stale(unit_ids=touched)
    return CascadeResult(
        created=list(created),
        skipped=[row.unit for row in rows if row.unit.pk in already],
    )


def check_milestone_day(periodicity: str, period_end: datetime.date) -> None:
    """TargetChangeRefused unless `period_end` closes a period of `periodicity`."""
    try:
        period_ending(periodicity, period_end)
    except ValueError as exc:
        raise TargetChangeRefused(str(exc)) from exc


@transaction.atomic
def assignment_targets_update(
    *,
    assignment: IndicatorAssignment,
    expected_version: int,
    author: User | None,
    reason: str,
    baseline_value: Decimal,
    baseline_date: datetime.date,
    target_value: Decimal,
    target_date: datetime.date,
    milestones: Mapping[datetime.date, Decimal | None],
) -> TargetChange | None:
    """Change an assignment's baseline, final target and milestones, if nobody changed them
    since `expected_version` (StaleAssignmentVersion otherwise, nothing written).

    `milestones` maps a period's close to the milestone set for it, or None to clear it
    (the period then follows the straight line); periods not named are left as they are.
    Returns the recorded change, or None when nothing changed. A change needs a reason."""
    current = (
        IndicatorAssignment.objects.select_for_update().select_related("indicator").get(pk=assignment.pk)
    )
    if current.version != expected_version:
        since = list(
            current.target_changes.filter(version__gt=expected_version)
            .select_related("author")
            .order_by("version")
        )
        raise StaleAssignmentVersion(current, since)
    periodicity = current.indicator.periodicity
    for day in milestones:
        check_milestone_day(periodicity, day)

    changes: dict[str, list[str | None]] = {}
    new_values = {
        "baseline_value": baseline_value,
        "baseline_date": baseline_date,
        "target_value": target_value,
        "target_date": target_date,
    }
    for name, new in new_values.items():
        old = getattr(current, name)
        if old != new:
            changes[name] = [as_text(old), as_text(new)]
    if target_date <= baseline_date:
        raise TargetChangeRefused("the target deadline must be after the baseline date")

    existing = {m.period_end: m for m in current.milestones.all()}
    to_delete: list[int] = []
    to_write: list[IndicatorMilestone] = []
    for day, value in sorted(milestones.items()):
        before = existing.get(day)
        if value is None:
            if before is not None:
                to_delete.append(before.pk)
                changes[milestone_key(day)] = [as_text(before.value), None]
        elif before is None or before.value != value:
            changes[milestone_key(day)] = [as_text(before.value) if before else None, as_text(value)]
            to_write.append(IndicatorMilestone(assignment=current, period_end=day, value=value))
    if not changes:
        return None
    if not reason.strip():
        raise TargetChangeRefused("a change to targets needs a reason")

    IndicatorMilestone.objects.filter(pk__in=to_delete).delete()
    IndicatorMilestone.objects.filter(
        assignment=current, period_end__in=[m.period_end for m in to_write]
    ).delete()
    IndicatorMilestone.objects.bulk_create(to_write)
    for name, new in new_values.items():
        setattr(current, name, new)
    current.version += 1
    current.updated_at = timezone.now()
    edited = [name for name in TARGET_FIELDS if name in changes]
    current.save(update_fields=[*edited, "version", "updated_at"])
    indicator_figures_refresh(assignment_ids=[current.pk])
    greening_mark_stale(unit_ids=[current.unit_id])
    return TargetChange.objects.create(
        assignment=current,
        author=author,
        created_at=current.updated_at,
        version=current.version,
        changes=changes,
        reason=reason.strip(),
    )
