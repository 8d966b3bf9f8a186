"""The reference roll-up: unit figures up the hierarchy and ranks within the parent,
in plain Python with exact fractions, written to be read against docs/greening.md.

The recompute does the same set-based in SQL (recompute.py); tests hold the two to
agreement on random trees, tasks and policies, as rules.task_state() is held to the
SQL CASE.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from tasks_app.greening.counting import STATES, OwnCounts
from tasks_app.greening.rules import Rules, blend_indicators, state_colour, unit_colour, unit_rate
from tasks_app.models import Colour, UnitKind
from tasks_app.models.greening import ALL_SCOPE, SnapshotScope, scope_key

ZERO = (0,) * (len(STATES) + 1)  # per-state counts, then overdue key tasks
# Children whose colours make up a unit's "share of child units green".
SHARE_CHILD_KIND: dict[str, str] = {UnitKind.PROVINCE: UnitKind.COMMUNE, UnitKind.CENTRAL: UnitKind.PROVINCE}
# Bottom-up: a unit is computed after every unit below it.
LEVELS = ((UnitKind.COMMUNE, UnitKind.MINISTRY), (UnitKind.PROVINCE,), (UnitKind.CENTRAL,))


@dataclass(frozen=True)
class UnitNode:
    id: int
    parent_id: int | None
    kind: str


@dataclass
class Figures:
    """One unit's greening in one scope: what a snapshot row stores."""

    counts: tuple[int, ...]  # STATES order, then overdue key tasks
    n_counted: int
    n_green: int
    own_rate: Decimal | None
    children_counted: int
    children_green: int
    children_green_share: Decimal | None
    rate: Decimal | None
    colour: str
    red_by_key_task: bool
    subtree: tuple[int, ...]  # counts in STATES order over the unit and all below it
    rank: int | None = None
    rank_among: int | None = None
    # The unit's own coloured indicators and green ones ("all" scope only; docs/indicators.md §7).
    n_indicators_counted: int = 0
    n_indicators_green: int = 0
    indicator_rate: Decimal | None = None


