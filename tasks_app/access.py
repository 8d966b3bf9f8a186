"""Who may see and change which task. Every page, download and API endpoint asks here.

Rules (docs/access.md says them in plain words):
- An officer of the task's lead unit edits it: status, progress, notes, evidence.
- A member of a coordinating unit, and a leader of the lead unit, may add notes and
  evidence, but not change status or progress.
- Province roles see every task of their province, including its communes' tasks.
- Central viewers and system administrators see everything, read-only here.
- A unit given a cascaded copy reads the task it was assigned from (its "6 rõ", deadline,
  who assigned it), but not that task's history or the other units' copies.
- A task the user may not see does not exist for them: 404, the same as a wrong id.

`task_grant()` is the one decision: the access level and the reason for it. The task
page's hint ("why can I not change the status?") is the reason's sentence, so the hint
cannot say something the decision did not.
"""

from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reports.models import Report, ReportKind
from tasks_app.models import (
    Membership,
    Plan,
    PlanPhase,
    Role,
    SteeringCommittee,
    Task,
    TaskGroup,
    TaskStatus,
    Unit,
    UnitKind,
    User,
)
from tasks_app.selectors.lifecycle import ApprovalStage, approval_stage

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

OFFICER_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER})
LEADER_ROLES = frozenset({Role.COMMUNE_LEADER, Role.PROVINCE_LEADER})
PROVINCE_ROLES = frozenset({Role.PROVINCE_OFFICER, Role.PROVINCE_LEADER})
NATIONWIDE_ROLES = frozenset({Role.CENTRAL_VIEWER, Role.SYSTEM_ADMIN})


class TaskAccess(IntEnum):
    NONE = 0
    ASSIGNMENT = 1  # the assignment itself ("6 rõ", status): no history, no other copies
    VIEW = 2
    NOTE = 3  # notes and evidence, no status or progress
    EDIT = 4


class AccessReason(Enum):
    """Why a user has the access they have to a task: the first rule that matched."""

    LEAD_OFFICER = "lead_officer"
    LEAD_LEADER = "lead_leader"
    COORDINATING = "coordinating"
    NATIONWIDE = "nationwide"
    PROVINCE = "province"
    ASSIGNED_COPY = "assigned_copy"
    WITHDRAWN = "withdrawn"  # would edit or note, but the task was taken back
    NONE = "none"


ACCESS_BY_REASON = {
    AccessReason.LEAD_OFFICER: TaskAccess.EDIT,
    AccessReason.LEAD_LEADER: TaskAccess.NOTE,
    AccessReason.COORDINATING: TaskAccess.NOTE,
    AccessReason.NATIONWIDE: TaskAccess.VIEW,
    AccessReason.PROVINCE: TaskAccess.VIEW,
    AccessReason.ASSIGNED_COPY: TaskAccess.ASSIGNMENT,
    AccessReason.WITHDRAWN: TaskAccess.VIEW,
    AccessReason.NONE: TaskAccess.NONE,
}

# What the task page tells a user who cannot do everything, and why (None: nothing to say).
ACCESS_HINTS: dict[AccessReason, Promise | None] = {
    AccessReason.LEAD_OFFICER: None,
    AccessReason.LEAD_LEADER: _(
        "You are a leader of the lead unit: leaders add notes and files; the unit's officers "
        "change the status and progress."
    ),
    AccessReason.COORDINATING: _(
        "Your unit coordinates this task: you can add notes and files, but only the lead "
        "unit's officers change its status and progress."
    ),
    AccessReason.NATIONWIDE: _(
        "Your role follows every task in the country, read only: the lead unit's officers update it."
    ),
    AccessReason.PROVINCE: _(
        "Your province role lets you follow this task, read only: the lead unit's officers update it."
    ),
    AccessReason.ASSIGNED_COPY: _(
        "Your unit was assigned a copy of this task: you can read what was assigned, but not "
        "its history or the other units' copies. Report on your unit's own copy."
    ),
    AccessReason.WITHDRAWN: _(
        "The assigning unit withdrew this task: it is closed and can no longer be updated."
    ),
    AccessReason.NONE: None,
}


