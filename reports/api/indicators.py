"""A unit's indicators through the API: each indicator assigned to the unit, with its
baseline and target and its figure in each period (value, milestone, progress, colour and
why), as the recompute left them (tasks_app.indicators.figures). Read-only: values are
entered and approved on the pages, where the approval flow lives."""

from django import forms
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.api.common import documents_errors, visible_unit
from reports.api.serializers import UnitIndicatorsSerializer
from tasks_app.api.errors import form_errors
from tasks_app.http import AuthenticatedRequest
from tasks_app.indicators.words import colour_label
from tasks_app.models import FigureReason, IndicatorAssignment, IndicatorFigure
from tasks_app.params import DayField
from tasks_app.periods import period_ending


class PeriodForm(forms.Form):
    period = DayField(required=False)


def _figure_data(figure: IndicatorFigure, periodicity: str) -> dict:
    return {
        "period_end": figure.period_end,
        "period_label": period_ending(periodicity, figure.period_end).label,
        "due_date": figure.due_date,
        "value": figure.value,
        "value_state": figure.value_state,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "milestone": figure.milestone,
        "progress": figure.progress,
        "colour": figure.colour,
        "colour_label": colour_label(figure.colour),
        "reason": figure.reason,
        "reason_label": str(FigureReason(figure.reason).label),
        "children_counted": figure.children_counted,
        "children_total": figure.children_total,
    }


def assignment_data(assignment: IndicatorAssignment) -> dict:
    indicator = assignment.indicator
    return {
        "assignment_id": assignment.pk,
        "code": indicator.code,
        "name": indicator.name,
        "kind": indicator.kind,
        "unit_of_measure": indicator.unit_of_measure,
        "value_type": indicator.value_type,
        "accumulation": indicator.accumulation,
        "direction": indicator.direction,
        "periodicity": indicator.periodicity,
        "rollup": indicator.rollup,
        "rolls_up": assignment.rolls_up,
        "owner_unit": indicator.owner_unit_id,
        "plan": indicator.plan_id,
        "task_group": indicator.task_group_id,
        "baseline_value": assignment.baseline_value,
        "baseline_date": assignment.baseline_date,
        "target_value": assignment.target_value,
        "target_date": assignment.target_date,
        "periods": [_figure_data(f, indicator.periodicity) for f in assignment.figures.all()],
    }


@documents_errors({"period": ["invalid", "out_of_range"]})
class UnitIndicatorsView(APIView):
    request: AuthenticatedRequest  # type: ignore[assignment]  # behind IsAuthenticated

    @extend_schema(
        summary=gettext_lazy("A unit's indicators"),
        description=gettext_lazy(
            "Each indicator assigned to the unit, with its baseline, final target and its figure in "
            "each period: the counted value (submitted or approved, or rolled up from the units "
            "below), the milestone, the progress and the colour, as docs/indicators.md defines them."
        ),
        parameters=[
            OpenApiParameter(
                "period",
                OpenApiTypes.DATE,
                description=gettext_lazy("Only the period that closes on this day (YYYY-MM-DD)."),
            )
        ],
        responses=UnitIndicatorsSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        unit = visible_unit(self.request, pk)
        form = PeriodForm({"period": request.query_params.get("period", "")})
        if not form.is_valid():
            raise form_errors(form)
        figures = IndicatorFigure.objects.order_by("period_end")
        if form.cleaned_data["period"]:
            figures = figures.filter(period_end=form.cleaned_data["period"])
        assignments = (
            IndicatorAssignment.objects.filter(unit=unit, is_active=True, indicator__is_active=True)
            .select_related("indicator")
            .prefetch_related(Prefetch("figures", queryset=figures))
            .order_by("indicator__code", "pk")
        )
        data = {"unit": unit, "indicators": [assignment_data(a) for a in assignments]}
        return Response(UnitIndicatorsSerializer(data).data)
