"""Query filters for the lists (django-filter)."""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from tasks_app.models import Plan, Unit, UnitKind


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


MAX_ID = 2**63 - 1  # the primary keys are BigAutoField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number in the keys' range, or a 400 (a decimal or a huge
    number would otherwise reach the database and fail there)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UnitFilter(django_filters.FilterSet):
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


class PlanFilter(django_filters.FilterSet):
    issuing_unit = IdFilter(field_name="issuing_unit_id", label=_("Issuing unit (id)"))
    is_active = TrueOrFalseFilter(label=_("Active"))

    class Meta:
        model = Plan
        fields = ["issuing_unit", "document_type", "is_active"]
