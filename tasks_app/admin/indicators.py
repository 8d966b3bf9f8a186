"""Indicators in the admin: staff define indicators and correct targets and milestones.
Every save goes through the actions (tasks_app.actions.indicators), so it is version
checked, and a target change is recorded with who, when, what and why, as on the pages.
Values, their history and the derived figures are read-only here: values move through
their approval workflow, figures through the recompute."""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tasks_app.actions.indicators import (
    INDICATOR_FIELDS,
    CascadeRow,
    StaleAssignmentVersion,
    StaleIndicatorVersion,
    TargetChangeRefused,
    TargetLine,
    assignment_cascade,
    assignment_create,
    assignment_targets_update,
    indicator_create,
    indicator_update,
    may_be_assigned,
    province_communes,
)
from tasks_app.admin.tasks import ReadOnlyAdmin, province_filter, unit_column
from tasks_app.admin.versioned import VersionedAdminForm, changed_by_message
from tasks_app.forms.indicators import check_indicator, check_line, value_problem
from tasks_app.models import (
    Indicator,
    IndicatorAssignment,
    IndicatorEvidence,
    IndicatorFigure,
    IndicatorMilestone,
    IndicatorValue,
    TargetChange,
    UnitKind,
    ValueEvent,
)
from tasks_app.periods import period_ending
from tasks_app.selectors.indicator_targets import history_entry

# --- Indicators ---------------------------------------------------------------------------------


class IndicatorAdminForm(VersionedAdminForm):
    class Meta:
        model = Indicator
        fields = INDICATOR_FIELDS

    def current_version(self) -> int | None:
        return Indicator.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()

    def stale_message(self) -> str:
        return stale_indicator_message(self.instance)

    def clean(self) -> dict[str, Any]:
        super().clean()
        check_indicator(self, self.cleaned_data)
        owner = self.cleaned_data.get("owner_unit")
        if owner is not None and owner.kind == UnitKind.COMMUNE:
            self.add_error(
                "owner_unit",
                gettext("Indicators are adopted by the centre, a ministry or a province, not by a commune."),
            )
        if self.instance.pk:
            self.check_version(self.cleaned_data)
        return self.cleaned_data


