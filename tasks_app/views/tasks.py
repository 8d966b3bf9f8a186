"""The officials' task pages: my tasks, the task page, the update form, evidence
downloads, and creating and cascading tasks. Views validate and render; the actions
write; tasks_app.access decides who may do what."""

import copy
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from tasks_app.access import (
    PROVINCE_ROLES,
    TaskAccess,
    TaskGrant,
    approving_units,
    creatable_units,
    get_task_for_user,
    get_task_grant,
    has_own_tasks,
    may_approve,
    may_cascade,
    may_edit_details,
    may_reopen,
    may_see_task_history,
    may_withdraw,
    own_unit_tasks,
    task_access,
    tasks_to_approve,
    user_scope,
    visible_task_condition,
    visible_tasks,
)
from tasks_app.actions.evidence import evidence_store
from tasks_app.actions.tasks import StaleTaskVersion, task_assign, task_cascade, task_change
from tasks_app.clock import local_today
from tasks_app.evidence_files import evidence_file_response
from tasks_app.forms.creation import TaskCascadeForm, TaskCreateForm
from tasks_app.forms.evidence import kept_evidence_token
from tasks_app.forms.filters import TaskFilterForm
from tasks_app.forms.lifecycle import ApprovalForm
from tasks_app.forms.updates import TaskUpdateForm
from tasks_app.greening.rules import Rules
from tasks_app.http import AuthenticatedRequest
from tasks_app.models import Colour, Evidence, GreeningPolicy, Plan, Task, TaskStatus, Unit, UnitKind, User
from tasks_app.params import valid_query
from tasks_app.selectors.greening import current_policy, current_rules
from tasks_app.selectors.lifecycle import last_decision, my_task_notices
from tasks_app.selectors.tasks import (
    COLOUR_ORDER,
    TaskFilters,
    filter_choices,
    not_counted_explanation,
    task_list,
    task_page,
)
from tasks_app.upload_limits import upload_refusals
from tasks_app.views.decorators import require_post_or_back

# --- My tasks ------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def my_tasks(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    scope = user_scope(user)
    own = own_unit_tasks(user)
    plans, groups = filter_choices(own)
    units = (
        Unit.objects.filter(province__in=scope.province_ids, is_active=True).order_by(
            "kind", "sort_key", "code"
        )
        if scope.province_ids
        else []
    )
    form = TaskFilterForm(request.GET or None, plans=plans, groups=groups, units=units)
    filters = form.filters() if form.is_bound else TaskFilters()
    # Another unit's tasks, or a cascaded task's copies, come from everything the user may see.
    tasks = visible_tasks(user) if filters.unit or filters.parent else own
    today = local_today()
    rules = current_rules()
    page_number = form.page_number() if form.is_bound else 1
    # A bad value is named above the list ("Some filters were not valid"), hidden ones too.
    listing = task_list(tasks, filters=filters, on=today, rules=rules, page_number=page_number)
    partial = bool(request.htmx and not request.htmx.boosted)
    query = valid_query(form, without=("page",))
    colour_links = []
    for colour in COLOUR_ORDER:
        chip = query.copy()
        chip["colour"] = colour.value
        colour_links.append((colour, listing.colour_counts[colour.value], chip.urlencode()))
    context = {
        "form": form,
        "listing": listing,
        "today": today,
        "query": query.urlencode(),
        "colour_links": colour_links,
        "active_colour": filters.colour,
        "not_counted_note": not_counted_explanation(rules) if listing.colour_counts[Colour.NONE] else "",
        "can_create": bool(scope.creating_unit_ids),
        "own_unit_ids": scope.unit_ids,
        # Above the results, so not in the partial an htmx filter change swaps.
        "notices": None if partial else my_task_notices(own, tasks_to_approve(user)),
        "parent_task": visible_tasks(user).filter(pk=filters.parent).only("code", "title").first()
        if filters.parent
        else None,
        "empty": None if listing.total else _why_empty(user, filtered=any(v for _k, v in query.items())),
    }
    template = "tasks/my_tasks.html#results" if partial else "tasks/my_tasks.html"
    return render(request, template, context)


@dataclass(frozen=True)
class EmptyList:
    reason: str
    link: str = ""
    link_label: str = ""


