"""Who may see and change which task. Every page, download and API endpoint asks here.

Rules (docs/access.md says them in plain words):
- An officer of the task's lead unit edits it: status, progress, notes, evidence.
- A member of a coordinating unit, and a leader of the lead unit, may add notes and
  evidence, but not change status or progress.
- Province roles see every task of their province, including its communes' tasks.
- Central viewers and system administrators see everything, read-only here.
- A task the user may not see does not exist for them: 404, the same as a wrong id.
"""

from dataclasses import dataclass
from enum import IntEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from tasks_app.models import Membership, Role, Task, Unit, UnitKind, User

OFFICER_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER})
LEADER_ROLES = frozenset({Role.COMMUNE_LEADER, Role.PROVINCE_LEADER})
PROVINCE_ROLES = frozenset({Role.PROVINCE_OFFICER, Role.PROVINCE_LEADER})
NATIONWIDE_ROLES = frozenset({Role.CENTRAL_VIEWER, Role.SYSTEM_ADMIN})


class TaskAccess(IntEnum):
    NONE = 0
    VIEW = 1
    NOTE = 2  # notes and evidence, no status or progress
    EDIT = 3


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


def visible_tasks(user: User) -> QuerySet[Task]:
    """Every task the user may open."""
    scope = user_scope(user)
    if scope.nationwide:
        return Task.objects.all()
    if not scope.unit_ids:
        return Task.objects.none()
    condition = _own_units_condition(scope)
    if scope.province_unit_ids:
        condition |= Q(lead_unit__in=scope.province_unit_ids)
    return Task.objects.filter(condition)


def own_unit_tasks(user: User) -> QuerySet[Task]:
    """The tasks of the user's own units, led or coordinated: "my tasks"."""
    scope = user_scope(user)
    if not scope.unit_ids:
        return Task.objects.none()
    return Task.objects.filter(_own_units_condition(scope))


def task_access(user: User, task: Task) -> TaskAccess:
    scope = user_scope(user)
    lead_roles = scope.roles_by_unit.get(task.lead_unit_id, frozenset())
    if lead_roles & OFFICER_ROLES:
        return TaskAccess.EDIT
    if lead_roles & LEADER_ROLES:
        return TaskAccess.NOTE
    if task.pk in scope.coordinated_task_ids:
        return TaskAccess.NOTE
    if scope.nationwide:
        return TaskAccess.VIEW
    if scope.province_ids and _province_of(task) in scope.province_ids:
        return TaskAccess.VIEW
    return TaskAccess.NONE


def _province_of(task: Task) -> int | None:
    lead = task.lead_unit if "lead_unit" in task._state.fields_cache else None
    if lead is not None:
        return lead.province_id
    return Unit.objects.filter(pk=task.lead_unit_id).values_list("province_id", flat=True).first()


def get_task_for_user(user: User, pk: int, *, need: TaskAccess = TaskAccess.VIEW) -> tuple[Task, TaskAccess]:
    """The task and the user's access to it. 404 when the user may not see it (whether or
    not it exists); 403 when they see it but `need` more than they have."""
    task = Task.objects.select_related("lead_unit").filter(pk=pk).first()
    access = task_access(user, task) if task is not None else TaskAccess.NONE
    if access == TaskAccess.NONE:
        raise Http404
    if access < need:
        raise PermissionDenied
    return task, access


def creatable_units(user: User) -> QuerySet[Unit]:
    """Units the user may create tasks for (their provinces, as a province officer)."""
    return Unit.objects.filter(pk__in=user_scope(user).creating_unit_ids)


def may_cascade(user: User, task: Task) -> bool:
    """A province officer may assign their province's own task down to its communes."""
    return task.lead_unit_id in user_scope(user).creating_unit_ids


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


def user_reach(user: User) -> Reach:
    scope = user_scope(user)
    return Reach(
        my_tasks=has_own_tasks(user),
        dashboard=may_view_a_board(user),
        reports=scope.nationwide or bool(scope.unit_ids),
        new_task=bool(scope.creating_unit_ids),
        admin=bool(user.is_staff),
    )


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


def may_view_unit(user: User, unit: Unit) -> bool:
    """A unit's dashboard: its own members, its province's roles, and nationwide roles."""
    scope = user_scope(user)
    if scope.nationwide or unit.pk in scope.roles_by_unit:
        return True
    return unit.province_id is not None and unit.province_id in scope.province_ids


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


# --- Reports --------------------------------------------------------------------------------


def may_view_reports_of(user: User, unit: Unit) -> bool:
    """A unit's reports, exactly as its dashboard: the nation's for nationwide roles."""
    if unit.kind == UnitKind.CENTRAL:
        return may_view_national(user)
    return may_view_unit(user, unit)


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