def stale_indicator_message(indicator: Indicator) -> str:
    # An indicator keeps no author of its last change; the admin's log has it.
    current = Indicator.objects.filter(pk=indicator.pk).first()
    when = timezone.localtime(current.updated_at).strftime("%d/%m/%Y %H:%M") if current else ""
    return gettext(
        "This indicator was changed at %(when)s after you opened it. "
        "Reload the page to see the change, then apply yours again."
    ) % {"when": when}


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    form = IndicatorAdminForm
    list_display = [
        "code",
        "name",
        "owner_unit_name",
        "kind",
        "value_type",
        "periodicity",
        "rollup",
        "is_active",
    ]
    owner_unit_name = unit_column("owner_unit", Indicator._meta.get_field("owner_unit").verbose_name)
    list_filter = [
        "owner_unit__kind",
        province_filter("owner_unit__province"),
        "plan",
        "kind",
        "periodicity",
        "value_type",
        "rollup",
        "is_active",
    ]
    search_fields = ["code", "name__matches"]
    autocomplete_fields = ["owner_unit", "plan", "task_group"]
    list_select_related = ["owner_unit"]
    readonly_fields = ["version", "created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["owner_unit", "code", "name", "description", "kind", "plan", "task_group"]}),
        (
            _("How it is measured"),
            {
                "fields": [
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
                ]
            },
        ),
        (_("Change"), {"fields": ["loaded_version", "version", "created_by", "created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if change:
            indicator_update(
                indicator=obj, expected_version=form.cleaned_data["loaded_version"], author=request.user
            )
        else:
            indicator_create(indicator=obj, author=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleIndicatorVersion as exc:
            # Someone saved between our check and the write; the transaction rolled back.
            messages.error(request, stale_indicator_message(exc.current))
            return redirect(request.path)


# --- Assignments, their milestones and target history ------------------------------------------


def _has_reason(data: Any) -> bool:
    return bool(str(data.get("change_note", "")).strip())


class MilestoneFormSet(forms.BaseInlineFormSet):
    """Milestones fall on a period's close and fit the value type; changing one needs the
    reason typed in the assignment's form (the formset reads the same POST)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        indicator = self.instance.indicator
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            day, value = data.get("period_end"), data.get("value")
            if day is not None:
                try:
                    period_ending(indicator.periodicity, day)
                except ValueError:
                    form.add_error(
                        "period_end",
                        gettext(
                            "%(day)s is not the close of a period of this indicator "
                            "(periods close on the 14th of their last month)."
                        )
                        % {"day": day.strftime("%d/%m/%Y")},
                    )
            if value is not None:
                problem = value_problem(indicator.value_type, value, role="milestone")
                if problem:
                    form.add_error("value", problem)
        if self.has_changed() and not _has_reason(self.data):
            raise forms.ValidationError(
                gettext("Say why the targets change: the reason is kept in the history.")
            )

    def milestones(self) -> dict[datetime.date, Decimal | None]:
        """The milestones as the action takes them: a period's close → its value, or None to
        clear it (deleted, or moved to another period)."""
        found: dict[datetime.date, Decimal | None] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data:
                continue
            before = form.initial.get("period_end") if form.instance.pk else None
            if before is not None and (data.get("DELETE") or data.get("period_end") != before):
                found.setdefault(before, None)
            if not data.get("DELETE") and data.get("period_end") is not None:
                found[data["period_end"]] = data["value"]
        return found


class MilestoneInline(admin.TabularInline):
    model = IndicatorMilestone
    formset = MilestoneFormSet
    fields = ["period_end", "value"]
    extra = 1


@admin.display(description=_("changes"))
def changes_in_words(model_admin, obj: TargetChange) -> str:
    """A change as the targets page words it ("Final target: 80 → 85"), not as JSON."""
    entry = history_entry(obj, obj.assignment.indicator.periodicity)
    return "; ".join(f"{field.label}: {field.before} → {field.after}" for field in entry.fields)


class TargetChangeInline(admin.TabularInline):
    model = TargetChange
    readonly_fields = ("version", "created_at", "author", "changes_in_words", "reason")
    fields = readonly_fields
    changes_in_words = changes_in_words
    extra = 0
    can_delete = False
    ordering = ["-version"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AssignmentAdminForm(VersionedAdminForm):
    change_note_label = _("Reason for this change")
    change_note_help = _("Required to change a baseline, target or milestone; kept in the target history.")

    class Meta:
        model = IndicatorAssignment
        fields = [
            "indicator",
            "unit",
            "parent",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
        ]

    def current_version(self) -> int | None:
        return (
            IndicatorAssignment.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
        )

    def stale_message(self) -> str:
        return stale_assignment_message(self.instance.pk)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        indicator = cleaned.get("indicator") or (self.instance.indicator if self.instance.pk else None)
        check_line(self, indicator.value_type if indicator else None, cleaned)
        if self.instance.pk:
            self.check_version(cleaned)
            edited = set(self.changed_data) - {"loaded_version", "change_note"}
            if edited and not _has_reason(cleaned):
                self.add_error(
                    "change_note", gettext("Say why the targets change: the reason is kept in the history.")
                )
            return cleaned
        unit, parent = cleaned.get("unit"), cleaned.get("parent")
        if indicator and unit and parent:
            if parent.indicator_id != indicator.pk:
                self.add_error("parent", gettext("This assignment is of another indicator."))
            elif not province_communes(parent.unit).filter(pk=unit.pk).exists():
                self.add_error(
                    "unit",
                    gettext("Only an active commune of %(unit)s can be given its assignment.")
                    % {"unit": parent.unit},
                )
        elif indicator and unit and not may_be_assigned(indicator, unit):
            self.add_error(
                "unit",
                gettext(
                    "An indicator goes to its owner unit, or from the centre to a province; "
                    "communes get theirs from their province's assignment (choose it as “cascaded from”)."
                ),
            )
        return cleaned


def stale_assignment_message(assignment_id: int | None) -> str:
    last = (
        TargetChange.objects.filter(assignment_id=assignment_id)
        .select_related("author")
        .order_by("-version")
        .first()
    )
    return changed_by_message(
        gettext(
            "These targets were changed by %(who)s at %(when)s after you opened them. "
            "Reload the page to see their change, then apply yours again."
        ),
        author=last.author if last else None,
        at=last.created_at if last else None,
    )


@admin.register(IndicatorAssignment)
class IndicatorAssignmentAdmin(admin.ModelAdmin):
    form = AssignmentAdminForm
    list_display = [
        "indicator",
        "unit_name",
        "baseline_value",
        "target_value",
        "target_date",
        "rolls_up",
        "is_active",
    ]
    unit_name = unit_column("unit", _("unit"))
    list_filter = [
        "indicator",
        "unit__kind",
        province_filter("unit__province"),
        "rolls_up",
        "is_active",
    ]
    search_fields = [
        "indicator__code",
        "indicator__name__matches",
        "unit__search_name__matches",
        "unit__code",
    ]
    autocomplete_fields = ["indicator", "unit", "parent"]
    list_select_related = ["indicator", "unit"]
    show_full_result_count = False  # a national indicator has thousands of commune rows

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["indicator", "unit", "parent", "rolls_up", "is_active"]}),
            (
                _("Baseline and final target"),
                {"fields": ["baseline_value", "baseline_date", "target_value", "target_date"]},
            ),
            (
                _("Change"),
                {
                    "fields": [
                        "change_note",
                        "loaded_version",
                        "version",
                        "created_by",
                        "created_at",
                        "updated_at",
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["rolls_up", "is_active", "version", "created_by", "created_at", "updated_at"]
        # Which indicator and unit an assignment is about never changes: assign anew instead.
        return [*fixed, "indicator", "unit", "parent"] if obj else fixed

    def get_inlines(self, request, obj):
        return [MilestoneInline, TargetChangeInline] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return  # written with its milestones in save_related, through the action
        data = form.cleaned_data
        line = TargetLine(
            baseline_value=data["baseline_value"],
            baseline_date=data["baseline_date"],
            target_value=data["target_value"],
            target_date=data["target_date"],
        )
        if data.get("parent"):
            created = assignment_cascade(
                parent=data["parent"], rows=[CascadeRow(unit=data["unit"], line=line)], author=request.user
            ).created[0]
        else:
            created = assignment_create(
                indicator=data["indicator"], unit=data["unit"], author=request.user, **vars(line)
            )
        obj.pk = created.pk
        obj.version = created.version

    def save_related(self, request, form, formsets, change):
        if not change:
            return
        milestones = next((f for f in formsets if isinstance(f, MilestoneFormSet)), None)
        data = form.cleaned_data
        try:
            result = assignment_targets_update(
                assignment=form.instance,
                expected_version=data["loaded_version"],
                author=request.user,
                reason=data.get("change_note", ""),
                baseline_value=data["baseline_value"],
                baseline_date=data["baseline_date"],
                target_value=data["target_value"],
                target_date=data["target_date"],
                milestones=milestones.milestones() if milestones else {},
            )
        except StaleAssignmentVersion:
            messages.error(request, stale_assignment_message(form.instance.pk))
            return
        except TargetChangeRefused as exc:
            messages.error(request, str(exc))
            return
        if result is None:
            messages.info(request, _("Nothing changed."))

    def construct_change_message(self, request, form, formsets, add=False):
        # The milestones are saved by the action; TargetChange holds the diff.
        return [{"changed": {"fields": sorted(form.changed_data)}}] if not add else [{"added": {}}]


@admin.register(TargetChange)
class TargetChangeAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "version", "author", "created_at", "changes_in_words", "reason"]
    readonly_fields = ("assignment", "version", "author", "created_at", "changes_in_words", "reason")
    fields = readonly_fields
    changes_in_words = changes_in_words
    list_filter = ["assignment__unit__kind", province_filter("assignment__unit__province"), "created_at"]
    search_fields = ["assignment__indicator__code", "reason__matches", "author__username"]
    list_select_related = ["assignment__indicator", "assignment__unit", "author"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(IndicatorMilestone)
class IndicatorMilestoneAdmin(ReadOnlyAdmin):
    """Read here; set on the assignment (its page or its admin), with a reason."""

    list_display = ["assignment", "period_end", "value"]
    list_filter = ["period_end", "assignment__unit__kind"]
    search_fields = ["assignment__indicator__code", "assignment__unit__search_name__matches"]
    list_select_related = ["assignment__indicator", "assignment__unit"]
    show_full_result_count = False


# --- Values and figures: read-only ------------------------------------------------------------


class ValueEventInline(admin.TabularInline):
    model = ValueEvent
    readonly_fields = (
        "version",
        "created_at",
        "author",
        "kind",
        "state_before",
        "state_after",
        "changes",
        "reason",
    )
    fields = readonly_fields
    extra = 0
    can_delete = False
    ordering = ["-version"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "period_end", "value", "state", "updated_at", "updated_by"]
    list_filter = [
        "state",
        "period_end",
        "assignment__unit__kind",
        province_filter("assignment__unit__province"),
    ]
    search_fields = ["assignment__indicator__code", "assignment__unit__search_name__matches"]
    list_select_related = ["assignment__indicator", "assignment__unit", "updated_by"]
    inlines = [ValueEventInline]
    show_full_result_count = False


@admin.register(ValueEvent)
class ValueEventAdmin(ReadOnlyAdmin):
    list_display = ["value", "assignment", "version", "kind", "author", "created_at", "state_after"]
    list_filter = ["kind", "state_after", "created_at"]
    search_fields = ["value__assignment__indicator__code", "reason__matches", "author__username"]
    list_select_related = ["value__assignment__indicator", "value__assignment__unit", "author"]

    @admin.display(description=_("assignment"))
    def assignment(self, obj):
        return obj.value.assignment

    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(IndicatorEvidence)
class IndicatorEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "event", "size", "content_type", "sha256"]
    list_filter = ["content_type"]
    search_fields = ["original_name__matches", "sha256"]
    list_select_related = ["event"]


@admin.register(IndicatorFigure)
class IndicatorFigureAdmin(ReadOnlyAdmin):
    list_display = [
        "indicator",
        "unit_name",
        "period_end",
        "value",
        "milestone",
        "progress",
        "colour",
        "reason",
        "computed_at",
    ]
    unit_name = unit_column("unit", _("unit"))
    list_filter = ["colour", "period_end", "reason", "unit__kind", province_filter("unit__province")]
    search_fields = ["indicator__code", "unit__search_name__matches"]
    list_select_related = ["indicator", "unit"]
    show_full_result_count = False
