"""Tasks, their updates and their evidence files.

Reads are scoped by tasks_app/access.py (a task the user may not see answers 404); an
update is checked by the web form (tasks_app/forms/updates.py) and written by the same
action (task_change), behind If-Match and, when sent, an Idempotency-Key."""

import copy
import uuid
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from tasks_app.access import (
    TaskAccess,
    TaskGrant,
    get_task_for_user,
    get_task_grant,
    may_see_task_history,
    task_access,
    visible_task_condition,
    visible_tasks,
)
from tasks_app.actions.evidence import evidence_store
from tasks_app.actions.tasks import StaleTaskVersion, task_change
from tasks_app.api.concurrency import (
    IDEMPOTENCY_KEY,
    etag_for,
    etag_matches,
    expected_version,
    idempotent,
    stale_error,
    task_etag,
)
from tasks_app.api.errors import form_errors
from tasks_app.api.filters import TaskFilter
from tasks_app.api.pagination import PagePagination, SyncCursorPagination
from tasks_app.api.serializers.tasks import (
    NothingChangedSerializer,
    TaskDetailSerializer,
    TaskSerializer,
    TaskUpdateCreatedSerializer,
    TaskUpdateInputSerializer,
    TaskUpdateSerializer,
    TaskUpdateUploadSerializer,
    colour_reason_data,
)
from tasks_app.clock import local_today
from tasks_app.evidence_files import evidence_file_response
from tasks_app.forms.updates import TaskUpdateForm
from tasks_app.greening.rules import Rules, state_colour
from tasks_app.http import AuthenticatedRequest
from tasks_app.models import Colour, Evidence, Task, TaskUpdate, Unit
from tasks_app.selectors.greening import current_policy, current_rules
from tasks_app.selectors.tasks import task_colour_reason, tasks_with_states
from tasks_app.upload_limits import upload_refusals

# The fields an update sends; anything else in the body is ignored.
UPDATE_FIELDS = ("status", "progress", "note", "difficulties")

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=gettext_lazy("The task's ETag, as the task's detail gave it."),
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=gettext_lazy("An ETag from an earlier read: 304 when the task has not changed since."),
)


def _with_colours(tasks: list[Any], rules: Rules) -> list[Any]:
    """Tasks annotated with `greening_state` (tasks_with_states), given their colour."""
    for task in tasks:
        task.colour = state_colour(task.greening_state, rules) or Colour.NONE.value
    return tasks


class _DetailExtras(TypedDict):
    """What the detail view adds to the task it reads, for TaskDetailSerializer."""

    greening_state: str
    colour_reason: dict[str, Any]
    coordinating_list: list[Unit]
    etag: str
    parent_brief: Task | None
    children_list: list[Any]
    children_hidden: bool