@dataclass(frozen=True)
class TaskGrant:
    access: TaskAccess
    reason: AccessReason

    @property
    def hint(self) -> Promise | None:
        return ACCESS_HINTS[self.reason]


@dataclass(frozen=True)
class UserScope:
    """A user's memberships, loaded once per request."""

    roles_by_unit: dict[int, frozenset[str]]
    province_ids: frozenset[int]  # provinces whose every task the user may see
    nationwide: bool
    # Ids, not joins: `lead_unit IN (…) OR id IN (…)` lets the database combine two index
    # scans, where an OR with a join or EXISTS makes it read every task.
    coordinated_task_ids: frozenset[int] = frozenset()
    province_unit_ids: frozenset[int] = frozenset()

    @property
    def unit_ids(self) -> frozenset[int]:
        return frozenset(self.roles_by_unit)

    def units_with(self, roles: frozenset[str]) -> frozenset[int]:
        return frozenset(unit for unit, held in self.roles_by_unit.items() if held & roles)

    @property
    def creating_unit_ids(self) -> frozenset[int]:
        """Provinces where the user may create tasks and cascade them to communes."""
        return self.units_with(frozenset({Role.PROVINCE_OFFICER}))


def user_scope(user: User) -> UserScope:
    cached = getattr(user, "_nq57_scope", None)
    if cached is not None:
        return cached
    roles: dict[int, set[str]] = {}
    provinces: set[int] = set()
    nationwide = bool(user.is_superuser)
    if user.is_authenticated:
        for unit_id, role, province_id in Membership.objects.filter(
            user=user, unit__is_active=True
        ).values_list("unit_id", "role", "unit__province_id"):
            roles.setdefault(unit_id, set()).add(role)
            if role in PROVINCE_ROLES and province_id:
                provinces.add(province_id)
            if role in NATIONWIDE_ROLES:
                nationwide = True
    coordinated = Task.coordinating_units.through.objects.filter(unit_id__in=roles).values_list(
        "task_id", flat=True
    )
    province_units = Unit.objects.filter(province__in=provinces).values_list("pk", flat=True)
    scope = UserScope(
        roles_by_unit={unit: frozenset(held) for unit, held in roles.items()},
        province_ids=frozenset(provinces),
        nationwide=nationwide,
        coordinated_task_ids=frozenset(coordinated) if roles else frozenset(),
        province_unit_ids=frozenset(province_units) if provinces else frozenset(),
    )
    user._nq57_scope = scope
    return scope


def _own_units_condition(scope: UserScope) -> Q:
    return Q(lead_unit__in=scope.unit_ids) | Q(pk__in=scope.coordinated_task_ids)


def visible_task_condition(user: User) -> Q | None:
    """The tasks the user may open, as a condition on task rows (None: every task), for a
    read that lists or counts other tasks beside the page's own: a task's copies, the
    approver's list. A page shows nothing the user could not open by its own URL."""
    scope = user_scope(user)
    if scope.nationwide:
        return None
    if not scope.unit_ids:
        return Q(pk__in=[])
    condition = _own_units_condition(scope)
    if scope.province_unit_ids:
        condition |= Q(lead_unit__in=scope.province_unit_ids)
    return condition


def visible_tasks(user: User) -> QuerySet[Task]:
    """Every task the user may open."""
    condition = visible_task_condition(user)
    if condition is None:
        return Task.objects.all()
    if not user_scope(user).unit_ids:
        return Task.objects.none()
    return Task.objects.filter(condition)


def own_unit_tasks(user: User) -> QuerySet[Task]:
    """The tasks of the user's own units, led or coordinated: "my tasks"."""
    scope = user_scope(user)
    if not scope.unit_ids:
        return Task.objects.none()
    return Task.objects.filter(_own_units_condition(scope))


def task_grant(user: User, task: Task) -> TaskGrant:
    """The user's access to `task` and the rule that gave it."""
    reason = _access_reason(user, task)
    access = ACCESS_BY_REASON[reason]
    if task.status == TaskStatus.WITHDRAWN and access > TaskAccess.VIEW:
        # Taken back by the assigning unit: its unit can still read why, but not report on it.
        return TaskGrant(TaskAccess.VIEW, AccessReason.WITHDRAWN)
    return TaskGrant(access, reason)


