"""The shapes of the greening figures, the reports and the daily feed. Views build plain
dicts from the selectors; these serializers only write them out and describe them in the
OpenAPI schema."""

from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reports.models import ReportKind, ReportStatus
from tasks_app.api.schema import ErrorResponse428Serializer
from tasks_app.api.serializers.reference import UnitBriefSerializer
from tasks_app.models import (
    INDICATOR_PERIODICITIES,
    Accumulation,
    Colour,
    Direction,
    FigureReason,
    IndicatorKind,
    Rollup,
    ValueType,
)

ERROR_SHOWN = 300  # characters of a failed render's error, as templates/reports/detail.html


class StateCountsSerializer(serializers.Serializer):
    """Tasks per greening state (tasks_app.models.TaskState)."""

    completed_on_time = serializers.IntegerField()
    completed_late = serializers.IntegerField()
    on_track = serializers.IntegerField()
    behind_schedule = serializers.IntegerField()
    overdue = serializers.IntegerField()
    not_started_on_time = serializers.IntegerField()
    not_started_late = serializers.IntegerField()
    paused = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class ScopeSerializer(serializers.Serializer):
    plan = serializers.IntegerField(allow_null=True, help_text=_("The plan the figures are narrowed to."))
    group = serializers.IntegerField(
        allow_null=True, help_text=_("The task group the figures are narrowed to.")
    )


class GreeningFiguresSerializer(serializers.Serializer):
    unit = UnitBriefSerializer()
    date = serializers.DateField()
    scope = ScopeSerializer()
    has_figures = serializers.BooleanField(
        help_text=_("False: nothing was computed for this unit, date and scope.")
    )
    colour = serializers.ChoiceField(choices=Colour.choices)
    colour_label = serializers.CharField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    own_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    red_by_key_task = serializers.BooleanField()
    rank = serializers.IntegerField(allow_null=True)
    rank_among = serializers.IntegerField(allow_null=True)
    counted = serializers.IntegerField(help_text=_("The unit's own counted tasks."))
    green = serializers.IntegerField(help_text=_("The unit's own green tasks."))
    overdue_key = serializers.IntegerField()
    counts = StateCountsSerializer(help_text=_("The unit's own tasks per state."))
    subtree_counts = StateCountsSerializer(
        help_text=_("The tasks of the unit and every unit below it, per state.")
    )
    children_counted = serializers.IntegerField(help_text=_("Child units with counted tasks."))
    children_green = serializers.IntegerField(help_text=_("Green child units."))
    children_green_share = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    reason = serializers.CharField(help_text=_("Why the unit is its colour, in short."))
    computed_at = serializers.DateTimeField(allow_null=True, help_text=_("When these figures were computed."))
    policy_version = serializers.IntegerField(allow_null=True)


class HistoryRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    has_figures = serializers.BooleanField()
    colour = serializers.ChoiceField(choices=Colour.choices)
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    counted = serializers.IntegerField()
    green = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text=_("Overdue tasks of the unit and every unit below it."))
    policy_version = serializers.IntegerField(allow_null=True)


class GreeningHistorySerializer(serializers.Serializer):
    unit = UnitBriefSerializer()
    scope = ScopeSerializer()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    results = HistoryRowSerializer(many=True)


class TaskReasonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="task_id")
    code = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    colour = serializers.CharField(allow_null=True)
    is_key = serializers.BooleanField()
    sentence = serializers.CharField(help_text=_("Why the task is in its state, in one sentence."))


class GreeningWhySerializer(serializers.Serializer):
    unit = UnitBriefSerializer()
    date = serializers.DateField()
    scope = ScopeSerializer()
    colour = serializers.ChoiceField(choices=Colour.choices)
    colour_label = serializers.CharField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    red_by_key_task = serializers.BooleanField()
    sentences = serializers.ListField(
        child=serializers.CharField(), help_text=_("The sentences the boards and reports show.")
    )
    reason = serializers.CharField(help_text=_("Why the unit is its colour, in short."))
    tasks = TaskReasonSerializer(
        many=True, help_text=_("The unit's red and yellow tasks, most serious first.")
    )
    tasks_total = serializers.IntegerField(help_text=_("All of the unit's red and yellow tasks."))
    not_counted = TaskReasonSerializer(many=True, help_text=_("Tasks left out of the rate, and why."))


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    unit = UnitBriefSerializer()
    colour = serializers.ChoiceField(choices=Colour.choices)
    colour_label = serializers.CharField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    overdue = serializers.IntegerField()
    behind = serializers.IntegerField()
    reason = serializers.CharField()


