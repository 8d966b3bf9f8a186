"""Defining an indicator, assigning it, cascading it to communes and setting its targets
(docs/indicators.md §1, §3). The forms check every rule the page states; the actions
(tasks_app.actions.indicators) then write without second-guessing the input.

Numbers are typed as Vietnamese write them ("74,57") or with a dot ("74.57"); a number
that reads two ways ("50.000": fifty thousand, or fifty?) is refused with a message
rather than guessed.
"""

import datetime
import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.actions.indicators import CascadeRow, TargetLine, as_text
from tasks_app.forms.widgets import DateInput
from tasks_app.models import (
    Indicator,
    IndicatorAssignment,
    Plan,
    Rollup,
    TaskGroup,
    Unit,
    ValueType,
)
from tasks_app.periods import period_ending

DATE_INPUTS = ["%Y-%m-%d", "%d/%m/%Y"]

# --- Numbers ----------------------------------------------------------------------------------


class AmbiguousNumber(ValueError):
    pass


PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
GROUPED = re.compile(r"[+-]?\d{1,3}(?:[.,]\d{3})+")


def parse_decimal(raw: str) -> Decimal:
    """A number as a person types it: "74,57" and "74.57" are both 74.57; "1.234.567" and
    "1,234,567" are grouped thousands; "1.234,5" and "1,234.5" use the last mark for the
    decimals. One mark followed by exactly three digits ("50.000") is AmbiguousNumber.
    Anything else is InvalidOperation."""
    text = re.sub(r"[\s\u00a0\u202f]", "", raw)
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        whole, _sep, decimals = text.rpartition(decimal_mark)
        if text.count(decimal_mark) != 1 or not GROUPED.fullmatch(whole):
            raise InvalidOperation(raw)
        text = f"{whole.replace(grouping, '')}.{decimals}"
    elif commas + dots == 1:
        whole, _sep, decimals = text.replace(",", ".").partition(".")
        if len(decimals) == 3 and whole.lstrip("+-") not in ("", "0"):
            raise AmbiguousNumber(raw)
        text = f"{whole}.{decimals}"
    elif commas + dots > 1:
        if not GROUPED.fullmatch(text) or (commas and dots):
            raise InvalidOperation(raw)
        text = text.replace(",", "").replace(".", "")
    if not PLAIN_NUMBER.fullmatch(text):
        raise InvalidOperation(raw)
    return Decimal(text)


def decimal_text(value: Decimal) -> str:
    """A stored decimal as a person reads it: no trailing zeros, the language's decimal mark."""
    text = as_text(value) or ""
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))


class DecimalInput(forms.TextInput):
    """A text box (not type=number, which refuses "74,57" in many browsers) that brings up
    the phone's number keyboard."""

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, Decimal):
            return decimal_text(value)
        return super().format_value(value)


class LocalDecimalField(forms.DecimalField):
    widget = DecimalInput

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs: int
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            try:
                return parse_decimal(value)
            except AmbiguousNumber:
                raise forms.ValidationError(
                    _(
                        "“%(value)s” can be read two ways. Write it without a thousands separator, "
                        "with a comma before the decimals: 50000, or 74,57."
                    )
                    % {"value": value.strip()},
                    code="ambiguous",
                ) from None
            except InvalidOperation:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # Not Django's step/min/max attributes: they belong to type=number boxes.
        return {}


def decimal_field(label: Any, *, required: bool = True, help_text: Any = "") -> LocalDecimalField:
    return LocalDecimalField(
        label=label, required=required, max_digits=18, decimal_places=4, help_text=help_text
    )


def date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput, input_formats=DATE_INPUTS)


# --- What a baseline, target or milestone may be (docs/indicators.md §1, §3) ------------------


def value_problem(value_type: str, value: Decimal, *, role: str) -> str | None:
    """Why `value` cannot be the baseline, target or milestone (`role`) of an indicator
    of `value_type`, or None."""
    if value_type == ValueType.COUNT and (value < 0 or value != value.to_integral_value()):
        return _("A count must be a whole number, 0 or more.")
    if value_type in (ValueType.PERCENTAGE, ValueType.RATIO) and not 0 <= value <= 100:
        return _("A percentage must be between 0 and 100.")
    if value_type == ValueType.YES_NO:
        if role == "target" and value != 1:
            return _("A yes/no target is 1 (yes).")
        if value not in (0, 1):
            if role == "baseline":
                return _("A yes/no baseline is 0 (no) or 1 (yes).")
            return _("A yes/no milestone is 0 (no) or 1 (yes).")
    return None


