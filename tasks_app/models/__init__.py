from tasks_app.models.accounts import ROLE_UNIT_KINDS, Membership, Role, User
from tasks_app.models.committees import CommitteeMember, CommitteeRole, SteeringCommittee
from tasks_app.models.greening import (
    STATE_COUNT_FIELDS,
    SUBTREE_COUNT_FIELDS,
    Colour,
    CompletionProof,
    GreeningBacklog,
    GreeningBand,
    GreeningPolicy,
    GreeningPolicyChange,
    GreeningSnapshot,
    SnapshotScope,
    TaskState,
)
from tasks_app.models.plans import DocumentType, Plan, PlanPhase, TaskGroup
from tasks_app.models.tasks import Evidence, Task, TaskStatus, TaskUpdate, UpdateKind
from tasks_app.models.units import (
    COMMUNE_DIVISION_TYPES,
    PROVINCE_DIVISION_TYPES,
    DivisionType,
    Unit,
    UnitKind,
)

__all__ = [
    "COMMUNE_DIVISION_TYPES",
    "PROVINCE_DIVISION_TYPES",
    "ROLE_UNIT_KINDS",
    "STATE_COUNT_FIELDS",
    "SUBTREE_COUNT_FIELDS",
    "Colour",
    "CommitteeMember",
    "CommitteeRole",
    "CompletionProof",
    "DivisionType",
    "DocumentType",
    "Evidence",
    "GreeningBacklog",
    "GreeningBand",
    "GreeningPolicy",
    "GreeningPolicyChange",
    "GreeningSnapshot",
    "Membership",
    "Plan",
    "PlanPhase",
    "Role",
    "SnapshotScope",
    "SteeringCommittee",
    "Task",
    "TaskGroup",
    "TaskState",
    "TaskStatus",
    "TaskUpdate",
    "Unit",
    "UnitKind",
    "UpdateKind",
    "User",
]
