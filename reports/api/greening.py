"""A unit's greening through the API: its figures on a date, their history over a range,
why it is its colour, and the ranking of its children. The figures are the boards' own
(the greening snapshots, read by reports/boards/selectors), for the same plan, task group
and date the board's filter form accepts."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.api.common import (
    BOARD_FILTER_ERRORS,
    board_filters,
    documents_errors,
    scope_data,
    visible_unit,
)
from reports.api.serializers import (
    GreeningFiguresSerializer,
    GreeningHistorySerializer,
    GreeningRankingSerializer,
    GreeningWhySerializer,
)
from reports.boards.selectors.figures import BoardFilters, figures_date, figures_of, snapshot_of
from reports.boards.selectors.reasons import unit_reason, unit_reason_short
from tasks_app.access import visible_units
from tasks_app.api.errors import form_errors
from tasks_app.greening.rollup import SHARE_CHILD_KIND
from tasks_app.http import AuthenticatedRequest
from tasks_app.models import GreeningSnapshot, TaskState, Unit
from tasks_app.models.greening import snapshot_colour, snapshot_colour_label
from tasks_app.params import DayField
from tasks_app.selectors.greening import current_rules, explain_unit_colour

HISTORY_MAX_DAYS = 366
HISTORY_DEFAULT_DAYS = 30
WHY_TASKS = 20  # as many of the unit's red and yellow tasks as the commune board lists

PLAN = OpenApiParameter(
    "plan", OpenApiTypes.INT, description=gettext_lazy("Only the tasks of this plan (its id).")
)
GROUP = OpenApiParameter(
    "group",
    OpenApiTypes.INT,
    description=gettext_lazy("Only the tasks of this task group of the plan (its id)."),
)
DATE = OpenApiParameter(
    "date",
    OpenApiTypes.DATE,
    description=gettext_lazy("The figures of this day (YYYY-MM-DD); empty: the latest figures."),
)


class _UnitView(APIView):
    request: AuthenticatedRequest  # type: ignore[assignment]  # behind IsAuthenticated

    def unit_on_date(self, request: Request, pk: int) -> tuple[Unit, BoardFilters, datetime.date]:
        """The unit (404 outside the user's boards), the board's filters checked by its
        form, and the date of the figures: the one asked for, or the latest."""
        unit = visible_unit(self.request, pk)
        filters = board_filters(request, unit)
        return unit, filters, figures_date(unit, filters.on)


def _counts(snapshot: GreeningSnapshot | None, prefix: str) -> dict[str, int]:
    return {state: getattr(snapshot, f"{prefix}{state}") if snapshot else 0 for state in TaskState.values}


def figures_data(
    unit: Unit, snapshot: GreeningSnapshot | None, *, on: datetime.date, filters: BoardFilters
) -> dict:
    return {
        "unit": unit,
        "date": on,
        "scope": scope_data(filters),
        "has_figures": snapshot is not None,
        "colour": snapshot_colour(snapshot),
        "colour_label": snapshot_colour_label(snapshot),
        "rate": snapshot.rate if snapshot else None,
        "own_rate": snapshot.own_rate if snapshot else None,
        "red_by_key_task": bool(snapshot and snapshot.red_by_key_task),
        "rank": snapshot.rank if snapshot else None,
        "rank_among": snapshot.rank_among if snapshot else None,
        "counted": snapshot.n_counted if snapshot else 0,
        "green": snapshot.n_green if snapshot else 0,
        "overdue_key": snapshot.n_overdue_key if snapshot else 0,
        "counts": _counts(snapshot, "n_"),
        "subtree_counts": _counts(snapshot, "subtree_"),
        "children_counted": snapshot.children_counted if snapshot else 0,
        "children_green": snapshot.children_green if snapshot else 0,
        "children_green_share": snapshot.children_green_share if snapshot else None,
        "reason": unit_reason_short(snapshot),
        "computed_at": snapshot.computed_at if snapshot else None,
        "policy_version": snapshot.policy_version if snapshot else None,
    }


@documents_errors(BOARD_FILTER_ERRORS)
class UnitGreeningView(_UnitView):
    @extend_schema(
        summary=gettext_lazy("A unit's greening figures"),
        description=gettext_lazy(
            "The unit's colour, rate and tasks per state on a date, for all its tasks or one plan or "
            "task group: the figures its board shows."
        ),
        parameters=[DATE, PLAN, GROUP],
        responses=GreeningFiguresSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        unit, filters, on = self.unit_on_date(request, pk)
        snapshot = snapshot_of(unit, on=on, scope=filters.scope)
        return Response(GreeningFiguresSerializer(figures_data(unit, snapshot, on=on, filters=filters)).data)


class HistoryRangeForm(forms.Form):
    """The history's days: `from` and `to`, by default the HISTORY_DEFAULT_DAYS up to the
    unit's latest figures; at most HISTORY_MAX_DAYS."""

    to = DayField(required=False)

    def __init__(self, *args: Any, latest: datetime.date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.latest = latest

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "from" not in data or "to" not in data:
            return data  # a day that is not one: its field says so
        last = data["to"] or self.latest
        first = data["from"] or last - datetime.timedelta(days=HISTORY_DEFAULT_DAYS - 1)
        if first > last:
            raise forms.ValidationError(_("The start date comes after the end date."), code="invalid_range")
        if (last - first).days + 1 > HISTORY_MAX_DAYS:
            raise forms.ValidationError(
                _("Ask for at most %(days)s days at a time.") % {"days": HISTORY_MAX_DAYS},
                code="range_too_long",
            )
        data["from"], data["to"] = first, last
        return data


HistoryRangeForm.base_fields["from"] = DayField(required=False)  # a Python keyword: no attribute


@documents_errors(
    {
        "plan": BOARD_FILTER_ERRORS["plan"],
        "group": BOARD_FILTER_ERRORS["group"],
        "from": ["invalid", "out_of_range"],
        "to": ["invalid", "out_of_range"],
        "non_field_errors": ["invalid_range", "range_too_long"],
    }
)
class UnitGreeningHistoryView(_UnitView):
    @extend_schema(
        summary=gettext_lazy("A unit's greening history"),
        description=gettext_lazy(
            "One row per day from `from` to `to` (at most 366 days; by default the 30 days up to the "
            "latest figures). A day with no figures has has_figures false."
        ),
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description=gettext_lazy("First day (YYYY-MM-DD).")),
            OpenApiParameter("to", OpenApiTypes.DATE, description=gettext_lazy("Last day (YYYY-MM-DD).")),
            PLAN,
            GROUP,
        ],
        responses=GreeningHistorySerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        unit = visible_unit(self.request, pk)
        filters = board_filters(request, unit, with_date=False)
        days = {key: request.query_params.get(key, "") for key in ("from", "to")}
        form = HistoryRangeForm(days, latest=figures_date(unit, None))
        if not form.is_valid():
            raise form_errors(form)
        first, last = form.cleaned_data["from"], form.cleaned_data["to"]
        found = {
            row.on_date: row
            for row in GreeningSnapshot.objects.filter(
                unit=unit, scope=filters.scope, on_date__gte=first, on_date__lte=last
            ).order_by()
        }
        rows = []
        for n in range((last - first).days + 1):
            day = first + datetime.timedelta(days=n)
            snapshot = found.get(day)
            rows.append(
                {
                    "date": day,
                    "has_figures": snapshot is not None,
                    "colour": snapshot_colour(snapshot),
                    "rate": snapshot.rate if snapshot else None,
                    "rank": snapshot.rank if snapshot else None,
                    "counted": snapshot.n_counted if snapshot else 0,
                    "green": snapshot.n_green if snapshot else 0,
                    "overdue": snapshot.subtree_overdue if snapshot else 0,
                    "policy_version": snapshot.policy_version if snapshot else None,
                }
            )
        body = {
            "unit": unit,
            "scope": scope_data(filters),
            "date_from": first,
            "date_to": last,
            "results": rows,
        }
        return Response(GreeningHistorySerializer(body).data)


@documents_errors(BOARD_FILTER_ERRORS)
class UnitGreeningWhyView(_UnitView):
    @extend_schema(
        summary=gettext_lazy("Why a unit is its colour"),
        description=gettext_lazy(
            "The sentences the boards and reports show (how the rate is made, its band, the tasks "
            "pulling it down), and the unit's red and yellow tasks with the reason for each."
        ),
        parameters=[DATE, PLAN, GROUP],
        responses=GreeningWhySerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        unit, filters, on = self.unit_on_date(request, pk)
        rules = current_rules()
        snapshot = snapshot_of(unit, on=on, scope=filters.scope)
        explanation = explain_unit_colour(
            unit=unit, on=on, scope=filters.scope, limit=WHY_TASKS, rules=rules, with_child_units=False
        )
        body = {
            "unit": unit,
            "date": on,
            "scope": scope_data(filters),
            "colour": snapshot_colour(snapshot),
            "colour_label": snapshot_colour_label(snapshot),
            "rate": snapshot.rate if snapshot else None,
            "red_by_key_task": bool(snapshot and snapshot.red_by_key_task),
            "sentences": unit_reason(snapshot, rules=rules),
            "reason": unit_reason_short(snapshot),
            "tasks": explanation.tasks,
            "tasks_total": explanation.tasks_total,
            "not_counted": explanation.not_counted,
        }
        return Response(GreeningWhySerializer(body).data)


@documents_errors(BOARD_FILTER_ERRORS)
class UnitGreeningRankingView(_UnitView):
    @extend_schema(
        summary=gettext_lazy("The ranking of a unit's children"),
        description=gettext_lazy(
            "The provinces (for the nation) or the communes (for a province) the user may see, best "
            "first, each with its colour, rate and a short reason; the unranked last. A commune has "
            "no children: the list is empty."
        ),
        parameters=[DATE, PLAN, GROUP],
        responses=GreeningRankingSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        unit, filters, on = self.unit_on_date(request, pk)
        child_kind = SHARE_CHILD_KIND.get(unit.kind)
        children = (
            list(
                visible_units(self.request.user)
                .filter(parent=unit, kind=child_kind, is_active=True)
                .order_by("code")
            )
            if child_kind
            else []
        )
        rows = figures_of(children, on=on, scope=filters.scope)
        # As the national board ranks its provinces: ranked first, best first; then by name.
        rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.unit.sort_key))
        body = {
            "unit": unit,
            "date": on,
            "scope": scope_data(filters),
            "results": [
                {
                    "rank": row.rank,
                    "unit": row.unit,
                    "colour": row.colour,
                    "colour_label": row.colour_label,
                    "rate": row.rate,
                    "overdue": row.overdue,
                    "behind": row.behind,
                    "reason": row.reason,
                }
                for row in rows
            ],
        }
        return Response(GreeningRankingSerializer(body).data)
