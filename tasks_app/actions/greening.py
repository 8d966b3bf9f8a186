"""Writes for greening: recomputing snapshots (all units, or the few a change touched),
queueing the incremental refresh after task changes, and editing the policy."""

import contextlib
import datetime
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tasks_app.clock import local_today
from tasks_app.greening.counting import task_source
from tasks_app.greening.recompute import recompute_snapshots
from tasks_app.greening.rules import Band, Rules, validate_bands
from tasks_app.indicators.recompute import FigureCounts, open_periods, recompute_figures
from tasks_app.jobs import enqueue
from tasks_app.models import (
    GreeningBacklog,
    GreeningBand,
    GreeningPolicy,
    GreeningPolicyChange,
    GreeningRun,
    GreeningSnapshot,
    Unit,
    User,
)
from tasks_app.models.greening import ALL_SCOPE

log = logging.getLogger(__name__)

# Set while an incremental job is queued; later changes only add to the backlog.
INCREMENTAL_QUEUED_KEY = "greening:incremental-queued"
# How long past GREENING_COALESCE_SECONDS the sweeper leaves a backlog to its queued refresh.
BACKLOG_GRACE_SECONDS = 10


@dataclass(frozen=True)
class RecomputeResult:
    on_date: datetime.date
    rows_written: int
    rows_removed: int
    full: bool


def greening_recompute(
    *, on: datetime.date | None = None, unit_ids: Collection[int] | None = None
) -> RecomputeResult:
    """Recompute and write the snapshots of `on` (default: today).

    With `unit_ids`, only those units and the units above them are recomputed, reading
    their siblings' stored figures; without, every unit is. Runs hold the policy row
    locked, so concurrent runs take turns and never interleave their writes."""
    today = local_today()
    on = on or today
    with transaction.atomic():
        policy = GreeningPolicy.objects.select_for_update().get()
        targets = None
        if unit_ids is not None:
            targets, roots = _with_ancestors(unit_ids)
            if not GreeningSnapshot.objects.filter(on_date=on, scope=ALL_SCOPE, unit_id__in=roots).exists():
                targets = None  # nothing stored to roll up from yet: do the whole tree once
        stamp = timezone.now()
        counts = recompute_snapshots(
            source=task_source(on=on, today=today),
            on=on,
            rules=Rules.from_policy(policy),
            stamp=stamp,
            targets=targets,
        )
        # Runs take turns on the policy row, so this read-then-write cannot race.
        run_times = {"last_run_at": stamp} | ({"last_full_run_at": stamp} if targets is None else {})
        GreeningRun.objects.update_or_create(on_date=on, defaults=run_times)
    return RecomputeResult(
        on_date=on, rows_written=counts.written, rows_removed=counts.removed, full=targets is None
    )


def greening_backfill(*, start: datetime.date, end: datetime.date) -> list[RecomputeResult]:
    """Recompute every date from start to end, inclusive, as of each date."""
    results = []
    day = start
    while day <= end:
        results.append(greening_recompute(on=day))
        day += datetime.timedelta(days=1)
    return results


def greening_nightly(*, today: datetime.date | None = None) -> list[RecomputeResult]:
    """The midnight run: first the indicator figures (values missing after yesterday's
    due date turn red, a new period starts), which today's rates read; then settle
    yesterday as of its last update, and start today, when tasks whose deadline was
    yesterday turn overdue."""
    today = today or local_today()
    indicator_figures_recompute(today=today, only_open_periods=today.weekday() != FULL_INDICATOR_WEEKDAY)
    return [greening_recompute(on=today - datetime.timedelta(days=1)), greening_recompute(on=today)]


# The nightly run revisits only the periods whose figures can change by themselves
# (indicators.recompute.open_periods); a value, milestone or target saved is refreshed by
# its action. Once a week (the run of Monday 00:05) it recomputes every period, which
# also applies a policy change to past periods; the operators' "recompute one day" does
# the same at once.
FULL_INDICATOR_WEEKDAY = 0


