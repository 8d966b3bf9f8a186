"""Query filters for the lists (django-filter)."""

import datetime
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from tasks_app.access import own_unit_tasks
from tasks_app.clock import local_today
from tasks_app.models import (
    OPEN_STATUSES,
    Plan,
    Task,
    TaskStatus,
    Unit,
    UnitKind,
    group_scope_ids,
    plan_scope_ids,
)
from tasks_app.params import ID_MAX, SEARCH_MAX_LENGTH, IdField
from tasks_app.selectors.greening import current_rules
from tasks_app.selectors.tasks import states_of_colour, task_colour_choices


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number that fits a primary key (anything else is a 400; a
    decimal or a huge number would otherwise reach the database and fail there)."""

    field_class = IdField


class _TrueOrFalseField(forms.Field):
    # A text input hands over the raw value (django-filter's boolean widget would read a
    # wrong one as "not given").
    default_error_messages = {"invalid": _("Send true or false.")}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        spelled = str(value).lower()
        if spelled in ("true", "1"):
            return True
        if spelled in ("false", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class TrueOrFalseFilter(django_filters.BooleanFilter):
    """true or false (1 or 0), or a 400: django-filter would ignore `?is_active=yes`
    and answer the whole list, as if the client had not asked."""

    field_class = _TrueOrFalseField


class StrictFilterSet(django_filters.FilterSet):
    """An empty value for a date, a number or a flag (`?updated_since=`) is a 400 as any
    other unreadable one, not a filter left out: the client meant to send something."""

    def get_form_class(self) -> type[forms.Form]:
        base = super().get_form_class()

        class Form(base):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                cleaned: dict[str, Any] = super().clean()
                for name, field in self.fields.items():
                    typed = not isinstance(field, forms.CharField | forms.ChoiceField)
                    if typed and "invalid" in field.error_messages and self.data.get(name) == "":
                        self.add_error(
                            name, forms.ValidationError(field.error_messages["invalid"], code="invalid")
                        )
                return cleaned

        return Form


class UnitFilter(StrictFilterSet):
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("Kind"))
    province = IdFilter(field_name="province_id", label=_("Province (id)"))
    parent = IdFilter(field_name="parent_id", label=_("Parent unit (id)"))
    code = django_filters.CharFilter(field_name="code", label=_("Official code"))
    q = django_filters.CharFilter(
        method="search_name", label=_("Name contains (case and diacritics are ignored)"), max_length=100
    )
    is_active = TrueOrFalseFilter(label=_("Active"))

    class Meta:
        model = Unit
        fields = ["kind", "province", "parent", "code", "q", "is_active"]

    def search_name(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        return queryset.filter(search_name__matches=value) if value.strip() else queryset


class PlanFilter(StrictFilterSet):
    issuing_unit = IdFilter(field_name="issuing_unit_id", label=_("Issuing unit (id)"))
    is_active = TrueOrFalseFilter(label=_("Active"))

    class Meta:
        model = Plan
        fields = ["issuing_unit", "document_type", "is_active"]


class TaskFilter(StrictFilterSet):
    """The filters of "My tasks" (tasks_app/forms/filters.py), plus what a sync needs.

    A plan or task group includes the plans and groups that implement it, as on the page
    and the boards. Withdrawn copies are listed too (their status says so): a client that
    syncs must learn that a task was taken back."""

    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label=_("Status"))
    colour = django_filters.ChoiceFilter(
        choices=task_colour_choices(), method="filter_colour", label=_("Colour (on today's date)")
    )
    plan = IdFilter(method="filter_plan", label=_("Plan (id), with the plans that implement it"))
    group = IdFilter(method="filter_group", label=_("Task group (id), with the groups that implement it"))
    unit = IdFilter(field_name="lead_unit_id", label=_("Lead unit (id)"))
    parent = IdFilter(field_name="parent_id", label=_("Parent task (id): its cascaded copies"))
    is_key = TrueOrFalseFilter(field_name="is_key", label=_("Key tasks only"))
    own = TrueOrFalseFilter(
        method="filter_own", label=_("Only the tasks of my own units (led or coordinated)")
    )
    deadline_after = django_filters.DateFilter(
        field_name="deadline", lookup_expr="gte", label=_("Deadline on or after")
    )
    deadline_before = django_filters.DateFilter(
        field_name="deadline", lookup_expr="lte", label=_("Deadline on or before")
    )
    due = django_filters.NumberFilter(
        method="filter_due", label=_("Open and due within this many days"), min_value=0, max_value=366
    )
    q = django_filters.CharFilter(
        method="search",
        label=_("Code or title contains (case and diacritics are ignored)"),
        max_length=SEARCH_MAX_LENGTH,
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Changed at or after (ISO 8601 date and time)")
    )

    class Meta:
        model = Task
        fields: list[str] = []

    def filter_colour(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        # The view annotates `greening_state` with today's state (tasks_with_states).
        return queryset.filter(**{"greening_state__in": states_of_colour(value, current_rules())})

    def filter_plan(self, queryset: QuerySet[Task], name: str, value: int) -> QuerySet[Task]:
        return queryset.filter(plan_id__in=plan_scope_ids(int(value)))

    def filter_group(self, queryset: QuerySet[Task], name: str, value: int) -> QuerySet[Task]:
        return queryset.filter(task_group_id__in=group_scope_ids(int(value)))

    def filter_own(self, queryset: QuerySet[Task], name: str, value: bool | None) -> QuerySet[Task]:
        if not value:
            return queryset
        return queryset.filter(pk__in=own_unit_tasks(self.request.user).values("pk"))

    def filter_due(self, queryset: QuerySet[Task], name: str, value: Decimal) -> QuerySet[Task]:
        today = local_today()
        return queryset.filter(
            status__in=OPEN_STATUSES,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=int(value)),
        )

    def search(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        return queryset.filter(search_text__matches=value.strip()) if value.strip() else queryset
