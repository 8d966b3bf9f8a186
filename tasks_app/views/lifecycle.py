"""A task's life after creation: correcting its details, withdrawing a cascaded copy,
approving or returning a completion, and the approver's list. Views validate and render;
tasks_app.actions.lifecycle writes; tasks_app.access decides who may."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from tasks_app.access import (
    LEADER_ROLES,
    get_task_for_user,
    get_task_grant,
    may_approve,
    may_edit_details,
    may_withdraw,
    tasks_to_approve,
    user_scope,
)
from tasks_app.actions.lifecycle import (
    WrongTaskStatus,
    task_approve,
    task_edit_details,
    task_reopen,
    task_return,
    task_withdraw,
)
from tasks_app.actions.tasks import StaleTaskVersion
from tasks_app.forms.lifecycle import APPROVE, REOPEN, RETURN, ApprovalForm, ReasonForm, TaskEditForm
from tasks_app.http import AuthenticatedRequest
from tasks_app.models import Task, TaskStatus, Unit, UnitKind, User
from tasks_app.params import PageForm, report_ignored
from tasks_app.selectors.lifecycle import awaiting_approval
from tasks_app.views.decorators import require_post_or_back
from tasks_app.views.tasks import render_task_page

APPROVALS_PER_PAGE = 25


# --- Correcting the "6 rõ" ---------------------------------------------------------------------


def _coordinating_choices(user: User, task: Task):
    """Units the officer may name as coordinating: the communes of their province(s),
    besides the lead unit; and those already named, so saving never drops them silently."""
    provinces = user_scope(user).creating_unit_ids
    return (
        Unit.objects.filter(
            Q(province__in=provinces, kind=UnitKind.COMMUNE, is_active=True) | Q(coordinated_tasks=task)
        )
        .exclude(pk=task.lead_unit_id)
        .distinct()
        .order_by("sort_key", "code")
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task, _access = get_task_for_user(request.user, pk)
    if not may_edit_details(request.user, task):
        raise PermissionDenied
    choices = _coordinating_choices(request.user, task)
    edited = Task.objects.get(pk=task.pk)  # the form writes into this copy, never `task`
    form = TaskEditForm(request.POST or None, instance=edited, coordinating_choices=choices)
    context = {"form": form, "task": task, "has_copies": task.children.exists()}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update, copies = task_edit_details(
                task=form.instance,
                expected_version=data["version"],
                author=request.user,
                coordinating_units=data["coordinating_units"],
                note=data["note"],
            )
        except StaleTaskVersion as conflict:
            # The user's input stays as typed, now on the current version, beside what changed.
            posted = request.POST.copy()
            posted["version"] = str(conflict.current.version)
            fresh = Task.objects.get(pk=task.pk)
            context["form"] = TaskEditForm(posted, instance=fresh, coordinating_choices=choices)
            context["conflict"] = conflict.since
            return render(request, "tasks/task_edit.html", context, status=409)
        if update is None:
            messages.info(request, _("Nothing changed, so nothing was recorded."))
        elif copies:
            messages.success(
                request,
                ngettext(
                    "Saved. The change was also made to %(count)s commune's copy.",
                    "Saved. The change was also made to %(count)s communes' copies.",
                    len(copies),
                )
                % {"count": len(copies)},
            )
        else:
            messages.success(
                request, _("Saved. The task is now at version %(version)s.") % {"version": update.version}
            )
        return redirect("task_detail", pk=task.pk)
    status = 422 if form.is_bound else 200
    return render(request, "tasks/task_edit.html", context, status=status)


# --- Withdrawing a cascaded copy -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def task_withdraw_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task, _access = get_task_for_user(request.user, pk)
    if task.status == TaskStatus.WITHDRAWN:
        messages.info(request, _("This task was already withdrawn."))
        return redirect("task_detail", pk=task.pk)
    if not may_withdraw(request.user, task):
        raise PermissionDenied
    form = ReasonForm(request.POST or None, initial={"version": task.version})
    context = {"form": form, "task": task}
    if task.status == TaskStatus.COMPLETED:
        context["form"] = None  # nothing to submit: the page says why
        return render(request, "tasks/task_withdraw.html", context, status=409 if form.is_bound else 200)
    if request.method == "POST" and form.is_valid():
        try:
            task_withdraw(
                task=task,
                expected_version=form.cleaned_data["version"],
                author=request.user,
                reason=form.cleaned_data["reason"],
            )
        except StaleTaskVersion as conflict:
            posted = request.POST.copy()
            posted["version"] = str(conflict.current.version)
            context.update(form=ReasonForm(posted), conflict=conflict.since)
            return render(request, "tasks/task_withdraw.html", context, status=409)
        except WrongTaskStatus as wrong:
            context.update(form=None, task=wrong.current)
            return render(request, "tasks/task_withdraw.html", context, status=409)
        messages.success(
            request,
            _("The task was withdrawn from %(unit)s. It no longer counts in its figures.")
            % {"unit": task.lead_unit.name},
        )
        return redirect("task_detail", pk=task.parent_id)
    status = 422 if form.is_bound else 200
    return render(request, "tasks/task_withdraw.html", context, status=status)


# --- Approving, returning or reopening a completion --------------------------------------------


@login_required
@require_post_or_back("task_detail")
def task_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task, grant = get_task_grant(request.user, pk)
    if not may_approve(request.user, task):
        raise PermissionDenied
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        return render_task_page(request, task, grant, status=422, approval_form=form)
    data = form.cleaned_data
    decision, version, note = data["decision"], data["version"], data["note"]
    try:
        if decision == APPROVE:
            task_approve(task=task, expected_version=version, author=request.user, note=note)
        elif decision == RETURN:
            task_return(task=task, expected_version=version, author=request.user, reason=note)
        else:
            task_reopen(task=task, expected_version=version, author=request.user, reason=note)
    except StaleTaskVersion as conflict:
        # The comments stay as typed; the box shows what changed since the page was opened.
        kept = ApprovalForm(initial={"version": conflict.current.version, "note": note})
        return render_task_page(
            request,
            conflict.current,
            grant,
            status=409,
            approval_form=kept,
            approval_conflict=conflict.since,
        )
    except WrongTaskStatus:
        if decision == REOPEN:
            messages.error(
                request,
                _("Only a completion approved by its approving authority is reopened; nothing was recorded."),
            )
        else:
            messages.error(request, _("This task no longer awaits approval; nothing was recorded."))
        return redirect("task_detail", pk=task.pk)
    if decision == APPROVE:
        messages.success(request, _("Approved: the task is completed."))
    elif decision == REOPEN:
        reopened = _("Reopened: %(unit)s continues the work and submits it again.")
        messages.success(request, reopened % {"unit": task.lead_unit.name})
    else:
        messages.success(
            request, _("Returned to %(unit)s with your comments.") % {"unit": task.lead_unit.name}
        )
    return redirect("task_detail", pk=task.pk)


@login_required
@require_GET
def approvals(request: AuthenticatedRequest) -> HttpResponse:
    tasks = awaiting_approval(tasks_to_approve(request.user)).only(
        "code", "title", "deadline", "progress", "updated_at", "lead_unit__name"
    )
    query = PageForm(request.GET)
    report_ignored(request, query)
    page = Paginator(tasks, APPROVALS_PER_PAGE).get_page(query.page_number())
    is_leader = bool(user_scope(request.user).units_with(LEADER_ROLES))
    return render(request, "tasks/approvals.html", {"page": page, "is_leader": is_leader})