def _access_reason(user: User, task: Task) -> AccessReason:
    scope = user_scope(user)
    lead_roles = scope.roles_by_unit.get(task.lead_unit_id, frozenset())
    if lead_roles & OFFICER_ROLES:
        return AccessReason.LEAD_OFFICER
    if lead_roles & LEADER_ROLES:
        return AccessReason.LEAD_LEADER
    if task.pk in scope.coordinated_task_ids:
        return AccessReason.COORDINATING
    if scope.nationwide:
        return AccessReason.NATIONWIDE
    if scope.province_ids and _province_of(task) in scope.province_ids:
        return AccessReason.PROVINCE
    # Last, as it costs a query: a copy of this task was given to one of the user's units.
    if scope.unit_ids and Task.objects.filter(parent=task, lead_unit__in=scope.unit_ids).exists():
        return AccessReason.ASSIGNED_COPY
    return AccessReason.NONE


def task_access(user: User, task: Task) -> TaskAccess:
    return task_grant(user, task).access


def may_see_task_history(access: TaskAccess) -> bool:
    """The history, evidence files and the copies given to other units: not for a unit
    that only reads the task it was assigned from."""
    return access >= TaskAccess.VIEW


def _province_of(task: Task) -> int | None:
    lead = task.lead_unit if "lead_unit" in task._state.fields_cache else None
    if lead is not None:
        return lead.province_id
    return Unit.objects.filter(pk=task.lead_unit_id).values_list("province_id", flat=True).first()


def get_task_for_user(user: User, pk: int, *, need: TaskAccess = TaskAccess.VIEW) -> tuple[Task, TaskAccess]:
    """The task and the user's access to it. 404 when the user may not see it (whether or
    not it exists); 403 when they see it but `need` more than they have."""
    task, grant = get_task_grant(user, pk, need=need)
    return task, grant.access


def get_task_grant(user: User, pk: int, *, need: TaskAccess = TaskAccess.VIEW) -> tuple[Task, TaskGrant]:
    """As get_task_for_user, with the reason for the access (for the page's hint)."""
    task = Task.objects.select_related("lead_unit").filter(pk=pk).first()
    if task is None:
        raise Http404
    grant = task_grant(user, task)
    if grant.access == TaskAccess.NONE:
        raise Http404
    if grant.access < need:
        raise PermissionDenied
    return task, grant


def creatable_units(user: User) -> QuerySet[Unit]:
    """Units the user may create tasks for (their provinces, as a province officer)."""
    return Unit.objects.filter(pk__in=user_scope(user).creating_unit_ids)


def may_cascade(user: User, task: Task) -> bool:
    """A province officer may assign their province's own task down to its communes."""
    return task.lead_unit_id in user_scope(user).creating_unit_ids and task.status != TaskStatus.WITHDRAWN


# --- After a task is created ------------------------------------------------------------------


def _assigning_unit_id(task: Task) -> int:
    """The unit that gave the task: the parent's lead unit for a cascaded copy, otherwise
    the unit that issued its plan."""
    if task.parent_id:
        parent = task.parent if "parent" in task._state.fields_cache else None
        if parent is not None:
            return parent.lead_unit_id
        return Task.objects.filter(pk=task.parent_id).values_list("lead_unit_id", flat=True).get()
    plan = task.plan if "plan" in task._state.fields_cache else None
    if plan is not None:
        return plan.issuing_unit_id
    return Plan.objects.filter(pk=task.plan_id).values_list("issuing_unit_id", flat=True).get()


def may_edit_details(user: User, task: Task) -> bool:
    """Correcting a task's "6 rõ" belongs to whoever may create it: a province officer, on
    the province's own tasks and on the copies it cascaded to its communes (a commune's
    own deadline, say). Not on a withdrawn copy: it is closed."""
    if task.status == TaskStatus.WITHDRAWN:
        return False
    creating = user_scope(user).creating_unit_ids
    if task.lead_unit_id in creating:
        return True
    return task.parent_id is not None and _assigning_unit_id(task) in creating


