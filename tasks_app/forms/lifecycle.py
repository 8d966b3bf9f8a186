"""After a task is created: correcting it, withdrawing a copy, and deciding on a
completion (approve, return, reopen)."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.forms.creation import TASK_DETAIL_WIDGETS, check_task_dates
from tasks_app.models import CORRECTABLE_FIELDS, PlanPhase, Task, TaskGroup, Unit


class TaskEditForm(forms.ModelForm):
    """Correcting a task's "6 rõ". The plan and code are the task's identity (its copies'
    codes are built from them) and the lead unit is who does it: those change by
    withdrawing and assigning again, not here."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=gettext_lazy("Reason for the correction"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Recorded in the history with the changes."),
    )

    instance: Task

    class Meta:
        model = Task
        fields = list(CORRECTABLE_FIELDS)
        widgets = {**TASK_DETAIL_WIDGETS, "coordinating_units": forms.CheckboxSelectMultiple}

    def __init__(self, *args, coordinating_choices: QuerySet[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        task = self.instance
        if not self.is_bound:
            self.initial.setdefault("version", task.version)
        groups = cast(forms.ModelChoiceField, self.fields["task_group"])
        groups.queryset = TaskGroup.objects.filter(plan_id=task.plan_id)
        # Django reads the label function off the field instance; mypy refuses assigning to a method.
        groups.label_from_instance = lambda obj: f"{obj.number}. {obj.name}"  # type: ignore[method-assign]
        cast(forms.ModelChoiceField, self.fields["phase"]).queryset = PlanPhase.objects.filter(
            plan_id=task.plan_id
        )
        coordinating = cast(forms.ModelMultipleChoiceField, self.fields["coordinating_units"])
        coordinating.queryset = coordinating_choices
        coordinating.required = False
        for name in ("start_date", "deadline"):
            cast(forms.DateField, self.fields[name]).input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        if task.responsible_user_id is None:
            self.fields["responsible_name"].required = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for name in ("title", "responsible_name", "approving_authority", "expected_product", "note"):
            if isinstance(cleaned.get(name), str):
                cleaned[name] = cleaned[name].strip()
        check_task_dates(self, cleaned)
        return cleaned


class ReasonForm(forms.Form):
    """A change that needs the version the user saw and a reason: withdrawing a copy."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write the reason for withdrawing the task.")},
    )


APPROVE, RETURN, REOPEN = "approve", "return", "reopen"


class ApprovalForm(forms.Form):
    """Approve a completion, or return the task with a reason (one form, two buttons); or
    reopen an approved completion, with a reason (the same form, its own button)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(
        choices=[(APPROVE, APPROVE), (RETURN, RETURN), (REOPEN, REOPEN)], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=gettext_lazy("Comments (required to return or reopen the task)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["note"] = (cleaned.get("note") or "").strip()
        if cleaned.get("decision") == RETURN and not cleaned["note"]:
            self.add_error("note", _("Write why the task is returned, so its unit knows what to do."))
        if cleaned.get("decision") == REOPEN and not cleaned["note"]:
            self.add_error("note", _("Write why the task is reopened, so its unit knows what to do."))
        return cleaned