def _percent(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def scope_counts(
    own: OwnCounts,
    plans_implemented: dict[int, frozenset[int]] | None = None,
    groups_implemented: dict[int, frozenset[int]] | None = None,
) -> dict[tuple[int, str], tuple[int, ...]]:
    """Per (unit, scope) counts: all tasks, each plan, each task group. A task counts in its
    plan's scope and in the scope of every plan that one implements (`plans_implemented`,
    see models.plans_implemented_by): a province plan rolls up into the central plan. Its
    group likewise (`groups_implemented`): the province plan's group 2 into the central
    plan's group 2."""
    plans_implemented = plans_implemented or {}
    groups_implemented = groups_implemented or {}
    totals: dict[tuple[int, str], list[int]] = {}
    for (unit_id, plan_id, group_id), counts in own.items():
        keys = [(unit_id, ALL_SCOPE)]
        keys += [
            (unit_id, scope_key(SnapshotScope.PLAN, p)) for p in plans_implemented.get(plan_id, {plan_id})
        ]
        if group_id is not None:
            keys += [
                (unit_id, scope_key(SnapshotScope.GROUP, g))
                for g in groups_implemented.get(group_id, {group_id})
            ]
        for key in keys:
            total = totals.get(key)
            if total is None:
                totals[key] = list(counts)
            else:
                for i, n in enumerate(counts):
                    total[i] += n
    return {key: tuple(value) for key, value in totals.items()}


def roll_up(
    *,
    units: Iterable[UnitNode],
    own: dict[tuple[int, str], tuple[int, ...]],
    rules: Rules,
    indicators: Mapping[int, tuple[int, int]] | None = None,
) -> dict[tuple[int, str], Figures]:
    """Figures for every unit in every scope found in it or below it (always "all").

    `indicators`: unit -> (coloured, green) of its own indicators in the latest due period
    (counting.indicator_counts). They weigh in the "all" scope's rate by the policy's
    indicator weight, and are stored, when that weight is above 0; plan and group scopes
    are judged on tasks alone."""
    # With a weight of 0 indicators are not read: every figure is as on tasks alone.
    indicators = (indicators or {}) if rules.indicator_weight else {}
    green_index = [i for i, state in enumerate(STATES) if state_colour(state, rules) == Colour.GREEN]
    counted_index = [i for i, state in enumerate(STATES) if state_colour(state, rules) is not None]
    n_states = len(STATES)
    children: dict[int, list[UnitNode]] = defaultdict(list)
    by_level: dict[str, list[UnitNode]] = defaultdict(list)
    for unit in units:
        if unit.parent_id is not None:
            children[unit.parent_id].append(unit)
        by_level[unit.kind].append(unit)
    scopes_of: dict[int, set[str]] = defaultdict(lambda: {ALL_SCOPE})
    for unit_id, scope in own:
        scopes_of[unit_id].add(scope)

    result: dict[tuple[int, str], Figures] = {}
    for level in LEVELS:
        for unit in (u for kind in level for u in by_level[kind]):
            kids = children.get(unit.id, [])
            share_kind = SHARE_CHILD_KIND.get(unit.kind)
            scopes = set(scopes_of[unit.id])
            for kid in kids:
                scopes |= scopes_of[kid.id]
            scopes_of[unit.id] = scopes
            # The nation is judged on its provinces alone; leaves have no children.
            weights: dict[str, int | None] = {
                UnitKind.PROVINCE: rules.own_tasks_weight,
                UnitKind.CENTRAL: None,
            }
            weight = weights.get(unit.kind, 100)
            for scope in scopes:
                counts = own.get((unit.id, scope), ZERO)
                subtree = list(counts[:n_states])
                children_counted = children_green = 0
                for kid in kids:
                    figures = result.get((kid.id, scope))
                    if figures is None:
                        continue
                    for i, n in enumerate(figures.subtree):
                        subtree[i] += n
                    if kid.kind == share_kind and figures.colour != Colour.NONE:
                        children_counted += 1
                        children_green += figures.colour == Colour.GREEN
                n_counted = sum(counts[i] for i in counted_index)
                n_green = sum(counts[i] for i in green_index)
                own_rate, share, rate = unit_rate(
                    own_counted=n_counted,
                    own_green=n_green,
                    children_counted=children_counted,
                    children_green=children_green,
                    own_weight_percent=weight,
                )
                coloured, green = indicators.get(unit.id, (0, 0)) if scope == ALL_SCOPE else (0, 0)
                indicator_rate, rate = blend_indicators(
                    rate, coloured=coloured, green=green, weight_percent=rules.indicator_weight
                )
                colour, by_key = unit_colour(rate=rate, overdue_key=counts[-1], rules=rules)
                result[(unit.id, scope)] = Figures(
                    counts=counts,
                    n_counted=n_counted,
                    n_green=n_green,
                    own_rate=_percent(own_rate),
                    children_counted=children_counted,
                    children_green=children_green,
                    children_green_share=_percent(share),
                    rate=_percent(rate),
                    colour=colour,
                    red_by_key_task=by_key,
                    subtree=tuple(subtree),
                    n_indicators_counted=coloured,
                    n_indicators_green=green,
                    indicator_rate=_percent(indicator_rate),
                )
    _rank(children=children, result=result)
    return result


def _rank(*, children: dict[int, list[UnitNode]], result: dict[tuple[int, str], Figures]) -> None:
    """Competition ranking ("1, 2, 2, 4") by rounded rate within (parent, kind, scope)."""
    by_unit: dict[int, dict[str, Figures]] = defaultdict(dict)
    for (unit_id, scope), figures in result.items():
        by_unit[unit_id][scope] = figures
    for kids in children.values():
        # Each ranked unit with its rate, which is not None.
        groups: dict[tuple[str, str], list[tuple[Decimal, Figures]]] = defaultdict(list)
        for kid in kids:
            for scope, figures in by_unit.get(kid.id, {}).items():
                if figures.rate is not None:
                    groups[(kid.kind, scope)].append((figures.rate, figures))
        for members in groups.values():
            first_at: dict[Decimal, int] = {}
            for position, rate in enumerate(
                sorted((rate for rate, _figures in members), reverse=True), start=1
            ):
                first_at.setdefault(rate, position)
            for rate, figures in members:
                figures.rank, figures.rank_among = first_at[rate], len(members)