def _why_empty(user: User, *, filtered: bool) -> EmptyList:
    """Why "My tasks" is empty, and what to do about it."""
    if filtered:
        return EmptyList(_("No task matches these filters."), reverse("my_tasks"), _("Clear filters"))
    scope = user_scope(user)
    if not scope.unit_ids:
        return EmptyList(
            _(
                "Your account does not belong to any unit yet, so it has no tasks. Ask your "
                "steering committee's office to add you to your unit."
            )
        )
    if not has_own_tasks(user):
        return EmptyList(
            _("Your role follows the boards and has no tasks of its own."),
            reverse("dashboard"),
            _("Open the dashboard"),
        )
    if scope.creating_unit_ids:
        return EmptyList(
            _(
                "Your province has no tasks yet. Create the first one, or wait for the tasks "
                "assigned from the central plan."
            ),
            reverse("task_new"),
            _("New task"),
        )
    if scope.units_with(PROVINCE_ROLES):
        return EmptyList(
            _(
                "Your province has no tasks yet. They appear here when the province's office "
                "creates them or the centre assigns them."
            )
        )
    return EmptyList(
        _("Your unit has no tasks assigned yet. Tasks appear here when the province assigns them.")
    )


# --- The task page ---------------------------------------------------------------------------


def _live_context(
    request: AuthenticatedRequest, task_id: int, grant: TaskGrant, policy: GreeningPolicy, **extra
) -> dict:
    access = grant.access
    with_history = may_see_task_history(access)
    page = task_page(
        task_id,
        on=local_today(),
        rules=Rules.from_policy(policy),
        with_history=with_history,
        seen=visible_task_condition(request.user),
    )
    form = extra.pop("form", None)
    if form is None and access >= TaskAccess.NOTE:
        form = TaskUpdateForm(task=page.task, access=access, completion_proof=policy.completion_proof)
    return {
        "page": page,
        "task": page.task,
        "access": access,
        "access_hint": grant.hint,
        # A link only where it opens: a commune reading its province's task may not open
        # the central task above that one.
        "parent_link": page.task.parent is not None
        and task_access(request.user, page.task.parent) != TaskAccess.NONE,
        "with_history": with_history,
        "can_edit": access >= TaskAccess.EDIT,
        "form": form,
        "kept_tokens": [(item, kept_evidence_token(item)) for item in getattr(form, "kept", [])],
        "may_cascade": may_cascade(request.user, page.task),
        "approvers": approving_units(page.task),
        **lifecycle_context(request.user, page.task, approval_form=extra.pop("approval_form", None)),
        **extra,
    }


def lifecycle_context(user: User, task: Task, *, approval_form: ApprovalForm | None = None) -> dict:
    """What the task page shows about the task's life after creation: the decision behind
    its state (withdrawn, returned, approved, reopened), and the changes open to this user:
    approving or returning a task that awaits approval, reopening an approved one."""
    can_approve = task.status == TaskStatus.AWAITING_APPROVAL and may_approve(user, task)
    can_reopen = task.status == TaskStatus.COMPLETED and may_reopen(user, task)
    if (can_approve or can_reopen) and approval_form is None:
        approval_form = ApprovalForm(initial={"version": task.version})
    return {
        "decision": last_decision(task),
        "approval_form": approval_form if can_approve else None,
        "reopen_form": approval_form if can_reopen else None,
        "may_edit_details": may_edit_details(user, task),
        "may_withdraw": may_withdraw(user, task) and task.status != TaskStatus.COMPLETED,
    }


def render_task_page(
    request: AuthenticatedRequest, task: Task, grant: TaskGrant, *, status: int = 200, **extra
):
    """The task page (or its live part, for htmx), with `extra` in its context."""
    context = _live_context(request, task.pk, grant, current_policy(), **extra)
    return _render_live(request, context, status=status)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def task_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task, grant = get_task_grant(request.user, pk, need=TaskAccess.ASSIGNMENT)
    context = _live_context(request, task.pk, grant, current_policy())
    return render(request, "tasks/task_detail.html", context)


def _render_live(request: AuthenticatedRequest, context: dict, status: int = 200) -> HttpResponse:
    template = "tasks/task_detail.html#live" if request.htmx else "tasks/task_detail.html"
    return render(request, template, context, status=status)


def _changes_status_or_progress(request: AuthenticatedRequest, task: Task) -> bool:
    posted_status = request.POST.get("status", task.status)
    posted_progress = request.POST.get("progress", str(task.progress))
    return posted_status != task.status or posted_progress.strip() != str(task.progress)


