"""Writes for greening: recomputing snapshots (all units, or the few a change touched),
queueing the incremental refresh after task changes, and editing the policy."""

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tasks_app.clock import local_today
from tasks_app.greening.counting import STATES, count_states, task_source
from tasks_app.greening.rollup import ALL, Figures, UnitNode, roll_up, scope_counts
from tasks_app.greening.rules import Band, Rules, validate_bands
from tasks_app.greening.store import remove_snapshots_except, upsert_snapshots
from tasks_app.models import (
    STATE_COUNT_FIELDS,
    GreeningBacklog,
    GreeningBand,
    GreeningPolicy,
    GreeningPolicyChange,
    GreeningSnapshot,
    Unit,
    User,
)

# Set while an incremental job is queued; later changes only add to the backlog.
INCREMENTAL_QUEUED_KEY = "greening:incremental-queued"


@dataclass(frozen=True)
class RecomputeResult:
    on_date: datetime.date
    rows_written: int
    rows_removed: int
    full: bool


def greening_recompute(
    *, on: datetime.date | None = None, unit_ids: Collection[int] | None = None
) -> RecomputeResult:
    """Recompute and upsert the snapshots of `on` (default: today).

    With `unit_ids`, only those units and the units above them are recomputed, reading
    their siblings' stored figures; without, every unit is. Runs hold the policy row
    locked, so concurrent runs take turns and never interleave their writes."""
    today = local_today()
    on = on or today
    with transaction.atomic():
        policy = GreeningPolicy.objects.select_for_update().get()
        rules = Rules.from_policy(policy)
        nodes = [
            UnitNode(*row)
            for row in Unit.objects.filter(is_active=True).values_list("id", "parent_id", "kind")
        ]
        targets = _with_ancestors(unit_ids, nodes) if unit_ids is not None else None
        if targets is not None and not _has_snapshots(on):
            targets = None  # nothing stored to roll up from yet: do the whole tree once
        source = task_source(on=on, today=today)
        own = scope_counts(count_states(source, on=on, rules=rules, unit_ids=targets))
        known = _stored_figures(on=on, around=targets, nodes=nodes) if targets is not None else {}
        figures = roll_up(units=nodes, targets=targets, own=own, known=known, rules=rules)
        written = upsert_snapshots(figures, on=on, stamp=timezone.now(), policy_version=policy.version)
        removed = remove_snapshots_except(set(figures), on=on, unit_ids=targets)
    return RecomputeResult(on_date=on, rows_written=written, rows_removed=removed, full=targets is None)


def greening_backfill(*, start: datetime.date, end: datetime.date) -> list[RecomputeResult]:
    """Recompute every date from start to end, inclusive, as of each date."""
    results = []
    day = start
    while day <= end:
        results.append(greening_recompute(on=day))
        day += datetime.timedelta(days=1)
    return results


def greening_nightly(*, today: datetime.date | None = None) -> list[RecomputeResult]:
    """The midnight run: settle yesterday as of its last update, then start today, when
    tasks whose deadline was yesterday turn overdue."""
    today = today or local_today()
    return [greening_recompute(on=today - datetime.timedelta(days=1)), greening_recompute(on=today)]


def _with_ancestors(unit_ids: Iterable[int], nodes: list[UnitNode]) -> set[int]:
    parent_of = {node.id: node.parent_id for node in nodes}
    found: set[int] = set()
    for unit_id in unit_ids:
        while unit_id is not None and unit_id in parent_of and unit_id not in found:
            found.add(unit_id)
            unit_id = parent_of[unit_id]
    return found


def _has_snapshots(on: datetime.date) -> bool:
    return GreeningSnapshot.objects.filter(on_date=on, scope=ALL, unit__parent__isnull=True).exists()


def _stored_figures(
    *, on: datetime.date, around: set[int], nodes: list[UnitNode]
) -> dict[tuple[int, str], Figures]:
    """Stored figures of the targets' children and siblings, which an incremental run
    rolls up but does not recompute."""
    parents = {node.parent_id for node in nodes if node.id in around and node.parent_id is not None}
    rows = (
        GreeningSnapshot.objects.filter(on_date=on, unit__parent_id__in=around | parents)
        .exclude(unit_id__in=around)
        .values("unit_id", "scope", *STATE_COUNT_FIELDS.values(), "n_overdue_key", "n_counted", "n_green",
                "own_rate", "children_counted", "children_green", "children_green_share", "rate", "colour",
                "red_by_key_task", "subtree_counts", "rank", "rank_among")
    )  # fmt: skip
    known = {}
    for row in rows:
        counts = (*(row[name] for name in STATE_COUNT_FIELDS.values()), row["n_overdue_key"])
        known[(row["unit_id"], row["scope"])] = Figures(
            counts=counts,
            n_counted=row["n_counted"],
            n_green=row["n_green"],
            own_rate=row["own_rate"],
            children_counted=row["children_counted"],
            children_green=row["children_green"],
            children_green_share=row["children_green_share"],
            rate=row["rate"],
            colour=row["colour"],
            red_by_key_task=row["red_by_key_task"],
            subtree=tuple(row["subtree_counts"].get(state, 0) for state in STATES),
            rank=row["rank"],
            rank_among=row["rank_among"],
        )
    return known


