"""Read-only reference data: units, plans, phases, task groups, steering committees.
Each list holds what the user may see (tasks_app/access.py); anything else answers 404."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from tasks_app import access
from tasks_app.api.filters import PlanFilter, UnitFilter
from tasks_app.api.serializers.reference import (
    PlanPhaseSerializer,
    PlanSerializer,
    SteeringCommitteeSerializer,
    TaskGroupSerializer,
    UnitSerializer,
)
from tasks_app.http import AuthenticatedRequest
from tasks_app.models import CommitteeMember, Plan, PlanPhase, SteeringCommittee, TaskGroup, Unit


class _ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    request: AuthenticatedRequest  # type: ignore[assignment]  # behind IsAuthenticated


@extend_schema_view(
    list=extend_schema(summary=_("Units"), description=_("The units the user may see, in Vietnamese order.")),
    retrieve=extend_schema(summary=_("One unit")),
)
class UnitViewSet(_ScopedViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilter

    def get_queryset(self) -> QuerySet[Unit]:
        return access.visible_units(self.request.user).select_related("parent").order_by("sort_key", "pk")


@extend_schema_view(
    list=extend_schema(
        summary=_("Plans"), description=_("Assigning documents, with their phases and task groups.")
    ),
    retrieve=extend_schema(summary=_("One plan")),
)
class PlanViewSet(_ScopedViewSet):
    serializer_class = PlanSerializer
    filterset_class = PlanFilter

    def get_queryset(self) -> QuerySet[Plan]:
        return (
            access.visible_plans(self.request.user)
            .select_related("issuing_unit")
            .prefetch_related(
                Prefetch("phases", queryset=PlanPhase.objects.order_by("sort_order")),
                Prefetch("task_groups", queryset=TaskGroup.objects.order_by("number")),
            )
            .order_by("-issue_date", "code", "pk")
        )


@extend_schema_view(
    list=extend_schema(summary=_("Plan phases")), retrieve=extend_schema(summary=_("One phase"))
)
class PlanPhaseViewSet(_ScopedViewSet):
    serializer_class = PlanPhaseSerializer
    filterset_fields = ["plan"]

    def get_queryset(self) -> QuerySet[PlanPhase]:
        return access.visible_phases(self.request.user).order_by("plan_id", "sort_order")


@extend_schema_view(
    list=extend_schema(summary=_("Task groups")), retrieve=extend_schema(summary=_("One task group"))
)
class TaskGroupViewSet(_ScopedViewSet):
    serializer_class = TaskGroupSerializer
    filterset_fields = ["plan"]

    def get_queryset(self) -> QuerySet[TaskGroup]:
        return access.visible_task_groups(self.request.user).order_by("plan_id", "number")


@extend_schema_view(
    list=extend_schema(summary=_("Steering committees")),
    retrieve=extend_schema(summary=_("One steering committee")),
)
class SteeringCommitteeViewSet(_ScopedViewSet):
    serializer_class = SteeringCommitteeSerializer

    def get_queryset(self) -> QuerySet[SteeringCommittee]:
        return (
            access.visible_committees(self.request.user)
            .select_related("unit")
            .prefetch_related(
                Prefetch("members", queryset=CommitteeMember.objects.order_by("sort_order", "pk"))
            )
            .order_by("unit__code", "pk")
        )
