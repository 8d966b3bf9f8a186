"""Why a unit is its colour, in words a leader can repeat: the same sentences on every
board and report."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reports.boards.charts import percent_text
from tasks_app.greening.rollup import SHARE_CHILD_KIND
from tasks_app.greening.rules import Rules, unit_rate
from tasks_app.models import Colour, GreeningSnapshot, Unit, UnitKind, snapshot_colour, snapshot_colour_label


def unit_reason(snapshot: GreeningSnapshot | None, *, rules: Rules) -> list[str]:
    """One or two sentences a leader can repeat: how the rate is made, which band it
    falls in, and the tasks that pull it down. The same words on every board and report."""
    if snapshot is None or snapshot.colour == Colour.NONE:
        return [_("No counted tasks: nothing to judge yet.")]
    sentences = []
    rate = percent_text(snapshot.rate)
    if rules.indicator_weight and snapshot.n_indicators_counted:
        # The rate weighs the unit's own indicators in (docs/indicators.md §7): say how,
        # then explain the task rate as without them.
        task_rate = _task_rate(snapshot, rules)
        blend = {
            "rate": rate,
            "task_weight": 100 - rules.indicator_weight,
            "task_rate": percent_text(task_rate),
            "weight": rules.indicator_weight,
            "indicator_rate": percent_text(snapshot.indicator_rate),
            "green": snapshot.n_indicators_green,
            "counted": snapshot.n_indicators_counted,
        }
        if task_rate is None:
            sentences.append(
                _(
                    "Rate %(rate)s: no counted tasks, so indicators alone: %(green)s of %(counted)s"
                    " coloured indicators are green in the latest due period."
                )
                % blend
            )
            return sentences + _band_sentences(snapshot, rules)
        sentences.append(
            _(
                "Rate %(rate)s = %(task_weight)s%% × task rate %(task_rate)s + %(weight)s%% × indicators"
                " %(indicator_rate)s (%(green)s of %(counted)s coloured indicators green in the latest"
                " due period)."
            )
            % blend
        )
        rate = percent_text(task_rate)
    # The share of green child units counts only those with counted tasks: name them, and
    # how many are left out, so "0/3" is not read as three units in all.
    left_out = _children_left_out(snapshot)
    if snapshot.unit.kind == UnitKind.PROVINCE and snapshot.children_counted and snapshot.n_counted:
        sentences.append(
            _(
                "Rate %(rate)s = %(own_weight)s%% × own tasks %(own_rate)s (%(green)s of %(counted)s green)"
                " + %(child_weight)s%% × communes green %(share)s"
                " (%(cg)s/%(cc)s communes with counted tasks are green)."
            )
            % {
                "rate": rate,
                "own_weight": rules.own_tasks_weight,
                "own_rate": percent_text(snapshot.own_rate),
                "green": snapshot.n_green,
                "counted": snapshot.n_counted,
                "child_weight": 100 - rules.own_tasks_weight,
                "share": percent_text(snapshot.children_green_share),
                "cg": snapshot.children_green,
                "cc": snapshot.children_counted,
            }
        )
        if left_out:
            sentences.append(
                _("%(n)s communes have no counted tasks yet and are left out of the share.") % {"n": left_out}
            )
    elif snapshot.children_counted and not snapshot.n_counted:
        values = {"rate": rate, "cg": snapshot.children_green, "cc": snapshot.children_counted, "n": left_out}
        if snapshot.unit.kind == UnitKind.PROVINCE:
            sentence = (
                _(
                    "Rate %(rate)s: %(cg)s/%(cc)s communes with counted tasks are green"
                    " (%(n)s communes have no counted tasks yet)."
                )
                if left_out
                else _("Rate %(rate)s: %(cg)s/%(cc)s communes with counted tasks are green.")
            )
        else:
            sentence = (
                _(
                    "Rate %(rate)s: %(cg)s/%(cc)s provinces with counted tasks are green"
                    " (%(n)s provinces have no counted tasks yet)."
                )
                if left_out
                else _("Rate %(rate)s: %(cg)s/%(cc)s provinces with counted tasks are green.")
            )
        sentences.append(sentence % values)
    else:
        sentences.append(
            _("Rate %(rate)s: %(green)s of %(counted)s counted tasks are green.")
            % {"rate": rate, "green": snapshot.n_green, "counted": snapshot.n_counted}
        )
    return sentences + _band_sentences(snapshot, rules)


def _band_sentences(snapshot: GreeningSnapshot, rules: Rules) -> list[str]:
    sentences = []
    band = next((b for b in rules.bands if b.colour == snapshot.colour), None)
    if snapshot.red_by_key_task:
        sentences.append(
            _("Red because %(n)s key task(s) are overdue, whatever the rate.") % {"n": snapshot.n_overdue_key}
        )
    elif band is not None:
        sentences.append(
            _("%(colour)s: the rate is in the band %(lower)s–%(upper)s%%.")
            % {
                "colour": Colour(snapshot.colour).label,
                "lower": number_format(band.lower.normalize(), use_l10n=True),
                "upper": number_format(band.upper.normalize(), use_l10n=True),
            }
        )
    attention = _attention(snapshot)
    if attention:
        sentences.append(_("Tasks needing attention: %(parts)s.") % {"parts": attention})
    return sentences


def _task_rate(snapshot: GreeningSnapshot, rules: Rules) -> Decimal | None:
    """The rate on tasks alone, from the snapshot's counts (as the recompute forms it)."""
    weights: dict[str, int | None] = {UnitKind.PROVINCE: rules.own_tasks_weight, UnitKind.CENTRAL: None}
    _own, _share, rate = unit_rate(
        own_counted=snapshot.n_counted,
        own_green=snapshot.n_green,
        children_counted=snapshot.children_counted,
        children_green=snapshot.children_green,
        own_weight_percent=weights.get(snapshot.unit.kind, 100),
    )
    if rate is None:
        return None
    return (Decimal(rate.numerator) / Decimal(rate.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _children_left_out(snapshot: GreeningSnapshot) -> int:
    """How many of the unit's provinces (for the nation) or communes (for a province) have
    no counted tasks in the snapshot's scope and so are left out of its green share."""
    share_kind = SHARE_CHILD_KIND.get(snapshot.unit.kind)
    if share_kind is None or not snapshot.children_counted:
        return 0
    children = Unit.objects.filter(parent_id=snapshot.unit_id, kind=share_kind, is_active=True).count()
    return max(children - snapshot.children_counted, 0)


def unit_reason_short(snapshot: GreeningSnapshot | None) -> str:
    """The reason in a table cell: green of counted, the tasks pulling it down, and a
    red forced by an overdue key task."""
    if snapshot is None or snapshot_colour(snapshot) == Colour.NONE:
        return snapshot_colour_label(snapshot)
    parts = []
    if snapshot.red_by_key_task:
        parts.append(_("%(n)s key task(s) overdue") % {"n": snapshot.n_overdue_key})
    if snapshot.n_counted:
        parts.append(
            _("%(green)s/%(counted)s tasks green")
            % {"green": snapshot.n_green, "counted": snapshot.n_counted}
        )
    attention = _attention(snapshot)
    if attention:
        parts.append(attention)
    return "; ".join(parts)


def _attention(snapshot: GreeningSnapshot) -> str:
    pulling = [
        (snapshot.subtree_overdue, _("overdue")),
        (snapshot.subtree_behind_schedule, _("behind schedule")),
        (snapshot.subtree_not_started_late, _("not started, late")),
        (snapshot.subtree_completed_late, _("completed late")),
    ]
    return ", ".join(f"{n} {label}" for n, label in pulling if n)