@login_required
@require_post_or_back("task_detail")
def task_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task, grant = get_task_grant(request.user, pk, need=TaskAccess.NOTE)
    access = grant.access
    if access < TaskAccess.EDIT and _changes_status_or_progress(request, task):
        raise PermissionDenied
    policy = current_policy()
    proof = policy.completion_proof
    form = TaskUpdateForm(
        request.POST,
        request.FILES,
        task=task,
        access=access,
        completion_proof=proof,
        upload_refusals=upload_refusals(request),
    )
    if not form.is_valid():
        # Keep the files that passed, so fixing the note does not mean uploading again.
        form.kept += [evidence_store(upload=up, inspected=info) for up, info in form.checked_files()]
        context = _live_context(request, task.pk, grant, policy, form=form)
        return _render_live(request, context, status=422)

    data = form.cleaned_data
    uploads = form.kept + [evidence_store(upload=up, inspected=info) for up, info in data["evidence"]]
    edited = copy.copy(task)
    if form.edits_status:
        edited.status, edited.progress = data["status"], data["progress"]
    try:
        update = task_change(
            task=edited,
            expected_version=data["version"],
            author=request.user,
            note=data["note"],
            difficulties=data["difficulties"],
            evidence=uploads,
            submission_key=data["submission_key"],
        )
    except StaleTaskVersion as conflict:
        # The user's input comes back as it was, on the current version, beside what changed.
        fresh = TaskUpdateForm(
            task=conflict.current,
            access=access,
            completion_proof=proof,
            initial={
                "version": conflict.current.version,
                "submission_key": data["submission_key"],
                "status": data.get("status", conflict.current.status),
                "progress": data.get("progress", conflict.current.progress),
                "note": data["note"],
                "difficulties": data["difficulties"],
            },
        )
        fresh.kept = uploads
        context = _live_context(request, task.pk, grant, policy, form=fresh, conflict=conflict.since)
        return _render_live(request, context, status=409)

    if update is None:
        notice = _("Nothing changed, so nothing was recorded.")
    else:
        notice = _("Saved. The task is now at version %(version)s.") % {"version": update.version}
    if request.htmx:
        context = _live_context(request, task.pk, grant, policy, notice=notice)
        return _render_live(request, context)
    messages.success(request, notice)
    return redirect("task_detail", pk=task.pk)


@login_required
@require_GET
def evidence_download(request: AuthenticatedRequest, pk: int, evidence_id: int) -> FileResponse:
    task, _access = get_task_for_user(request.user, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_id, update__task=task)
    return evidence_file_response(evidence)


# --- Creating and cascading ---------------------------------------------------------------------


def _province_communes(province: Unit):
    return Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE, is_active=True).order_by(
        "sort_key", "code"
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request: AuthenticatedRequest) -> HttpResponse:
    province = creatable_units(request.user).order_by("sort_key", "code").first()
    if province is None:
        raise PermissionDenied
    plans = Plan.objects.filter(issuing_unit=province, is_active=True).order_by("-issue_date")
    form = TaskCreateForm(
        request.POST or None, province=province, plans=plans, communes=_province_communes(province)
    )
    if request.method == "POST" and form.is_valid():
        task, children = task_assign(
            task=form.save(commit=False),
            communes=form.chosen_communes(),
            author=request.user,
            responsible_position=form.cleaned_data["commune_responsible"],
        )
        messages.success(request, _assigned_message(task, len(children)))
        return redirect("task_detail", pk=task.pk)
    status = 422 if form.is_bound else 200
    return render(request, "tasks/task_new.html", {"form": form, "province": province}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_cascade_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task, _access = get_task_for_user(request.user, pk, need=TaskAccess.EDIT)
    if not may_cascade(request.user, task):
        raise PermissionDenied
    assigned = task.children.values("lead_unit_id")
    communes = _province_communes(task.lead_unit).exclude(pk__in=assigned)
    form = TaskCascadeForm(request.POST or None, task=task, communes=communes)
    if request.method == "POST" and form.is_valid():
        children = task_cascade(
            parent=task,
            communes=form.chosen_communes(),
            author=request.user,
            responsible_position=form.cleaned_data["commune_responsible"],
        )
        messages.success(request, _assigned_message(task, len(children)))
        return redirect("task_detail", pk=task.pk)
    status = 422 if form.is_bound else 200
    return render(request, "tasks/task_cascade.html", {"form": form, "task": task}, status=status)


def _assigned_message(task: Task, count: int) -> str:
    if not count:
        return _("Task %(code)s saved; it was not assigned to any commune.") % {"code": task.code}
    return ngettext(
        "Task %(code)s saved and assigned to %(count)s commune.",
        "Task %(code)s saved and assigned to %(count)s communes.",
        count,
    ) % {"code": task.code, "count": count}
