"""Query filters for the lists (django-filter)."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tasks_app.models import Plan, Unit, UnitKind


class UnitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("Kind"))
    province = django_filters.NumberFilter(field_name="province_id", label=_("Province (id)"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent unit (id)"))
    code = django_filters.CharFilter(field_name="code", label=_("Official code"))
    q = django_filters.CharFilter(
        method="search_name", label=_("Name contains (case and diacritics are ignored)"), max_length=100
    )

    class Meta:
        model = Unit
        fields = ["kind", "province", "parent", "code", "q", "is_active"]

    def search_name(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        return queryset.filter(search_name__matches=value) if value.strip() else queryset


class PlanFilter(django_filters.FilterSet):
    issuing_unit = django_filters.NumberFilter(field_name="issuing_unit_id", label=_("Issuing unit (id)"))

    class Meta:
        model = Plan
        fields = ["issuing_unit", "document_type", "is_active"]