def may_withdraw(user: User, task: Task) -> bool:
    """A cascaded copy is taken back by an officer of the unit that cascaded it."""
    return (
        task.parent_id is not None
        and task.status != TaskStatus.WITHDRAWN
        and _assigning_unit_id(task) in user_scope(user).creating_unit_ids
    )


def _approving_unit_ids(task: Task) -> tuple[int, ...]:
    """The units whose leaders approve the task in the app: its lead unit, then the unit
    that assigned it (once, when they are the same)."""
    return tuple(dict.fromkeys((task.lead_unit_id, _assigning_unit_id(task))))


def may_approve(user: User, task: Task) -> bool:
    """The approving authority: a leader of the lead unit, or of the unit that assigned
    the task. (Whether the task awaits approval is the action's check, not a right.)"""
    leading = user_scope(user).units_with(LEADER_ROLES)
    if not leading:
        return False
    return any(unit_id in leading for unit_id in _approving_unit_ids(task))


def approving_units(task: Task) -> list[Unit]:
    """The units whose leaders may approve the task (may_approve's rule), for the task page
    to say who approves in the app beside the free-text "approving authority" it was given."""
    ids = _approving_unit_ids(task)
    units = Unit.objects.in_bulk(ids)
    return [units[unit_id] for unit_id in ids if unit_id in units]


def may_reopen(user: User, task: Task) -> bool:
    """The approving authority reopens a completion: one it approved, or one the lead
    unit's officer made directly (the authority keeps the last word on what is done)."""
    return task.status == TaskStatus.COMPLETED and may_approve(user, task)


# --- The statuses the lead unit's officer may set --------------------------------------------

# Withdrawing is the assigning unit's decision, with its reason, on its own page.
UPDATABLE_STATUSES = tuple(s for s in TaskStatus.values if s != TaskStatus.WITHDRAWN)

AWAITING_HINT = _("This task awaits approval: its approving authority completes it or returns it.")
IN_FLOW_HINT = _(
    "This task was put up for approval, so it is completed only when its approving authority "
    "approves it. Choose “Awaiting approval” to submit it again."
)
APPROVED_HINT = _(
    "Its approving authority approved this completion: the status and progress are closed, and "
    "only the approving leader can reopen it. You can still add notes and files."
)


@dataclass(frozen=True)
class StatusChoice:
    """What the lead unit's officer may choose on the update form, and why not more."""

    statuses: tuple[str, ...]
    locked: bool = False  # status and progress closed: an approved completion
    hint: "_StrPromise | None" = None  # why a status is not offered (also the error if posted)


def officer_status_choice(task: Task) -> StatusChoice:
    """The one rule for the officer's status choices (the form offers them, and refuses
    anything else when posted). Approval is optional, but once a task was put up for
    approval its officer neither completes it alone nor undoes the approval."""
    statuses = list(UPDATABLE_STATUSES)
    if task.parent_id and task.status != TaskStatus.CANCELLED:
        # A unit that received a task from above may not cancel it; only its own tasks.
        statuses.remove(TaskStatus.CANCELLED)
    stage = approval_stage(task)
    if stage == ApprovalStage.APPROVED:
        return StatusChoice((TaskStatus.COMPLETED,), locked=True, hint=APPROVED_HINT)
    if stage == ApprovalStage.IN_FLOW:
        if task.status != TaskStatus.COMPLETED:  # kept when it is the current status
            statuses.remove(TaskStatus.COMPLETED)
        hint = AWAITING_HINT if task.status == TaskStatus.AWAITING_APPROVAL else IN_FLOW_HINT
        return StatusChoice(tuple(statuses), hint=hint)
    return StatusChoice(tuple(statuses))


