"""Who may see and change which indicator, target and value. Every page, export and API
endpoint about indicators asks here (docs/access.md says the same in words).

- A unit's indicators and values are seen by its own members, by the province's roles
  for the province and its communes, and by nationwide roles. A commune never sees
  another commune's values.
- An officer of the unit enters and submits its values; a rolled-up assignment has no
  values of its own to enter.
- The level above decides (approves, returns, reopens): a province's leaders for their
  communes' values, the centre's administrators for the provinces' and ministries'.
- The assigning unit sets targets and milestones: the province's officers on the
  assignments it cascaded to its communes and on its own indicators, the centre's
  administrators on the assignments of indicators the centre adopted.
- Anything a user may not see does not exist for them: 404, as a wrong id.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from tasks_app.access import LEADER_ROLES, user_scope
from tasks_app.models import (
    IndicatorAssignment,
    IndicatorValue,
    Role,
    Unit,
    UnitKind,
    User,
    ValueState,
)

ENTERING_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER})
# The centre has no leaders in the app: its administrators (the steering committee's
# office) decide on the provinces' values and set the centre's targets.
CENTRE_ROLES = frozenset({Role.SYSTEM_ADMIN})
ASSIGNING_ROLES = frozenset({Role.PROVINCE_OFFICER}) | CENTRE_ROLES
DECIDING_ROLES = LEADER_ROLES | CENTRE_ROLES


def visible_unit_condition(user: User, prefix: str = "unit") -> Q | None:
    """The units whose indicators the user may see, as a condition on the unit reached
    through `prefix` (None: every unit)."""
    scope = user_scope(user)
    if scope.nationwide:
        return None
    return Q(**{f"{prefix}__in": scope.unit_ids}) | Q(**{f"{prefix}__province__in": scope.province_ids})


def visible_assignments(user: User) -> QuerySet[IndicatorAssignment]:
    condition = visible_unit_condition(user)
    assignments = IndicatorAssignment.objects.filter(is_active=True, indicator__is_active=True)
    return assignments if condition is None else assignments.filter(condition)


def may_view_assignment(user: User, assignment: IndicatorAssignment) -> bool:
    scope = user_scope(user)
    if scope.nationwide or assignment.unit_id in scope.roles_by_unit:
        return True
    unit = assignment.unit
    return unit.province_id is not None and unit.province_id in scope.province_ids


def get_assignment_for_user(user: User, pk: int) -> IndicatorAssignment:
    """The active assignment `pk`, with its indicator and unit; 404 when the user may not
    see it, exactly as when it does not exist."""
    assignment = (
        IndicatorAssignment.objects.select_related("indicator", "unit", "parent__unit")
        .filter(pk=pk, is_active=True, indicator__is_active=True)
        .first()
    )
    if assignment is None or not may_view_assignment(user, assignment):
        raise Http404
    return assignment


def may_enter_value(user: User, assignment: IndicatorAssignment) -> bool:
    """Entering, changing and submitting a unit's value: its officers, where the value is
    entered rather than rolled up."""
    if assignment.rolls_up or not assignment.is_active:
        return False
    return bool(user_scope(user).roles_by_unit.get(assignment.unit_id, frozenset()) & ENTERING_ROLES)


def deciding_unit_id(assignment: IndicatorAssignment) -> int | None:
    """The unit whose people approve the assignment's values: the unit above its own."""
    return assignment.unit.parent_id


def may_decide_value(user: User, assignment: IndicatorAssignment) -> bool:
    """Approving, returning and reopening a unit's values: the level above (a province's
    leaders for its communes; the centre's administrators for the provinces)."""
    parent_id = deciding_unit_id(assignment)
    if parent_id is None:
        return False
    return bool(user_scope(user).roles_by_unit.get(parent_id, frozenset()) & DECIDING_ROLES)


def assigning_unit_id(assignment: IndicatorAssignment) -> int:
    """The unit that gave the assignment: the parent assignment's unit for a cascaded one,
    the indicator's owner for the rest."""
    if assignment.parent_id is not None:
        parent = assignment.parent
        assert parent is not None
        return parent.unit_id
    return assignment.indicator.owner_unit_id


def may_set_targets(user: User, assignment: IndicatorAssignment) -> bool:
    """Changing a baseline, the final target or milestones: the assigning unit's officers."""
    return bool(
        user_scope(user).roles_by_unit.get(assigning_unit_id(assignment), frozenset()) & ASSIGNING_ROLES
    )


def defining_units(user: User) -> QuerySet[Unit]:
    """The units in whose name the user may adopt indicators and assign them: provinces
    where they are an officer, the centre where they are an administrator."""
    return Unit.objects.filter(pk__in=user_scope(user).units_with(ASSIGNING_ROLES), is_active=True).filter(
        kind__in=[UnitKind.PROVINCE, UnitKind.CENTRAL]
    )


def values_to_decide(user: User) -> QuerySet[IndicatorValue]:
    """The submitted values awaiting the user's decision (may_decide_value, as a query)."""
    deciding = user_scope(user).units_with(DECIDING_ROLES)
    if not deciding:
        return IndicatorValue.objects.none()
    return IndicatorValue.objects.filter(
        state=ValueState.SUBMITTED,
        assignment__is_active=True,
        assignment__indicator__is_active=True,
        assignment__unit__parent__in=deciding,
    )


def units_decided_for(user: User) -> QuerySet[Unit]:
    """The units whose values the user decides on (the units below theirs): what the
    approver's queue can be narrowed to, without reading the queue itself."""
    deciding = user_scope(user).units_with(DECIDING_ROLES)
    return Unit.objects.filter(parent__in=deciding, is_active=True) if deciding else Unit.objects.none()


# --- A unit's list of indicators ----------------------------------------------------------


def may_view_unit_indicators(user: User, unit: Unit) -> bool:
    """A unit's indicators: whoever may see its assignments (visible_unit_condition, for
    the unit already loaded)."""
    scope = user_scope(user)
    if scope.nationwide or unit.pk in scope.roles_by_unit:
        return True
    return unit.province_id is not None and unit.province_id in scope.province_ids


def get_unit_for_indicators(user: User, pk: int) -> Unit:
    """The active unit whose indicators the user asked for; 404 when they may not see it."""
    unit = Unit.objects.filter(pk=pk, is_active=True).first()
    if unit is None or not may_view_unit_indicators(user, unit):
        raise Http404
    return unit


# The unit a user's "Indicators" link opens: the narrowest where they work.
_HOME_ORDER: dict[str, int] = {
    UnitKind.COMMUNE: 0,
    UnitKind.PROVINCE: 1,
    UnitKind.MINISTRY: 2,
    UnitKind.CENTRAL: 3,
}


def indicator_home_unit(user: User) -> Unit | None:
    """The unit whose indicators the "Indicators" link shows: the user's own unit (a
    commune before a province), the centre for nationwide roles without one, else None."""
    scope = user_scope(user)
    units = list(Unit.objects.filter(pk__in=scope.unit_ids, is_active=True))
    if units:
        return min(units, key=lambda unit: (_HOME_ORDER.get(unit.kind, 9), unit.code))
    if scope.nationwide:
        return Unit.objects.filter(kind=UnitKind.CENTRAL, is_active=True).first()
    return None


def may_decide_any_value(user: User) -> bool:
    """Whether the user decides on anyone's values: the approval queue's link."""
    # A commune has no unit below it, so its leaders decide on no values.
    return bool(user_scope(user).units_with(DECIDING_ROLES - {Role.COMMUNE_LEADER}))