def check_line(
    form: forms.BaseForm, value_type: str | None, cleaned: dict[str, Any], prefix: str = ""
) -> None:
    """The checks of a baseline and final target: each value fits the value type, and the
    deadline comes after the baseline."""
    baseline_date, target_date = cleaned.get(f"{prefix}baseline_date"), cleaned.get(f"{prefix}target_date")
    if baseline_date and target_date and target_date <= baseline_date:
        form.add_error(f"{prefix}target_date", _("The target deadline must be after the baseline date."))
    if not value_type:
        return
    for role in ("baseline", "target"):
        value = cleaned.get(f"{prefix}{role}_value")
        problem = None if value is None else value_problem(value_type, value, role=role)
        if problem:
            form.add_error(f"{prefix}{role}_value", problem)


def line_from(cleaned: dict[str, Any], prefix: str = "") -> TargetLine:
    return TargetLine(
        baseline_value=cleaned[f"{prefix}baseline_value"],
        baseline_date=cleaned[f"{prefix}baseline_date"],
        target_value=cleaned[f"{prefix}target_value"],
        target_date=cleaned[f"{prefix}target_date"],
    )


LINE_FIELDS = ("baseline_value", "baseline_date", "target_value", "target_date")


def line_fields(*, required: bool = True) -> dict[str, forms.Field]:
    return {
        "baseline_value": decimal_field(gettext_lazy("Baseline value"), required=required),
        "baseline_date": date_field(gettext_lazy("Baseline date"), required=required),
        "target_value": decimal_field(gettext_lazy("Final target"), required=required),
        "target_date": date_field(gettext_lazy("Target deadline"), required=required),
    }


# --- A new indicator ------------------------------------------------------------------------------

# How the page groups the fields.
INDICATOR_GROUPS = [
    (gettext_lazy("What is measured"), ["owner_unit", "code", "name", "description", "kind"]),
    (gettext_lazy("Where it belongs"), ["plan", "task_group"]),
    (
        gettext_lazy("How it is measured"),
        [
            "unit_of_measure",
            "value_type",
            "accumulation",
            "direction",
            "natural_min",
            "natural_max",
            "periodicity",
            "evidence_required",
        ],
    ),
    (gettext_lazy("Roll-up to the unit above"), ["rollup"]),
]
# Every field of the form, in the page's order: the groups name each once.
INDICATOR_FORM_FIELDS = [name for _title, names in INDICATOR_GROUPS for name in names]


def check_indicator(form: forms.BaseForm, cleaned: dict[str, Any]) -> None:
    """The definition's own rules (the model's constraints, as messages a person reads)."""
    value_type, rollup = cleaned.get("value_type"), cleaned.get("rollup")
    if rollup == Rollup.RATIO and value_type and value_type != ValueType.RATIO:
        form.add_error(
            "rollup",
            _(
                "Only a ratio indicator (numerator and denominator) rolls up as the sum of numerators "
                "over the sum of denominators: choose the value type “Ratio”, or another roll-up."
            ),
        )
    if value_type == ValueType.YES_NO and rollup and rollup != Rollup.SHARE_MEETING_TARGET:
        form.add_error(
            "rollup",
            _("A yes/no indicator rolls up as the share of units meeting their target: choose that roll-up."),
        )
    low, high = cleaned.get("natural_min"), cleaned.get("natural_max")
    if low is not None and high is not None and low > high:
        form.add_error(
            "natural_max", _("The most plausible value cannot be less than the least plausible value.")
        )
    if value_type in (ValueType.RATIO, ValueType.PERCENTAGE):
        for name in ("natural_min", "natural_max"):
            limit = cleaned.get(name)
            if limit is not None and not 0 <= limit <= 100 and name not in form.errors:
                form.add_error(name, _("For a percentage, the plausible values lie between 0 and 100."))
    plan, group = cleaned.get("plan"), cleaned.get("task_group")
    if plan and group and group.plan_id != plan.pk:
        form.add_error("task_group", _("This belongs to another plan than the one chosen."))
    owner, code = cleaned.get("owner_unit"), cleaned.get("code")
    if owner and code:
        taken = Indicator.objects.filter(owner_unit=owner, code__iexact=code)
        instance = getattr(form, "instance", None)
        if instance is not None and instance.pk:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            form.add_error(
                "code",
                _("%(unit)s already has an indicator with the code %(code)s.")
                % {"unit": owner.name, "code": code},
            )