def tasks_to_approve(user: User) -> QuerySet[Task]:
    """The tasks awaiting the user's approval: awaiting, and led or assigned by a unit
    where they are a leader (the same rule as may_approve, as one query)."""
    leading = user_scope(user).units_with(LEADER_ROLES)
    if not leading:
        return Task.objects.none()
    led_by_them = Task.objects.filter(lead_unit__in=leading).values("pk")
    awaiting = Task.objects.filter(status=TaskStatus.AWAITING_APPROVAL).filter(
        Q(lead_unit__in=leading)
        | Q(parent__in=led_by_them)
        | Q(parent__isnull=True, plan__issuing_unit__in=leading)
    )
    # A plan's issuing unit may have given a task to a unit outside its scope: the list
    # links every task it names, so it names only those the leader may open.
    seen = visible_task_condition(user)
    return awaiting if seen is None else awaiting.filter(seen)


# --- Where each role starts, and what its menu offers ----------------------------------------


def has_own_tasks(user: User) -> bool:
    """Officers and leaders of a commune or province have tasks of their own ("My tasks");
    central viewers and administrators follow the boards."""
    return bool(user_scope(user).units_with(OFFICER_ROLES | LEADER_ROLES))


def may_view_a_board(user: User) -> bool:
    return may_view_national(user) or home_dashboard_unit(user) is not None


@dataclass(frozen=True)
class Reach:
    """What the main menu shows: only the pages the user may open."""

    my_tasks: bool
    dashboard: bool
    reports: bool
    new_task: bool
    admin: bool
    approvals: bool = False  # leaders: the tasks awaiting their approval
    operations: bool = False  # office staff: stuck and failed jobs
    indicators: bool = False  # anyone with a unit (or nationwide): the unit's indicators
    indicator_approvals: bool = False  # province leaders, the centre's administrators


def user_reach(user: User) -> Reach:
    from tasks_app.indicators.access import may_decide_any_value  # it imports this module

    scope = user_scope(user)
    return Reach(
        my_tasks=has_own_tasks(user),
        dashboard=may_view_a_board(user),
        reports=scope.nationwide or bool(scope.unit_ids),
        new_task=bool(scope.creating_unit_ids),
        admin=bool(user.is_staff),
        approvals=bool(scope.units_with(LEADER_ROLES)),
        operations=may_operate(user),
        indicators=scope.nationwide or bool(scope.unit_ids),
        indicator_approvals=may_decide_any_value(user),
    )


def may_operate(user: User) -> bool:
    """The operators' page (stuck and failed jobs, with buttons that send them again) is
    for the steering committee office's staff, the people who run the admin: staff
    accounts and superusers. A role in a unit, even a nationwide one, is not enough."""
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def start_page(user: User) -> str:
    """The URL name where a user lands after logging in: where their work is. Officers:
    the tasks they update. Administrators: what they manage. Leaders and central viewers:
    their board. No unit yet: "My tasks", whose empty list says what to do."""
    if user_scope(user).units_with(OFFICER_ROLES):
        return "my_tasks"
    if user.is_staff:
        return "admin:index"
    if may_view_a_board(user):
        return "dashboard"
    return "my_tasks"


# --- Dashboards -------------------------------------------------------------------------


def may_view_national(user: User) -> bool:
    """The national dashboard is for central viewers and administrators."""
    return user_scope(user).nationwide


def _unit_scope_condition(scope: UserScope, unit: str = "") -> Q | None:
    """The units whose dashboards and reports the user may see, as a condition on the unit
    reached through `unit` ("" for Unit rows themselves, "unit" for a report's). None:
    every unit. may_view_unit is this rule for one unit in hand."""
    if scope.nationwide:
        return None
    prefix = f"{unit}__" if unit else ""
    return Q(**{f"{prefix}pk__in": scope.unit_ids}) | Q(**{f"{prefix}province__in": scope.province_ids})


def may_view_unit(user: User, unit: Unit) -> bool:
    """A unit's dashboard: its own members, its province's roles, and nationwide roles
    (_unit_scope_condition, for the unit already loaded)."""
    scope = user_scope(user)
    if scope.nationwide or unit.pk in scope.roles_by_unit:
        return True
    return unit.province_id is not None and unit.province_id in scope.province_ids


def visible_units(user: User) -> QuerySet[Unit]:
    """Every unit whose dashboard the user may open (may_view_unit, as a query)."""
    condition = _unit_scope_condition(user_scope(user))
    return Unit.objects.all() if condition is None else Unit.objects.filter(condition)


