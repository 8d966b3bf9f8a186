"""Units, plans, phases, task groups and steering committees: the reference data every
client needs to read the tasks."""

from rest_framework import serializers

from tasks_app.models import CommitteeMember, Plan, PlanPhase, SteeringCommittee, TaskGroup, Unit


class UnitBriefSerializer(serializers.ModelSerializer):
    """A unit named inside another object: enough to show it and to fetch it."""

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind"]


class UnitSerializer(serializers.ModelSerializer):
    parent = UnitBriefSerializer(read_only=True, allow_null=True)
    province_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "division_type", "parent", "province_id", "is_active"]


class PlanPhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanPhase
        fields = ["id", "plan", "name", "sort_order", "start_date", "end_date"]


class TaskGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskGroup
        fields = ["id", "plan", "number", "name", "implements"]


class PlanSerializer(serializers.ModelSerializer):
    issuing_unit = UnitBriefSerializer(read_only=True)
    phases = PlanPhaseSerializer(many=True, read_only=True)
    task_groups = TaskGroupSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "code",
            "title",
            "document_type",
            "issuing_unit",
            "issue_date",
            "implements",
            "signed_by",
            "is_active",
            "phases",
            "task_groups",
        ]


class CommitteeMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommitteeMember
        fields = ["full_name", "position", "role"]


class SteeringCommitteeSerializer(serializers.ModelSerializer):
    unit = UnitBriefSerializer(read_only=True)
    members = CommitteeMemberSerializer(many=True, read_only=True)

    class Meta:
        model = SteeringCommittee
        fields = ["id", "unit", "name", "decision_number", "decision_date", "members"]