class GreeningRankingSerializer(serializers.Serializer):
    unit = UnitBriefSerializer()
    date = serializers.DateField()
    scope = ScopeSerializer()
    results = RankingRowSerializer(many=True)


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    unit = UnitBriefSerializer()
    week_start = serializers.DateField(source="period_start")
    week_end = serializers.DateField(source="week.end")
    week_label = serializers.CharField(source="week.label")
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    size = serializers.IntegerField(allow_null=True, help_text=_("The PDF's size in bytes."))
    pages = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField(help_text=_("The PDF's SHA-256, to check a downloaded copy."))
    figures_on = serializers.DateField(allow_null=True)
    requested_at = serializers.DateTimeField()
    generated_at = serializers.DateTimeField(allow_null=True)
    error = serializers.SerializerMethodField(help_text=_("Why the last rendering failed."))
    pdf = serializers.SerializerMethodField(help_text=_("The PDF's address, once the report is ready."))
    xlsx = serializers.SerializerMethodField(help_text=_("The workbook's address, once the report is ready."))

    def get_error(self, report) -> str:
        # As much as the report's page shows: the whole text is for the technical team.
        return Truncator(report.error).chars(ERROR_SHOWN)

    def get_pdf(self, report) -> str | None:
        return self._link(report, "pdf")

    def get_xlsx(self, report) -> str | None:
        return self._link(report, "xlsx")

    def _link(self, report, what: str) -> str | None:
        if report.status != ReportStatus.READY:
            return None
        request = self.context.get("request")
        path = f"/api/v1/reports/{report.pk}/{what}/"
        return request.build_absolute_uri(path) if request is not None else path


class ReportRequestSerializer(serializers.Serializer):
    """For the schema: the body of a request for a report. The web form's rules check it."""

    unit = serializers.IntegerField(
        help_text=_("The nation, a province or a commune: its kind decides the report.")
    )
    week = serializers.DateField(help_text=_("Any day of a finished week (within the last 52)."))


class FeedRowSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    province_code = serializers.CharField(allow_null=True)
    colour = serializers.ChoiceField(choices=Colour.choices)
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    counted = serializers.IntegerField()
    green = serializers.IntegerField()
    counts = StateCountsSerializer()
    subtree_counts = StateCountsSerializer()


class FeedPageSerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FeedRowSerializer(many=True)


class ErrorResponse409Serializer(ErrorResponse428Serializer):
    """The one error shape, with the report's status: it cannot be downloaded yet."""

    status = serializers.ChoiceField(choices=ReportStatus.choices)


class IndicatorFigureSerializer(serializers.Serializer):
    period_end = serializers.DateField(help_text=_("The period's close (the 14th of its last month)."))
    period_label = serializers.CharField(help_text=_("The period's name: “Tháng 11/2026”, “Quý IV/2026”."))
    due_date = serializers.DateField()
    value = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    value_state = serializers.CharField(
        help_text=_("approved, submitted (counted, awaiting approval), or empty: no value counted.")
    )
    numerator = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    denominator = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    milestone = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    progress = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text=_("Change achieved over change needed, in %."),
    )
    colour = serializers.ChoiceField(choices=Colour.choices)
    colour_label = serializers.CharField()
    reason = serializers.ChoiceField(choices=FigureReason.choices)
    reason_label = serializers.CharField()
    children_counted = serializers.IntegerField(help_text=_("For a roll-up: the units below that reported."))
    children_total = serializers.IntegerField(help_text=_("For a roll-up: the units below."))


class UnitIndicatorSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=IndicatorKind.choices)
    unit_of_measure = serializers.CharField()
    value_type = serializers.ChoiceField(choices=ValueType.choices)
    accumulation = serializers.ChoiceField(choices=Accumulation.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    periodicity = serializers.ChoiceField(choices=INDICATOR_PERIODICITIES)
    rollup = serializers.ChoiceField(choices=Rollup.choices)
    rolls_up = serializers.BooleanField(help_text=_("True: the value is rolled up from the units below."))
    owner_unit = serializers.IntegerField(help_text=_("The unit that adopted the indicator."))
    plan = serializers.IntegerField()
    task_group = serializers.IntegerField(allow_null=True)
    baseline_value = serializers.DecimalField(max_digits=18, decimal_places=4)
    baseline_date = serializers.DateField()
    target_value = serializers.DecimalField(max_digits=18, decimal_places=4)
    target_date = serializers.DateField()
    periods = IndicatorFigureSerializer(many=True)


class UnitIndicatorsSerializer(serializers.Serializer):
    unit = UnitBriefSerializer()
    indicators = UnitIndicatorSerializer(many=True)
