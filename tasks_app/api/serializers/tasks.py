"""Tasks, their history and their evidence files, as the API shows them. Read-only:
writes go through the update form and the actions layer (tasks_app/api/views/tasks.py)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tasks_app.access import UPDATABLE_STATUSES
from tasks_app.api.serializers.reference import UnitBriefSerializer
from tasks_app.greening.rules import Rule
from tasks_app.models import (
    Colour,
    Evidence,
    Plan,
    Task,
    TaskGroup,
    TaskState,
    TaskStatus,
    TaskUpdate,
    User,
)
from tasks_app.selectors.greening import TaskReason


class PlanBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "code"]


class TaskGroupBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskGroup
        fields = ["id", "number", "name"]


class ResponsibleSerializer(serializers.Serializer):
    """Who answers for the task: an account, or a name and position (a cascaded copy names
    the position until the commune names the person)."""

    user = serializers.IntegerField(source="responsible_user_id", allow_null=True)
    name = serializers.CharField(source="responsible_display")
    position = serializers.CharField(source="responsible_position")


class TaskSerializer(serializers.ModelSerializer):
    """A task in a list: every "6 rõ" field but the description, and today's colour."""

    plan = PlanBriefSerializer(read_only=True)
    task_group = TaskGroupBriefSerializer(read_only=True, allow_null=True)
    phase = serializers.IntegerField(source="phase_id", read_only=True, allow_null=True)
    # Named like Field.parent (the serializer holding a field): DRF's metaclass takes it as a field.
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]
    lead_unit = UnitBriefSerializer(read_only=True)
    coordinating_units = serializers.ManyRelatedField(
        child_relation=serializers.PrimaryKeyRelatedField(read_only=True), read_only=True
    )
    responsible = ResponsibleSerializer(source="*", read_only=True)
    state = serializers.ChoiceField(choices=TaskState.choices, source="greening_state", read_only=True)
    colour = serializers.ChoiceField(choices=Colour.choices, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "code",
            "title",
            "plan",
            "task_group",
            "phase",
            "parent",
            "lead_unit",
            "coordinating_units",
            "responsible",
            "approving_authority",
            "start_date",
            "deadline",
            "expected_product",
            "status",
            "progress",
            "completed_on",
            "is_key",
            "state",
            "colour",
            "version",
            "created_at",
            "updated_at",
            "last_own_update_at",
        ]
        read_only_fields = fields


class ColourReasonSerializer(serializers.Serializer):
    """Why the task has its colour today: the greening rule that decided it, in a sentence,
    with the figures it compared (tasks_app/selectors/greening.py, the task page's words)."""

    state = serializers.ChoiceField(choices=TaskState.choices)
    state_label = serializers.CharField()
    colour = serializers.ChoiceField(choices=Colour.choices)
    rule = serializers.ChoiceField(choices=[(rule.value, rule.value) for rule in Rule])
    sentence = serializers.CharField()
    days_late = serializers.IntegerField(allow_null=True)
    days_left = serializers.IntegerField(allow_null=True)
    elapsed_percent = serializers.IntegerField(allow_null=True)
    behind_by_pp = serializers.IntegerField(allow_null=True)


class TaskBriefSerializer(serializers.ModelSerializer):
    """A task named inside another: its parent or its cascaded copies."""

    lead_unit = UnitBriefSerializer(read_only=True)
    colour = serializers.ChoiceField(choices=Colour.choices, read_only=True, required=False)

    class Meta:
        model = Task
        fields = ["id", "code", "title", "lead_unit", "status", "progress", "colour"]
        read_only_fields = fields


class ParentBriefSerializer(serializers.ModelSerializer):
    lead_unit = UnitBriefSerializer(read_only=True)
    may_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = ["id", "code", "title", "lead_unit", "may_open"]
        read_only_fields = fields