class IndicatorForm(forms.ModelForm):
    """A new indicator and, if ticked, its assignment to the owner unit itself."""

    assign = forms.BooleanField(
        label=gettext_lazy("Assign it to the owner unit itself now"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "With its baseline and final target. A province then assigns it down to its communes."
        ),
    )

    class Meta:
        model = Indicator
        fields = INDICATOR_FORM_FIELDS
        widgets = {
            "name": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"natural_min": LocalDecimalField, "natural_max": LocalDecimalField}

    def __init__(self, *args: Any, owners: QuerySet[Unit], plans: QuerySet[Plan], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields.update(line_fields(required=False))
        owner = cast(forms.ModelChoiceField, self.fields["owner_unit"])
        owner.queryset = owners
        owner.empty_label = None
        cast(forms.ModelChoiceField, self.fields["plan"]).queryset = plans
        groups = cast(forms.ModelChoiceField, self.fields["task_group"])
        groups.queryset = TaskGroup.objects.filter(plan__in=plans).select_related("plan")
        groups.label_from_instance = lambda obj: f"{obj.plan.code} · {obj.number}. {obj.name}"  # type: ignore[method-assign]

    def grouped(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in INDICATOR_GROUPS]

    def assignment_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in LINE_FIELDS]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        check_indicator(self, cleaned)
        if cleaned.get("assign"):
            for name in LINE_FIELDS:
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Enter this to assign the indicator, or untick “assign”."))
            check_line(self, cleaned.get("value_type"), cleaned)
        return cleaned

    def line(self) -> TargetLine | None:
        return line_from(self.cleaned_data) if self.cleaned_data.get("assign") else None


# --- Cascading to communes ----------------------------------------------------------------------