def indicator_figures_recompute(
    *, today: datetime.date | None = None, only_open_periods: bool = False
) -> FigureCounts:
    """Recompute the indicator figures of every active assignment as of `today`, in every
    period or only in the open ones, and write what changed. Holds the policy row, as the
    greening runs do, so two runs take turns."""
    today = today or local_today()
    with transaction.atomic():
        rules = Rules.from_policy(GreeningPolicy.objects.select_for_update().get())
        periods = open_periods(today=today, rules=rules) if only_open_periods else None
        counts = recompute_figures(rules=rules, today=today, periods=periods)
    log.info(
        "Indicator figures as of %s (%s periods): %s written, %s removed",
        today,
        "open" if only_open_periods else "all",
        counts.written,
        counts.removed,
    )
    return counts


def _with_ancestors(unit_ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """The active units among `unit_ids` with every active unit above them, and the
    roots among those."""
    found: set[int] = set()
    roots: set[int] = set()
    frontier = set(unit_ids)
    while frontier:
        rows = Unit.objects.filter(id__in=frontier, is_active=True).values_list("id", "parent_id")
        found.update(unit_id for unit_id, _ in rows)
        roots.update(unit_id for unit_id, parent_id in rows if parent_id is None)
        frontier = {parent_id for _, parent_id in rows if parent_id is not None} - found
    return found, roots


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

    try:
        first = cache.add(INCREMENTAL_QUEUED_KEY, 1, timeout=settings.GREENING_QUEUED_FLAG_SECONDS)
    except Exception:  # whatever the cache backend raises: Redis is down or frozen
        # The broker is the same Redis, so sending now would only wait for a second timeout.
        # The backlog rows are committed: the sweeper refreshes them once Redis is back.
        log.warning("Greening refresh not queued (cache unavailable); the backlog keeps it.", exc_info=True)
        return
    if first and not enqueue(greening_refresh_stale, countdown=settings.GREENING_COALESCE_SECONDS):
        # Not sent: let the next change try again rather than wait for the flag to expire.
        with contextlib.suppress(Exception):
            cache.delete(INCREMENTAL_QUEUED_KEY)


def greening_refresh_backlog() -> RecomputeResult | None:
    """Drain the backlog and recompute its units (and the units above them) for today."""
    # Cleared first: a change committed from here on queues a fresh job, so none is missed.
    cache.delete(INCREMENTAL_QUEUED_KEY)
    with transaction.atomic():
        # Rows another drain holds are its own to recompute (PostgreSQL; SQLite has one writer).
        waiting = GreeningBacklog.objects.select_for_update(skip_locked=True)
        unit_ids = list(waiting.values_list("unit_id", flat=True))
        if not unit_ids:
            return None
        GreeningBacklog.objects.filter(unit_id__in=unit_ids).delete()
        return greening_recompute(unit_ids=unit_ids)


def greening_drain_forgotten_backlog() -> RecomputeResult | None:
    """The sweeper's half for greening: drain the backlog when its oldest row has waited
    longer than a queued refresh would have let it (the refresh was never queued because
    Redis was down, or its worker died). Costs one indexed query when the backlog is empty."""
    refresh_due = settings.GREENING_COALESCE_SECONDS + BACKLOG_GRACE_SECONDS
    forgotten = timezone.now() - datetime.timedelta(seconds=refresh_due)
    if not GreeningBacklog.objects.filter(queued_at__lt=forgotten).exists():
        return None
    return greening_refresh_backlog()


# --- Policy --------------------------------------------------------------------------

POLICY_FIELDS = (
    "behind_tolerance_pp",
    "near_deadline_days",
    "near_deadline_min_progress",
    "not_started_grace_days",
    "completed_late_is_green",
    "overdue_key_task_makes_red",
    "own_tasks_weight",
    "completion_proof",
    "indicator_green_from",
    "indicator_yellow_from",
    "indicator_jump_percent",
    "indicator_due_working_days",
    "indicator_weight",
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
    changed = [name for name in changes if name != "bands"]  # the bands are rows of their own
    policy.save(update_fields=[*changed, "version", "updated_at", "updated_by"])
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
