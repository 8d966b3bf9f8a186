"""The task list's filters, read from the query string."""

from collections.abc import Iterable
from typing import cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.models import Plan, TaskGroup, TaskStatus, Unit
from tasks_app.params import SEARCH_MAX_LENGTH, IdField, PageField, valid_part
from tasks_app.selectors.tasks import TaskFilters, task_colour_choices


class TaskFilterForm(forms.Form):
    """Read from the query string; a bad value is ignored with a message, never a 500."""

    q = forms.CharField(
        label=gettext_lazy("Search by code or title"), required=False, max_length=SEARCH_MAX_LENGTH
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("All")), *TaskStatus.choices]
    )
    colour = forms.ChoiceField(
        label=gettext_lazy("Colour"),
        required=False,
        choices=[("", gettext_lazy("All")), *task_colour_choices()],
    )
    plan = forms.TypedChoiceField(label=gettext_lazy("Plan"), required=False, coerce=int, empty_value=None)
    group = forms.TypedChoiceField(
        label=gettext_lazy("Task group"), required=False, coerce=int, empty_value=None
    )
    due = forms.IntegerField(
        label=gettext_lazy("Due within (days)"),
        required=False,
        min_value=0,
        max_value=366,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), required=False, coerce=int, empty_value=None)
    parent = IdField(required=False, widget=forms.HiddenInput)
    page = PageField()

    def __init__(
        self,
        *args,
        plans: Iterable[Plan] = (),
        groups: Iterable[TaskGroup] = (),
        units: Iterable[Unit] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        cast(forms.ChoiceField, self.fields["plan"]).choices = everything + [(p.pk, p.code) for p in plans]
        cast(forms.ChoiceField, self.fields["group"]).choices = everything + [
            (g.pk, f"{g.plan.code} · {g.number}. {g.name}") for g in groups
        ]
        if units:
            unit = cast(forms.ChoiceField, self.fields["unit"])
            unit.choices = [("", _("My units"))] + [(u.pk, u.name) for u in units]
        else:
            del self.fields["unit"]

    def filters(self) -> TaskFilters:
        data = valid_part(self)
        return TaskFilters(
            status=data.get("status") or "",
            colour=data.get("colour") or "",
            plan=data.get("plan"),
            task_group=data.get("group"),
            due_within_days=data.get("due"),
            search=(data.get("q") or "").strip(),
            unit=data.get("unit"),
            parent=data.get("parent"),
        )

    def page_number(self) -> int:
        return valid_part(self).get("page") or 1