class CascadeRowForm(forms.Form):
    """One commune's line: ticked, it needs all four values."""

    include = forms.BooleanField(label=gettext_lazy("Assign to this commune"), required=False)

    def __init__(self, *args: Any, value_type: str, commune: Unit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields.update(line_fields(required=False))
        self.value_type = value_type
        self.commune = commune

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("include"):
            return cleaned
        for name in LINE_FIELDS:
            if cleaned.get(name) is None and name not in self.errors:
                self.add_error(name, _("Enter this, or untick the commune."))
        check_line(self, self.value_type, cleaned)
        return cleaned


class SameForAllForm(forms.Form):
    """The values "apply the same to all" copies into every ticked row; empty ones are left."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields.update(line_fields(required=False))


@dataclass
class CascadeForm:
    """The whole cascade table as one form: every row is checked, and only a table with no
    error is saved, in one transaction."""

    same: SameForAllForm
    rows: list[CascadeRowForm]

    @classmethod
    def build(
        cls,
        data: Any,
        *,
        value_type: str,
        communes: list[Unit],
        initial: dict[str, Any],
    ) -> "CascadeForm":
        same = SameForAllForm(data, prefix="same", initial=initial)
        rows = [
            CascadeRowForm(
                data,
                prefix=f"c{commune.pk}",
                value_type=value_type,
                commune=commune,
                initial={"include": True, **initial},
            )
            for commune in communes
        ]
        return cls(same=same, rows=rows)

    def is_valid(self) -> bool:
        # Every row is checked, not only up to the first with an error.
        results = [row.is_valid() for row in self.rows]
        return all(results)

    def chosen(self) -> list[CascadeRow]:
        return [
            CascadeRow(unit=row.commune, line=line_from(row.cleaned_data))
            for row in self.rows
            if row.cleaned_data.get("include")
        ]

    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def filled_with_same(
    data: Any, *, communes: list[Unit], invalid: Collection[str] = ()
) -> tuple[dict[str, Any], list[str]]:
    """The posted table with the "same for all" values copied into every ticked row, as
    initial values for each row (prefix → field → raw text), and the fields copied. A
    value in `invalid` is not copied: its error shows once, beside the box it was typed in."""
    copied = [name for name in LINE_FIELDS if data.get(f"same-{name}", "").strip() and name not in invalid]
    rows: dict[str, Any] = {}
    for commune in communes:
        prefix = f"c{commune.pk}"
        include = bool(data.get(f"{prefix}-include"))
        row: dict[str, Any] = {"include": include}
        for name in LINE_FIELDS:
            raw = data.get(f"{prefix}-{name}", "")
            row[name] = data[f"same-{name}"] if include and name in copied else raw
        rows[prefix] = row
    return rows, copied


# --- Targets and milestones -----------------------------------------------------------------------

MILESTONE_PREFIX = "m_"
MILESTONE_NAME = re.compile(r"m_(\d{4}-\d{2}-\d{2})")


class TargetsForm(forms.Form):
    """An assignment's baseline, final target and one milestone box per period. Posting a
    box for a day that closes no period (a crafted form, an old page) is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Recorded in the history with your name and the time."),
    )

    def __init__(
        self,
        *args: Any,
        assignment: IndicatorAssignment,
        period_ends: list[datetime.date],
        set_milestones: dict[datetime.date, Decimal],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields.update(line_fields())
        self.assignment = assignment
        self.value_type = assignment.indicator.value_type
        self.set_milestones = set_milestones
        self.bad_days: list[str] = []
        days = set(period_ends) | set(set_milestones)
        posted = self.data.keys() if self.is_bound else []
        for key in posted:
            match = MILESTONE_NAME.fullmatch(key)
            if match:
                try:
                    days.add(datetime.date.fromisoformat(match.group(1)))
                except ValueError:
                    self.bad_days.append(match.group(1))
        self.days = sorted(days)
        for day in self.days:
            self.fields[self.milestone_name(day)] = decimal_field(
                _("Milestone for the period closing %(day)s") % {"day": day.strftime("%d/%m/%Y")},
                required=False,
            )
        if not self.is_bound:
            self.initial.update({name: getattr(assignment, name) for name in LINE_FIELDS})
            self.initial["version"] = assignment.version
            for day, value in set_milestones.items():
                self.initial[self.milestone_name(day)] = value

    @staticmethod
    def milestone_name(day: datetime.date) -> str:
        return f"{MILESTONE_PREFIX}{day.isoformat()}"

    def is_close(self, day: datetime.date) -> bool:
        try:
            period_ending(self.assignment.indicator.periodicity, day)
        except ValueError:
            return False
        return True

    def milestones(self) -> dict[datetime.date, Decimal | None]:
        """The milestone of every period in the table (None: not set, on the line)."""
        return {
            day: self.cleaned_data.get(self.milestone_name(day)) for day in self.days if self.is_close(day)
        }

    def changes_anything(self) -> bool:
        cleaned = self.cleaned_data
        if any(cleaned.get(name) != getattr(self.assignment, name) for name in LINE_FIELDS):
            return True
        return any(self.set_milestones.get(day) != value for day, value in self.milestones().items())

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for raw in self.bad_days:
            self.add_error(None, _("%(day)s is not a date.") % {"day": raw})
        check_line(self, self.value_type, cleaned)
        for day in self.days:
            name = self.milestone_name(day)
            value = cleaned.get(name)
            if value is None:
                continue
            if not self.is_close(day):
                self.add_error(
                    name,
                    _(
                        "%(day)s is not the close of a period of this indicator "
                        "(periods close on the 14th of their last month)."
                    )
                    % {"day": day.strftime("%d/%m/%Y")},
                )
                continue
            problem = value_problem(self.value_type, value, role="milestone")
            if problem:
                self.add_error(name, problem)
        if not self.errors and not cleaned.get("reason", "").strip() and self.changes_anything():
            self.add_error("reason", _("Say why the targets change: the reason is kept in the history."))
        return cleaned
