import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks_app.models.derived import DerivedFieldsQuerySet, FoldedTextField, save_derived
from tasks_app.text import task_search_text

if TYPE_CHECKING:
    from tasks_app.models.accounts import User


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    COMPLETED = "completed", _("Completed")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")
    # A cascaded copy the assigning unit took back (assigned by mistake, or no longer
    # needed there). The row and its history stay; it leaves the unit's lists and figures.
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Still to be done: the statuses that can run past their deadline.
OPEN_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.AWAITING_APPROVAL)


_T = TypeVar("_T", bound="Task")  # generic, so that annotate() keeps what it adds


class TaskQuerySet(DerivedFieldsQuerySet[_T]):
    sources = frozenset({"code", "title"})
    derived = ("search_text",)

    @staticmethod
    def derive(task: "Task") -> None:
        task.search_text = task_search_text(task.code, task.title)


class Task(models.Model):
    """One assigned task, carrying all of "6 rõ": who, what, when, responsibility,
    product and authority. The database refuses a row that breaks the basic rules."""

    plan = models.ForeignKey(
        "tasks_app.Plan", verbose_name=_("plan"), on_delete=models.PROTECT, related_name="tasks"
    )
    code = models.CharField(_("code"), max_length=60)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    task_group = models.ForeignKey(
        "tasks_app.TaskGroup",
        verbose_name=_("task group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    phase = models.ForeignKey(
        "tasks_app.PlanPhase",
        verbose_name=_("phase"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent task"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("The higher unit's task this one was cascaded from."),
    )
    lead_unit = models.ForeignKey(
        "tasks_app.Unit",
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    coordinating_units = models.ManyToManyField(
        "tasks_app.Unit",
        verbose_name=_("coordinating units"),
        blank=True,
        related_name="coordinated_tasks",
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person (account)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_tasks",
    )
    responsible_name = models.CharField(_("responsible person"), max_length=120, blank=True)
    responsible_position = models.CharField(_("responsible person's position"), max_length=200, blank=True)
    approving_authority = models.CharField(_("approving authority"), max_length=300)
    start_date = models.DateField(_("start date"))
    deadline = models.DateField(_("deadline"))
    expected_product = models.TextField(_("expected product"))
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    completed_on = models.DateField(_("completion date"), null=True, blank=True)
    is_key = models.BooleanField(_("key task"), default=False)
    # Bumped on every write; a form or API call that carries an older number is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="created_tasks",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # The last change made by a member of the lead unit: what "the unit's last update" and
    # "quiet units" are about. A province creating or cascading the task is not the unit
    # reporting. Kept by the actions layer; empty until the unit's own people write.
    last_own_update_at = models.DateTimeField(_("last update by the lead unit"), null=True, blank=True)
    # Code and title folded (tasks_app.text.fold): what the task search compares. On
    # PostgreSQL a trigram index on it answers "contains" without reading every task.
    search_text = FoldedTextField(_("search text"), editable=False, default="")
    # Not a column: the colour a listed task shows as, set on the rows of a task list
    # (tasks_app.selectors.tasks) for its template.
    colour: str

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "code"]
        indexes = [
            models.Index(fields=["lead_unit", "status"], name="task_lead_status_idx"),
            models.Index(fields=["lead_unit", "deadline"], name="task_lead_deadline_idx"),
            models.Index(fields=["plan", "task_group"], name="task_plan_group_idx"),
            models.Index(fields=["status", "deadline"], name="task_status_deadline_idx"),
            # A unit's last update by its own people, read per commune by the dashboards:
            # one probe each.
            models.Index(fields=["lead_unit", "last_own_update_at"], name="task_lead_own_update_idx"),
            # The API's incremental sync pages by (updated_at, id): each page is one index
            # range, even when a cascade gave thousands of tasks the same updated_at.
            models.Index(fields=["updated_at", "id"], name="task_updated_id_idx"),
            # The oldest overdue tasks of a province, in the bottlenecks' order: a scan of
            # this index stops after a few hundred rows instead of sorting thousands.
            models.Index(
                fields=["deadline", "-is_key", "code"],
                condition=Q(status__in=OPEN_STATUSES),
                name="task_open_deadline_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="task_code_per_plan"),
            models.CheckConstraint(
                name="task_progress_0_100", condition=Q(progress__gte=0) & Q(progress__lte=100)
            ),
            models.CheckConstraint(
                name="task_deadline_not_before_start", condition=Q(deadline__gte=F("start_date"))
            ),
            models.CheckConstraint(
                name="task_completed_is_full_and_dated",
                condition=~Q(status=TaskStatus.COMPLETED) | (Q(progress=100) & Q(completed_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="task_completion_date_only_when_completed",
                condition=Q(completed_on__isnull=True) | Q(status=TaskStatus.COMPLETED),
            ),
            models.CheckConstraint(name="task_status_valid", condition=Q(status__in=TaskStatus.values)),
            models.CheckConstraint(
                name="task_has_responsible_person",
                condition=Q(responsible_user__isnull=False) | ~Q(responsible_name=""),
            ),
            models.CheckConstraint(name="task_has_expected_product", condition=~Q(expected_product="")),
            models.CheckConstraint(name="task_has_approving_authority", condition=~Q(approving_authority="")),
            models.CheckConstraint(name="task_code_not_blank", condition=~Q(code="")),
            models.CheckConstraint(name="task_title_not_blank", condition=~Q(title="")),
            models.CheckConstraint(name="task_not_own_parent", condition=~Q(parent=F("id"))),
            models.CheckConstraint(name="task_version_positive", condition=Q(version__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def save(self, *args, **kwargs):
        save_derived(self, TaskQuerySet, kwargs)
        super().save(*args, **kwargs)

    @property
    def responsible_display(self) -> str:
        if self.responsible_user_id:
            return str(self.responsible_user)
        # A cascaded copy names the position until the commune names the person.
        if self.responsible_position and self.responsible_position != self.responsible_name:
            return f"{self.responsible_name} ({self.responsible_position})"
        return self.responsible_name


# Task's fields by what they are for. Each list is cut from the one above it, so a field
# added to the task is placed once; each keeps the order the forms show the fields in.

# Every field a person may edit on a task (the admin's form shows them all).
EDITABLE_FIELDS = (
    "plan",
    "code",
    "title",
    "description",
    "task_group",
    "phase",
    "parent",
    "lead_unit",
    "coordinating_units",
    "responsible_user",
    "responsible_name",
    "responsible_position",
    "approving_authority",
    "start_date",
    "deadline",
    "expected_product",
    "status",
    "progress",
    "completed_on",
    "is_key",
)
# The "6 rõ" details an officer corrects once the task exists ("Sửa nhiệm vụ"). Not the
# plan and code (the task's identity: its copies' codes are built from them), the lead unit
# and parent (a copy given to the wrong commune is withdrawn and assigned again), the
# account, or the work's progress, which the unit reports.
CORRECTABLE_FIELDS = tuple(
    name
    for name in EDITABLE_FIELDS
    if name
    not in ("plan", "code", "parent", "lead_unit", "responsible_user", "status", "progress", "completed_on")
)
# What a cascaded copy takes from its parent (task_cascade), and follows when the parent's
# are corrected (task_edit_details). Who is responsible, and with whom, is the commune's own.
SHARED_WITH_COPIES = tuple(
    name
    for name in CORRECTABLE_FIELDS
    if name not in ("coordinating_units", "responsible_name", "responsible_position")
)
# Recorded one by one in TaskUpdate.changes as [old, new]: status and progress have their
# own columns in TaskUpdate, and coordinating units are compared as a set.
RECORDED_AS_CHANGES = tuple(
    name for name in EDITABLE_FIELDS if name not in ("status", "progress", "coordinating_units")
)


class UpdateKind(models.TextChoices):
    CREATED = "created", _("Created")
    PROGRESS = "progress", _("Progress report")
    EDITED = "edited", _("Details edited")
    NOTE = "note", _("Note")
    # The parent task's details changed and this cascaded copy followed them.
    PARENT_EDITED = "parent_edited", _("Details changed with the parent task")
    WITHDRAWN = "withdrawn", _("Withdrawn by the assigning unit")
    APPROVED = "approved", _("Completion approved")
    RETURNED = "returned", _("Returned for more work")
    # An approved completion its approving authority opened again (with the reason).
    REOPENED = "reopened", _("Reopened by the approving authority")


# What the history calls each kind of change: the one mapping from an update to its name.
# Keys are an UpdateKind value, or one of the finer events TaskUpdate.timeline_event tells
# apart within a kind. A new kind of update adds its label here.
TIMELINE_LABELS = {
    UpdateKind.CREATED.value: _("Created"),
    "assigned": _("Assigned from a higher unit's task"),
    "completed": _("Completed"),
    "submitted": _("Submitted for approval"),
    "status": _("Status changed"),
    UpdateKind.PROGRESS.value: _("Progress reported"),
    UpdateKind.EDITED.value: _("Details edited"),
    "evidence": _("Evidence added"),
    UpdateKind.NOTE.value: _("Note added"),
    UpdateKind.PARENT_EDITED.value: _("Details changed with the parent task"),
    UpdateKind.WITHDRAWN.value: _("Withdrawn by the assigning unit"),
    UpdateKind.APPROVED.value: _("Completion approved"),
    UpdateKind.RETURNED.value: _("Returned for more work"),
    UpdateKind.REOPENED.value: _("Reopened by the approving authority"),
}


class TaskUpdate(models.Model):
    """Append-only history: one row per change to a task. Rows are never edited
    (a database trigger refuses UPDATE) and never deleted through the app."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="task_updates",
        help_text=_("Empty when the system made the change (an import or a job)."),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UpdateKind.choices)
    version = models.PositiveIntegerField(_("task version after the change"))
    status_before = models.CharField(
        _("status before"), max_length=20, choices=TaskStatus.choices, blank=True
    )
    status_after = models.CharField(_("status after"), max_length=20, choices=TaskStatus.choices)
    progress_before = models.PositiveSmallIntegerField(_("progress before"), null=True, blank=True)
    progress_after = models.PositiveSmallIntegerField(_("progress after"))
    note = models.TextField(_("note"), blank=True)
    # What stands in the way and what the unit asks of others: the weekly report's
    # "difficulties and obstacles" are drawn from these.
    difficulties = models.TextField(_("difficulties and proposals"), blank=True)
    # Other fields that changed, as {"field": [old, new]}: deadline, lead unit, and so on.
    changes = models.JSONField(_("other changes"), default=dict, blank=True)
    # The form's one-time key: a second submit of the same form finds this row and records nothing.
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("task update")
        verbose_name_plural = _("task updates")
        ordering = ["task", "version"]
        indexes = [models.Index(fields=["task", "created_at"], name="update_task_time_idx")]
        constraints = [
            # Two writers that both started from version N cannot both record N+1.
            models.UniqueConstraint(fields=["task", "version"], name="update_one_per_version"),
            models.CheckConstraint(
                name="update_progress_0_100",
                condition=Q(progress_after__lte=100)
                & (Q(progress_before__isnull=True) | Q(progress_before__lte=100)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("TaskUpdate is append-only; record a new update instead.")
        super().save(*args, **kwargs)

    @classmethod
    def for_creation(
        cls,
        task: Task,
        *,
        author: "User | None",
        note: str = "",
        status_after: str | None = None,
        progress_after: int | None = None,
    ) -> "TaskUpdate":
        """The first row of `task`'s history, unsaved (for create or bulk_create): version 1,
        at the task's creation time. It records the task's status and progress, unless
        `status_after`/`progress_after` say how it started (a task built with its later state)."""
        return cls(
            task=task,
            author=author,
            created_at=task.created_at,
            kind=UpdateKind.CREATED,
            version=1,
            status_after=task.status if status_after is None else status_after,
            progress_after=task.progress if progress_after is None else progress_after,
            note=note,
        )

    @property
    def timeline_event(self) -> str:
        """What this change was, finer than its kind: a progress report that completed
        the task is a completion, a note that brought files is evidence."""
        if self.kind == UpdateKind.CREATED:
            # Loaded through task.updates, the task is already in memory: no query.
            return "assigned" if self.task.parent_id else UpdateKind.CREATED.value
        # Before the actions layer knew better, a completion was stored as an edit because
        # its completion date changed with it: named by its status change all the same.
        follows_status = set(self.changes) <= {"completed_on"}
        status_kinds = (UpdateKind.PROGRESS, UpdateKind.EDITED)
        if self.kind in status_kinds and follows_status and self.status_before != self.status_after:
            if self.status_after == TaskStatus.COMPLETED:
                return "completed"
            if self.status_after == TaskStatus.AWAITING_APPROVAL:
                return "submitted"
            return "status"
        if self.kind == UpdateKind.NOTE and self.evidence.all():
            return "evidence"
        return self.kind

    @property
    def timeline_label(self) -> str:
        event = self.timeline_event
        return str(TIMELINE_LABELS.get(event) or TIMELINE_LABELS.get(self.kind) or self.get_kind_display())

    def change_rows(self) -> list[tuple[str, str, str]]:
        """The recorded field changes as (field name, before, after), in words: dates as
        dd/mm/yyyy, yes/no, lists joined, "–" for nothing."""
        rows = []
        for name, values in self.changes.items():
            field: models.Field | None
            try:
                found = Task._meta.get_field(name)
            except FieldDoesNotExist:  # a field since removed: show what was recorded
                field, label = None, name
            else:
                assert isinstance(found, models.Field)  # changes name the task's own fields
                field, label = found, str(found.verbose_name)
            before, after = [*values, None, None][:2] if isinstance(values, list) else (None, values)
            rows.append((label, _change_value(field, before), _change_value(field, after)))
        return rows


def _change_value(field, value) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(field, models.DateField) and isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if field is not None and field.choices and not field.is_relation:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


class _Hashed(Protocol):
    """An Evidence row, or the checked upload it is about to be made from."""

    @property
    def sha256(self) -> str: ...


def evidence_upload_to(instance: _Hashed, filename: str) -> str:
    # Stored under the content hash, never the user's name, which may be unsafe or clash.
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    update = models.ForeignKey(
        TaskUpdate, verbose_name=_("update"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=120)
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["update", "id"]
        constraints = [
            models.CheckConstraint(name="evidence_sha256_hex64", condition=Exact(Length("sha256"), 64)),
            models.CheckConstraint(name="evidence_named", condition=~Q(original_name="")),
        ]

    def __str__(self) -> str:
        return self.original_name
