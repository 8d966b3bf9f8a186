"""The value form: a unit's value of one indicator for one period (or its numerator and
denominator, or yes/no), a note and evidence files; and the approver's decision form.

Numbers are typed as Vietnamese write them ("74,57") or with a dot ("74.57"); the rules
that refuse a value (docs/indicators.md §5) are the action's, so this form only reads the
input and says in words what it could not read."""

import re
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.actions.tasks import EvidenceUpload
from tasks_app.evidence_files import ALLOWED_EXTENSIONS, InspectedFile, max_bytes
from tasks_app.forms.evidence import EvidenceField, kept_evidence_from_token
from tasks_app.forms.widgets import MultipleFileInput
from tasks_app.models import Indicator, IndicatorAssignment, IndicatorValue, Unit, ValueType
from tasks_app.params import valid_part
from tasks_app.upload_limits import (
    UploadRefusal,
    file_too_large_message,
    max_files,
    max_total_bytes,
    too_many_files_message,
    total_too_large_message,
)

SAVE, SUBMIT = "save", "submit"
# "12.000" and "1.234.567": dots between groups of three digits are thousands, as Vietnamese
# write whole numbers; a count has no decimals, so for a count that is the reading.
_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def parse_number(text: str, *, whole: bool = False) -> Decimal:
    """A number as typed: "74,57" or "74.57"; "1.234,5" (dots group, comma decimal);
    "12.000" as twelve thousand for a whole number. ValueError when it is not one."""
    raw = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in raw and "." in raw:
        raw = raw.replace(".", "").replace(",", ".")  # the last kind written is the decimal point
    elif "," in raw:
        raw = raw.replace(",", ".")
    elif whole and _GROUPED.fullmatch(raw):
        raw = raw.replace(".", "")
    if not _NUMBER.fullmatch(raw):
        raise ValueError(text)
    try:
        return Decimal(raw)
    except InvalidOperation as error:
        raise ValueError(text) from error


class NumberField(forms.CharField):
    """A number typed with a comma or a dot; the stored columns keep 4 decimals."""

    def __init__(self, *, whole: bool = False, **kwargs):
        self.whole = whole
        # No max_length: its validator would measure the cleaned Decimal. The input is capped.
        attrs = {"inputmode": "numeric" if whole else "decimal", "maxlength": 30, "autocomplete": "off"}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > 30:
            raise ValidationError(_("This number is too large."), code="too_large")
        try:
            number = parse_number(text, whole=self.whole)
        except ValueError:
            raise ValidationError(
                _("“%(text)s” is not a number. Write digits, with a comma for decimals: 74,57."),
                code="invalid",
                params={"text": text},
            ) from None
        if abs(number) >= Decimal(10) ** 14:
            raise ValidationError(_("This number is too large."), code="too_large")
        if number != number.quantize(Decimal("0.0001")):
            raise ValidationError(_("Write at most 4 digits after the comma."), code="too_precise")
        return number


class IndicatorValueForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("How the value was counted; required when a total goes down."),
    )
    evidence = EvidenceField(
        label=gettext_lazy("Evidence files"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)}),
    )
    action = forms.ChoiceField(
        choices=[(SAVE, SAVE), (SUBMIT, SUBMIT)], required=False, widget=forms.HiddenInput
    )

    def __init__(
        self,
        *args,
        indicator: Indicator,
        value: IndicatorValue | None,
        upload_refusals: Sequence[UploadRefusal] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.upload_refusals = list(upload_refusals)
        if any(refusal.cuts_submission for refusal in self.upload_refusals):
            self.files = MultiValueDict()
        self.kept: list[EvidenceUpload] = []
        value_fields: dict[str, forms.Field] = {}
        unit = indicator.unit_of_measure
        if indicator.value_type == ValueType.RATIO:
            value_fields["numerator"] = NumberField(label=_("Numerator (counted)"), required=False)
            value_fields["denominator"] = NumberField(label=_("Denominator (out of)"), required=False)
        elif indicator.value_type == ValueType.YES_NO:
            value_fields["value"] = forms.ChoiceField(
                label=_("Done?"),
                required=False,
                choices=[("1", _("Yes")), ("0", _("No"))],
                widget=forms.RadioSelect,
            )
        else:
            whole = indicator.value_type == ValueType.COUNT
            label = _("Value (%(unit)s)") % {"unit": unit} if unit else _("Value")
            help_text = _("A whole number, 0 or more.") if whole else _("Decimals after a comma: 74,57.")
            if indicator.value_type == ValueType.PERCENTAGE:
                help_text = _("A percentage from 0 to 100; decimals after a comma: 74,57.")
            value_fields["value"] = NumberField(label=label, required=False, whole=whole, help_text=help_text)
        # The value's fields first, in the order they are filled in.
        self.fields = {**value_fields, **self.fields}
        each = _("PDF, Word (docx), Excel (xlsx), JPG or PNG; at most %(mb)s MB each.") % {
            "mb": max_bytes() // (1024 * 1024)
        }
        together = _("At most %(count)s files and %(total)s MB in one update.") % {
            "count": max_files(),
            "total": max_total_bytes() // (1024 * 1024),
        }
        self.fields["evidence"].help_text = f"{each} {together}"
        # The same limits for the page's own check before sending (static/js/evidence-limits.js).
        self.fields["evidence"].widget.attrs.update(
            {
                "data-max-bytes": max_bytes(),
                "data-max-total-bytes": max_total_bytes(),
                "data-max-files": max_files(),
                "data-too-large-message": file_too_large_message("%(name)s"),
                "data-total-message": total_too_large_message(),
                "data-too-many-message": too_many_files_message(),
            }
        )
        if indicator.evidence_required:
            self.fields["evidence"].help_text = (
                _("Required to submit.") + " " + self.fields["evidence"].help_text
            )
        if not self.is_bound:
            initial: dict[str, Any] = {
                "version": value.version if value else 0,
                "submission_key": uuid.uuid4(),
            }
            if value is not None:
                initial["note"] = value.note
                if indicator.value_type == ValueType.RATIO:
                    initial["numerator"] = _typed(value.numerator)
                    initial["denominator"] = _typed(value.denominator)
                elif indicator.value_type == ValueType.YES_NO:
                    initial["value"] = "" if value.value is None else ("1" if value.value >= 1 else "0")
                else:
                    initial["value"] = _typed(value.value)
            self.initial = {**initial, **self.initial}
        else:
            posted = cast(MultiValueDict, self.data)
            for token in posted.getlist("kept_evidence"):
                item = kept_evidence_from_token(token)
                if item is not None:
                    self.kept.append(item)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for refusal in self.upload_refusals:
            self.add_error("evidence", ValidationError(refusal.message, code=refusal.code))
        cleaned["note"] = (cleaned.get("note") or "").strip()
        if self.indicator.value_type == ValueType.YES_NO:
            choice = cleaned.get("value")
            cleaned["value"] = Decimal(choice) if choice in ("0", "1") else None
        # Pressed "Submit" (or sent by a browser that names no button: saving is the safe reading).
        cleaned["submit"] = cleaned.get("action") == SUBMIT
        return cleaned

    def add_refusal(self, error: ValidationError) -> None:
        """The action's refusals, on the fields they are about."""
        for name, messages in error.message_dict.items():
            target = name if name in self.fields and name != NON_FIELD_ERRORS else None
            for message in messages:
                self.add_error(target, message)

    def checked_files(self) -> list[tuple[UploadedFile, InspectedFile]]:
        if "evidence" in getattr(self, "cleaned_data", {}):
            return self.cleaned_data["evidence"]
        return []

    @property
    def value_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("value", "numerator", "denominator") if name in self.fields]


def _typed(number: Decimal | None) -> str:
    """A stored number as the officer would type it: "74,57", never "74.5700"."""
    if number is None:
        return ""
    return format(number.normalize(), "f").replace(".", ",")


APPROVE, RETURN, REOPEN = "approve", "return", "reopen"


class ValueDecisionForm(forms.Form):
    """Approve or return a submitted value (return needs a reason), or reopen an approved one."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[(APPROVE, APPROVE), (RETURN, RETURN), (REOPEN, REOPEN)])
    reason = forms.CharField(
        label=gettext_lazy("Reason (required to return or reopen)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["reason"] = (cleaned.get("reason") or "").strip()
        if cleaned.get("decision") == RETURN and not cleaned["reason"]:
            self.add_error("reason", _("Write why the value is returned, so its unit knows what to fix."))
        if cleaned.get("decision") == REOPEN and not cleaned["reason"]:
            self.add_error("reason", _("Write why the value is reopened, so its unit knows what to correct."))
        return cleaned


class ApprovalFilterForm(forms.Form):
    """The approver's queue narrowed to one unit, one indicator, or the values the checks
    marked: a province leader with two hundred values to decide goes commune by commune."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label=gettext_lazy("Unit"))
    indicator = forms.ModelChoiceField(
        queryset=Indicator.objects.none(), required=False, label=gettext_lazy("Indicator")
    )
    flagged = forms.BooleanField(required=False, label=gettext_lazy("Only the values marked to look twice"))

    def __init__(self, *args: Any, units: "QuerySet[Unit]", **kwargs: Any):
        """`units`: those whose values the approver decides on; the indicators offered are
        the ones assigned to them. (Read from the assignments, not the queue: a province's
        queue can hold thousands of values, its communes a few thousand assignments.)"""
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units
        assigned = IndicatorAssignment.objects.filter(unit__in=units, is_active=True).values("indicator")
        indicators = Indicator.objects.filter(pk__in=assigned, is_active=True).order_by("code")
        cast(forms.ModelChoiceField, self.fields["indicator"]).queryset = indicators

    def narrow(self, queue: "QuerySet[IndicatorValue]") -> "QuerySet[IndicatorValue]":
        chosen = valid_part(self)
        if chosen.get("unit"):
            queue = queue.filter(assignment__unit=chosen["unit"])
        if chosen.get("indicator"):
            queue = queue.filter(assignment__indicator=chosen["indicator"])
        if chosen.get("flagged"):
            queue = queue.exclude(flags=[])
        return queue