class _ParentExtras(TypedDict):
    may_open: bool


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    TaskDetailRow = WithAnnotations[Task, _DetailExtras]
    ParentRow = WithAnnotations[Task, _ParentExtras]


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Tasks"),
        description=gettext_lazy(
            "The tasks the user may see, with the filters of “My tasks”, oldest change first. For an "
            "incremental sync, send `updated_since` and follow the `next` links."
        ),
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One task"),
        description=gettext_lazy(
            "Every “6 rõ” field, the colour and its reason, the parent task and the copies given to "
            "other units. The ETag header is the task's version: send it in If-Match to update."
        ),
        parameters=[IF_NONE_MATCH],
        responses={200: TaskDetailSerializer, 304: OpenApiResponse(description=gettext_lazy("Not changed."))},
    ),
)
class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    request: AuthenticatedRequest  # type: ignore[assignment]  # behind IsAuthenticated
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    pagination_class = SyncCursorPagination
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Task]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generator: no request, no policy
            return Task.objects.none()
        self.rules = current_rules()
        tasks = tasks_with_states(visible_tasks(self.request.user), on=local_today(), rules=self.rules)
        return tasks.select_related("plan", "task_group", "lead_unit", "responsible_user").prefetch_related(
            Prefetch("coordinating_units", queryset=Unit.objects.only("pk"))
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tasks = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(tasks)
        assert page is not None  # the cursor always pages
        # The page is given to the serializer's to_representation, not as its instance: the
        # list serializer passes its instance to its child, the two refer to each other, and
        # the page would live on until the cyclic garbage collector's next (slow) pass.
        rows = self.get_serializer(many=True).to_representation(_with_colours(page, self.rules))
        return self.get_paginated_response(rows)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self.request.user
        found, grant = get_task_grant(user, int(kwargs["pk"]), need=TaskAccess.ASSIGNMENT)
        etag = task_etag(found)
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        if etag_matches(request.headers.get("If-None-Match"), found):
            return Response(status=304, headers=headers)
        task = cast(
            "TaskDetailRow",
            Task.objects.select_related(
                "plan", "task_group", "lead_unit", "responsible_user", "parent__lead_unit"
            ).get(pk=found.pk),
        )
        today, rules = local_today(), current_rules()
        reason = task_colour_reason(task, on=today, rules=rules)
        task.greening_state = reason.state
        task.colour = reason.colour or Colour.NONE.value
        task.colour_reason = colour_reason_data(reason)
        task.coordinating_list = list(task.coordinating_units.order_by("sort_key", "code"))
        task.etag = etag
        task.parent_brief = task.parent
        if task.parent is not None:
            cast("ParentRow", task.parent).may_open = task_access(user, task.parent) != TaskAccess.NONE
        task.children_list, task.children_hidden = [], False
        if may_see_task_history(grant.access):
            copies = task.children.all()
            seen = visible_task_condition(user)
            if seen is not None:
                task.children_hidden = copies.exclude(seen).exists()
                copies = copies.filter(seen)
            children = tasks_with_states(copies, on=today, rules=rules).select_related("lead_unit")
            task.children_list = _with_colours(list(children.order_by("lead_unit__sort_key", "code")), rules)
        return Response(
            TaskDetailSerializer(task, context=self.get_serializer_context()).data, headers=headers
        )


def _posted(request: Request, task: Task, version: int) -> MultiValueDict:
    """The update's fields as the form reads them: what the client sent, with the task's
    status and progress where it left them out, and the version from If-Match."""
    data = request.data
    if not hasattr(data, "get"):
        raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [_("Send the update as a JSON object.")]})
    posted: MultiValueDict = MultiValueDict()
    for name in UPDATE_FIELDS:
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        values = [str(value) for value in values if value is not None]
        if values:
            posted.setlist(name, values)
    posted.setdefault("status", task.status)
    posted.setdefault("progress", str(task.progress))
    posted["version"] = str(version)
    posted["submission_key"] = str(uuid.uuid4())
    return posted


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("A task's history"),
        description=gettext_lazy(
            "Every change to the task, newest first, with its evidence files. A unit that was only "
            "assigned a copy of this task may not read it."
        ),
        responses=TaskUpdateSerializer(many=True),
    ),
    post=extend_schema(
        summary=gettext_lazy("Report on a task"),
        description=gettext_lazy(
            "Status, progress, a note, difficulties and evidence files, with the rules of the task "
            "page's form. The lead unit's officers change status and progress; a coordinating unit or "
            "a leader adds notes and files. Files go as multipart/form-data (field `evidence`, repeated)."
        ),
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        request={
            "application/json": TaskUpdateInputSerializer,
            "multipart/form-data": TaskUpdateUploadSerializer,
        },
        responses={
            201: TaskUpdateCreatedSerializer,
            200: OpenApiResponse(NothingChangedSerializer, description=gettext_lazy("Nothing changed.")),
        },
    ),
)
class TaskUpdatesView(GenericAPIView):
    request: AuthenticatedRequest  # type: ignore[assignment]  # behind IsAuthenticated
    queryset = TaskUpdate.objects.none()  # the schema's model; the views read the task's own
    serializer_class = TaskUpdateSerializer
    pagination_class = PagePagination
    parser_classes = [JSONParser, MultiPartParser]
    write_error_statuses = ("412", "422", "428")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "task_id": self.kwargs["pk"]}

    def get(self, request: Request, pk: int) -> Response:
        task, grant = get_task_grant(self.request.user, pk, need=TaskAccess.ASSIGNMENT)
        if not may_see_task_history(grant.access):
            raise PermissionDenied(str(grant.hint) if grant.hint else None)
        updates = (
            task.updates.select_related("author")
            .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))
            .order_by("-version")
        )
        page = self.paginate_queryset(updates)
        assert page is not None
        for update in page:
            update.task = task  # the timeline's names read the task: no query per row
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request: Request, pk: int) -> Response:
        user = self.request.user
        task, grant = get_task_grant(user, pk, need=TaskAccess.ASSIGNMENT)
        if grant.access < TaskAccess.NOTE:  # with the reason: read only, withdrawn, a copy's source
            raise PermissionDenied(str(grant.hint) if grant.hint else None)
        return idempotent(request, user, lambda: self._report(request, task, grant))

    def _report(self, request: Request, task: Task, grant: TaskGrant) -> Response:
        version = expected_version(request, task)
        posted = _posted(request, task, version)
        changes_state = posted["status"] != task.status or str(posted["progress"]).strip() != str(
            task.progress
        )
        if grant.access < TaskAccess.EDIT and changes_state:
            raise PermissionDenied(str(grant.hint) if grant.hint else None)
        form = TaskUpdateForm(
            posted,
            request.FILES if request.content_type.startswith("multipart/") else None,
            task=task,
            access=grant.access,
            completion_proof=current_policy().completion_proof,
            upload_refusals=upload_refusals(request._request),
        )
        if not form.is_valid():
            raise form_errors(form)
        data = form.cleaned_data
        uploads = [evidence_store(upload=upload, inspected=info) for upload, info in data["evidence"]]
        edited = copy.copy(task)
        if form.edits_status:
            edited.status, edited.progress = data["status"], data["progress"]
        try:
            update = task_change(
                task=edited,
                expected_version=version,
                author=self.request.user,
                note=data["note"],
                difficulties=data["difficulties"],
                evidence=uploads,
                submission_key=data["submission_key"],
            )
        except StaleTaskVersion as conflict:
            raise stale_error(conflict) from None
        if update is None:
            current = Task.objects.only("version").get(pk=task.pk)
            etag = task_etag(current)
            body = {
                "detail": _("Nothing changed, so nothing was recorded."),
                "version": current.version,
                "etag": etag,
            }
            return Response(NothingChangedSerializer(body).data, headers={"ETag": etag})
        etag = etag_for(task.pk, update.version)
        created = TaskUpdateSerializer(update, context=self.get_serializer_context()).data
        return Response({**created, "etag": etag}, status=201, headers={"ETag": etag})


class EvidenceDownloadView(APIView):
    request: AuthenticatedRequest  # type: ignore[assignment]  # behind IsAuthenticated

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file goes out whatever the client says it accepts (a PDF reader asks for a
        # PDF); an error is still JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary=gettext_lazy("Download an evidence file"),
        description=gettext_lazy("The file as an attachment, of the type its content was checked to be."),
        # Any of the accepted evidence types (PDF, images, office documents), as it was checked.
        responses={(200, "*/*"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, pk: int, evidence_id: int) -> FileResponse:
        task, _access = get_task_for_user(self.request.user, pk)
        evidence = get_object_or_404(Evidence, pk=evidence_id, update__task=task)
        return evidence_file_response(evidence)
