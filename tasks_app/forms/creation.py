"""Creating a task in a province, and assigning it (or an existing task) to its communes;
the "6 rõ" fields and date checks that correcting a task shares."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.forms.widgets import DateInput
from tasks_app.models import CORRECTABLE_FIELDS, Plan, PlanPhase, Task, TaskGroup, Unit

CASCADE_NONE, CASCADE_ALL, CASCADE_SELECTED = "none", "all", "selected"
CASCADE_CHOICES = [
    (CASCADE_NONE, gettext_lazy("Do not assign to communes")),
    (CASCADE_ALL, gettext_lazy("All communes of the province")),
    (CASCADE_SELECTED, gettext_lazy("Selected communes")),
]


class CascadeFieldsMixin(forms.Form):
    cascade = forms.ChoiceField(
        label=gettext_lazy("Assign to communes"),
        choices=CASCADE_CHOICES,
        initial=CASCADE_ALL,
        widget=forms.RadioSelect,
    )
    communes = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Communes"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    commune_responsible = forms.CharField(
        label=gettext_lazy("Responsible person in each commune (position)"),
        max_length=80,
        initial="Chủ tịch UBND",
        help_text=gettext_lazy("Recorded with the commune's name, e.g. “Chủ tịch UBND Xã Quế Phong”."),
    )

    def set_communes(self, communes: QuerySet[Unit]) -> None:
        self.commune_units = {c.pk: c for c in communes}
        cast(forms.ChoiceField, self.fields["communes"]).choices = [(c.pk, c.name) for c in communes]

    def chosen_communes(self) -> list[Unit]:
        mode = self.cleaned_data.get("cascade")
        if mode == CASCADE_ALL:
            return list(self.commune_units.values())
        if mode == CASCADE_SELECTED:
            return [self.commune_units[pk] for pk in self.cleaned_data.get("communes", [])]
        return []

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("cascade") == CASCADE_SELECTED and not cleaned.get("communes"):
            self.add_error("communes", _("Choose at least one commune, or another option."))
        return cleaned


def check_task_dates(form: forms.BaseForm, cleaned: dict[str, Any]) -> None:
    """The dates of a task being created or corrected: the deadline is not before the
    start, and falls in the plan phase chosen (a phase holds the tasks due in it)."""
    start, deadline, phase = cleaned.get("start_date"), cleaned.get("deadline"), cleaned.get("phase")
    if start and deadline and deadline < start:
        form.add_error("deadline", _("The deadline cannot be before the start date."))
    if phase and deadline and not phase.start_date <= deadline <= phase.end_date:
        form.add_error(
            "phase",
            _("The deadline %(deadline)s is outside the phase “%(phase)s” (%(start)s – %(end)s).")
            % {
                "deadline": deadline.strftime("%d/%m/%Y"),
                "phase": phase.name,
                "start": phase.start_date.strftime("%d/%m/%Y"),
                "end": phase.end_date.strftime("%d/%m/%Y"),
            },
        )


# The "6 rõ" fields look the same whether a task is created or corrected.
TASK_DETAIL_WIDGETS = {
    "start_date": DateInput,
    "deadline": DateInput,
    "title": forms.Textarea(attrs={"rows": 2}),
    "description": forms.Textarea(attrs={"rows": 3}),
    "expected_product": forms.Textarea(attrs={"rows": 2}),
}


class TaskCreateForm(CascadeFieldsMixin, forms.ModelForm):
    class Meta:
        model = Task
        # The task's details as an officer corrects them later; coordinating units are
        # chosen per commune when the task is cascaded.
        fields = ["plan", "code", *(name for name in CORRECTABLE_FIELDS if name != "coordinating_units")]
        widgets = TASK_DETAIL_WIDGETS

    def __init__(self, *args, province: Unit, plans: QuerySet[Plan], communes: QuerySet[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.province = province
        cast(forms.ModelChoiceField, self.fields["plan"]).queryset = plans
        groups = cast(forms.ModelChoiceField, self.fields["task_group"])
        groups.queryset = TaskGroup.objects.filter(plan__in=plans).select_related("plan")
        # Django reads the label function off the field instance; mypy refuses assigning to a method.
        groups.label_from_instance = lambda obj: f"{obj.plan.code} · {obj.number}. {obj.name}"  # type: ignore[method-assign]
        phases = cast(forms.ModelChoiceField, self.fields["phase"])
        phases.queryset = PlanPhase.objects.filter(plan__in=plans).select_related("plan")
        phases.label_from_instance = lambda obj: f"{obj.plan.code} · {obj.name}"  # type: ignore[method-assign]
        for name in ("start_date", "deadline"):
            cast(forms.DateField, self.fields[name]).input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["responsible_name"].required = True
        self.set_communes(communes)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        plan = cleaned.get("plan")
        for name in ("task_group", "phase"):
            value = cleaned.get(name)
            if plan and value and value.plan_id != plan.pk:
                self.add_error(name, _("This belongs to another plan than the one chosen."))
        check_task_dates(self, cleaned)
        code = cleaned.get("code")
        if plan and code:
            child_codes = [f"{code}/{c.code}" for c in self.chosen_communes()] if "cascade" in cleaned else []
            taken = Task.objects.filter(plan=plan, code__in=[code, *child_codes]).values_list(
                "code", flat=True
            )
            if taken:
                self.add_error(
                    "code",
                    _("These codes are already used in this plan: %(codes)s.")
                    % {"codes": ", ".join(sorted(taken)[:5])},
                )
        return cleaned

    def _post_clean(self) -> None:
        # The model's own checks (6 rõ, dates) run on the instance; lead unit is the province.
        self.instance.lead_unit = self.province
        super()._post_clean()  # type: ignore[misc]  # a private hook django-stubs leaves out


class TaskCascadeForm(CascadeFieldsMixin):
    def __init__(self, *args, task: Task, communes: QuerySet[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        cast(forms.ChoiceField, self.fields["cascade"]).choices = CASCADE_CHOICES[1:]
        self.set_communes(communes)