# --- After a task change --------------------------------------------------------------


def greening_mark_stale(*, unit_ids: Iterable[int]) -> None:
    """Record, in the caller's transaction, that these units' figures are stale, and
    queue one incremental refresh for after commit. A burst of changes shares one job."""
    GreeningBacklog.objects.bulk_create(
        [GreeningBacklog(unit_id=unit_id) for unit_id in set(unit_ids)], ignore_conflicts=True
    )
    transaction.on_commit(_queue_incremental, robust=True)


def _queue_incremental() -> None:
    from tasks_app.tasks import greening_refresh_stale  # the job module imports this one

    if cache.add(INCREMENTAL_QUEUED_KEY, 1, timeout=settings.GREENING_QUEUED_FLAG_SECONDS):
        greening_refresh_stale.apply_async(countdown=settings.GREENING_COALESCE_SECONDS)


def greening_refresh_backlog() -> RecomputeResult | None:
    """Drain the backlog and recompute its units (and the units above them) for today."""
    # Cleared first: a change committed from here on queues a fresh job, so none is missed.
    cache.delete(INCREMENTAL_QUEUED_KEY)
    with transaction.atomic():
        unit_ids = list(GreeningBacklog.objects.values_list("unit_id", flat=True))
        if not unit_ids:
            return None
        GreeningBacklog.objects.filter(unit_id__in=unit_ids).delete()
        return greening_recompute(unit_ids=unit_ids)


# --- Policy --------------------------------------------------------------------------

POLICY_FIELDS = (
    "behind_tolerance_pp",
    "near_deadline_days",
    "near_deadline_min_progress",
    "not_started_grace_days",
    "completed_late_is_green",
    "overdue_key_task_makes_red",
    "own_tasks_weight",
)


def _bands_as_list(bands: Iterable[Band]) -> list[list[Any]]:
    return [[b.colour, str(b.lower), str(b.upper)] for b in sorted(bands, key=lambda b: b.lower)]


class StalePolicyVersion(Exception):
    """Someone changed the policy after the caller loaded it; nothing was written."""


@transaction.atomic
def greening_policy_update(
    *,
    values: dict[str, Any],
    bands: list[Band],
    author: User | None,
    note: str = "",
    expected_version: int | None = None,
) -> GreeningPolicyChange | None:
    """Change the policy and log who, when, what. Bands must cover 0-100% with no gap
    or overlap (ValidationError otherwise). Returns None when nothing changed. With
    `expected_version`, refuses (StalePolicyVersion) if someone saved in between."""
    validate_bands(bands)
    policy = GreeningPolicy.objects.select_for_update().get()
    if expected_version is not None and policy.version != expected_version:
        raise StalePolicyVersion()
    changes: dict[str, list[Any]] = {}
    for name in POLICY_FIELDS:
        old, new = getattr(policy, name), values.get(name, getattr(policy, name))
        if old != new:
            changes[name] = [old, new]
            setattr(policy, name, new)
    old_bands = _bands_as_list(Rules.from_policy(policy).bands)
    new_bands = _bands_as_list(bands)
    if old_bands != new_bands:
        changes["bands"] = [old_bands, new_bands]
    if not changes:
        return None
    policy.version += 1
    policy.updated_at = timezone.now()
    policy.updated_by = author
    policy.full_clean(exclude=["updated_by"])
    policy.save()
    if "bands" in changes:
        policy.bands.all().delete()
        GreeningBand.objects.bulk_create(
            [GreeningBand(policy=policy, colour=b.colour, lower=b.lower, upper=b.upper) for b in bands]
        )
    return GreeningPolicyChange.objects.create(
        policy_version=policy.version,
        author=author,
        created_at=policy.updated_at,
        changes=changes,
        settings_after={**{name: getattr(policy, name) for name in POLICY_FIELDS}, "bands": new_bands},
        note=note,
    )