def get_unit_for_dashboard(user: User, pk: int, *, kind: str) -> Unit:
    """The active unit of `kind` whose dashboard the user asked for; 404 when it is not
    one they may see, exactly as when it does not exist."""
    unit = Unit.objects.filter(pk=pk, kind=kind, is_active=True).first()
    if unit is None or not may_view_unit(user, unit):
        raise Http404
    return unit


def home_dashboard_unit(user: User) -> Unit | None:
    """The widest unit the user follows, for the "Dashboard" link: None means the
    national view (nationwide roles) or no dashboard at all (see may_view_national)."""
    scope = user_scope(user)
    if scope.nationwide:
        return None
    if scope.province_ids:
        return Unit.objects.filter(pk__in=scope.province_ids).order_by("code").first()
    return (
        Unit.objects.filter(pk__in=scope.unit_ids, kind=UnitKind.COMMUNE, is_active=True)
        .order_by("code")
        .first()
    )


# --- Plans and committees ----------------------------------------------------------------


def visible_plans(user: User) -> QuerySet[Plan]:
    """The assigning documents a user meets in their work: the central ones (the centre's
    and the ministries', which reach every province) and their own provinces' plans, as a
    board offers them (reports.boards.selectors.figures.board_plans); every plan for
    nationwide roles. A user with no unit sees none."""
    scope = user_scope(user)
    if scope.nationwide:
        return Plan.objects.all()
    if not scope.unit_ids:
        return Plan.objects.none()
    own_provinces = Unit.objects.filter(pk__in=scope.unit_ids).values("province_id")
    return Plan.objects.filter(
        Q(issuing_unit__kind__in=[UnitKind.CENTRAL, UnitKind.MINISTRY])
        | Q(issuing_unit__in=own_provinces)
        | Q(issuing_unit__in=scope.province_ids)
    )


def visible_task_groups(user: User) -> QuerySet[TaskGroup]:
    return TaskGroup.objects.filter(plan__in=visible_plans(user))


def visible_phases(user: User) -> QuerySet[PlanPhase]:
    return PlanPhase.objects.filter(plan__in=visible_plans(user))


def visible_committees(user: User) -> QuerySet[SteeringCommittee]:
    """A steering committee is seen with its unit: the units whose boards the user may
    open (visible_units), and the central committee by everyone with a unit."""
    scope = user_scope(user)
    if scope.nationwide:
        return SteeringCommittee.objects.all()
    if not scope.unit_ids:
        return SteeringCommittee.objects.none()
    return SteeringCommittee.objects.filter(Q(unit__in=visible_units(user)) | Q(unit__kind=UnitKind.CENTRAL))


# --- Reports --------------------------------------------------------------------------------


def may_view_reports_of(user: User, unit: Unit) -> bool:
    """A unit's reports, exactly as its dashboard: the nation's for nationwide roles."""
    if unit.kind == UnitKind.CENTRAL:
        return may_view_national(user)
    return may_view_unit(user, unit)


def visible_reports(user: User) -> QuerySet[Report]:
    """The archive: reports about units the user may see (may_view_reports_of, as a
    query). The national report is the nation's, so for nationwide roles only."""
    condition = _unit_scope_condition(user_scope(user), "unit")
    reports = Report.objects.select_related("unit")
    if condition is None:
        return reports
    return reports.filter(condition).exclude(kind=ReportKind.NATIONAL_WEEKLY)


def report_request_units(user: User) -> QuerySet[Unit]:
    """The units whose reports the user may ask for from the archive page: the nation and
    the provinces for nationwide roles; their provinces and those provinces' communes for
    province roles; their own communes otherwise. (Any commune's summary can also be asked
    for from its dashboard.)"""
    scope = user_scope(user)
    active = Unit.objects.filter(is_active=True)
    if scope.nationwide:
        return active.filter(kind__in=[UnitKind.CENTRAL, UnitKind.PROVINCE])
    return active.filter(
        Q(pk__in=scope.province_ids)
        | Q(province__in=scope.province_ids, kind=UnitKind.COMMUNE)
        | Q(pk__in=scope.unit_ids, kind=UnitKind.COMMUNE)
    )