class TaskDetailSerializer(TaskSerializer):
    """One task: all of "6 rõ", why it has its colour, where it came from and the copies
    given to other units (those the reader may open)."""

    parent = ParentBriefSerializer(source="parent_brief", read_only=True, allow_null=True)  # type: ignore[assignment]
    coordinating_units = UnitBriefSerializer(many=True, read_only=True, source="coordinating_list")  # type: ignore[assignment]
    colour_reason = ColourReasonSerializer(read_only=True)
    children = TaskBriefSerializer(many=True, read_only=True, source="children_list")
    children_hidden = serializers.BooleanField(read_only=True)
    etag = serializers.CharField(read_only=True)

    class Meta(TaskSerializer.Meta):
        fields = [
            *TaskSerializer.Meta.fields[:3],
            "description",
            *TaskSerializer.Meta.fields[3:],
            "colour_reason",
            "children",
            "children_hidden",
            "etag",
        ]
        read_only_fields = fields


class AuthorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")

    class Meta:
        model = User
        fields = ["id", "name"]


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "name", "size", "content_type", "sha256", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, evidence: Evidence) -> str:
        path = reverse(
            "api:task-evidence", kwargs={"pk": evidence.update.task_id, "evidence_id": evidence.pk}
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class TaskUpdateSerializer(serializers.ModelSerializer):
    """One change in the task's history, named as the task page names it."""

    event = serializers.CharField(source="timeline_event", read_only=True)
    label = serializers.CharField(source="timeline_label", read_only=True)  # type: ignore[assignment]  # a field, as above
    author = AuthorSerializer(read_only=True, allow_null=True)
    changes = serializers.DictField(child=serializers.ListField(), read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    # Blank on the first row of a history (the task's creation): there was no status before.
    status_before = serializers.ChoiceField(choices=TaskStatus.choices, allow_blank=True, read_only=True)

    class Meta:
        model = TaskUpdate
        fields = [
            "id",
            "version",
            "kind",
            "event",
            "label",
            "created_at",
            "author",
            "status_before",
            "status_after",
            "progress_before",
            "progress_after",
            "note",
            "difficulties",
            "changes",
            "evidence",
        ]
        read_only_fields = fields


class TaskUpdateCreatedSerializer(TaskUpdateSerializer):
    etag = serializers.CharField(read_only=True, help_text=_("The task's ETag after this change."))

    class Meta(TaskUpdateSerializer.Meta):
        fields = [*TaskUpdateSerializer.Meta.fields, "etag"]
        read_only_fields = fields


class NothingChangedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    version = serializers.IntegerField()
    etag = serializers.CharField()


# The statuses an update may set (all but "withdrawn", which the assigning unit decides).
UPDATABLE_STATUS_CHOICES = [(status, TaskStatus(status).label) for status in UPDATABLE_STATUSES]


class TaskUpdateInputSerializer(serializers.Serializer):
    """What an update sends (documentation only: the web form's rules check it). Status and
    progress are for the lead unit's officers; when left out they stay as they are."""

    status = serializers.ChoiceField(choices=UPDATABLE_STATUS_CHOICES, required=False)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    difficulties = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class TaskUpdateUploadSerializer(TaskUpdateInputSerializer):
    evidence = serializers.ListField(child=serializers.FileField(), required=False)


def colour_reason_data(reason: TaskReason) -> dict[str, Any]:
    return {
        "state": reason.state,
        "state_label": reason.state_label,
        "colour": reason.colour or Colour.NONE.value,
        "rule": reason.rule.value,
        "sentence": reason.sentence,
        "days_late": reason.days_late,
        "days_left": reason.days_left,
        "elapsed_percent": reason.elapsed_percent,
        "behind_by_pp": reason.behind_by_pp,
    }


def change_since(update: TaskUpdate) -> dict[str, Any]:
    """An update recorded after the client's version, for a 412's `changes_since`."""
    return {
        "version": update.version,
        "at": serializers.DateTimeField().to_representation(update.created_at),
        "author": str(update.author) if update.author else None,
        "kind": update.kind,
        "status": update.status_after,
        "progress": update.progress_after,
        "note": update.note,
        "changes": update.changes,
    }
