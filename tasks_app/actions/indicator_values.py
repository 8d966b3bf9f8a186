"""Writes to indicator values (docs/indicators.md §5): entering and submitting a unit's
value for a period, and the level above approving, returning or reopening it.

Each write locks the value (through its assignment's row, so two first saves of one period
take turns), checks the version the caller saw, honours the form's one-time submission
key, appends a ValueEvent naming who, when, the state before and after and what changed,
then refreshes the assignment's figures and the roll-ups above it in the same transaction
(the pages show the new colour at once) and marks the unit's greening figures stale.

The states and the only transitions between them:

    (none)    ── save ──▶ draft          ── submit ──▶ submitted
    draft     ── save ──▶ draft          ── submit ──▶ submitted
    returned  ── save ──▶ returned       ── submit ──▶ submitted
    submitted ── approve ─▶ approved     ── return ──▶ returned
    approved  ── reopen ──▶ draft

A submitted value awaits its approver: its officer does not change it (the approver
returns it for correction). An approved value is locked until the approver reopens it.
"""

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks_app.actions.greening import greening_mark_stale
from tasks_app.actions.indicators import indicator_figures_refresh
from tasks_app.actions.tasks import EvidenceUpload
from tasks_app.clock import local_today
from tasks_app.greening.rules import Rules
from tasks_app.indicators import rules as indicator_rules
from tasks_app.indicators.access import may_decide_value, may_enter_value
from tasks_app.models import (
    IndicatorAssignment,
    IndicatorEvidence,
    IndicatorValue,
    User,
    ValueEvent,
    ValueEventKind,
    ValueState,
    ValueType,
)
from tasks_app.periods import Period
from tasks_app.selectors.indicators import previous_value_of


class StaleValueVersion(Exception):
    """The value changed after the caller loaded it; nothing was written. `current` is the
    value as it is now (None if the caller expected one that does not exist), `since` the
    events recorded after the caller's version, to show what changed."""

    def __init__(self, current: IndicatorValue | None, since: list[ValueEvent] | None = None):
        self.current = current
        self.since = since or []
        version = current.version if current is not None else 0
        super().__init__(f"value is at version {version}")


class WrongValueState(Exception):
    """The value is not in a state this change applies to; nothing was written. `message`
    says why, in words for the user."""

    def __init__(self, current: IndicatorValue | None, message: str):
        self.current = current
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ValueSaved:
    """What a write recorded: the event (the first call's, for a repeated submission key),
    the value, and whether this call was the repeat that recorded nothing."""

    event: ValueEvent | None
    value: IndicatorValue | None
    repeated: bool = False
    flags: list[str] = field(default_factory=list)


# The transitions §5 allows, by the state the value is in: the only moves there are.
EDITABLE_STATES = (ValueState.DRAFT, ValueState.RETURNED)


def value_text(number: Decimal | None) -> str | None:
    """A stored decimal as the history keeps it: "74.57", "12000", never "1E+4"."""
    if number is None:
        return None
    text = format(number.normalize(), "f")
    return text


def _repeat(
    submission_key: uuid.UUID | None, assignment_id: int
) -> tuple[ValueSaved | None, uuid.UUID | None]:
    """The first call's event when the form with this key was already recorded, and the
    key to record with this call's event. Called with the assignment locked, so a repeat
    sent while the first was still being written waits for it and finds it here."""
    if submission_key is None:
        return None, None
    earlier = ValueEvent.objects.select_related("value").filter(submission_key=submission_key).first()
    if earlier is None:
        return None, submission_key
    if earlier.value.assignment_id != assignment_id:
        # The key of another value's form (a hand-made request): not a repeat of this one.
        return None, None
    return ValueSaved(
        event=earlier, value=earlier.value, repeated=True, flags=list(earlier.value.flags)
    ), None


def _lock(assignment: IndicatorAssignment, period_end: datetime.date) -> IndicatorValue | None:
    # The assignment's row first: a value that does not exist yet cannot be locked, and two
    # first saves of the same period must take turns rather than race to insert it.
    IndicatorAssignment.objects.select_for_update().filter(pk=assignment.pk).values_list("pk").first()
    return (
        IndicatorValue.objects.select_for_update()
        .filter(assignment=assignment, period_end=period_end)
        .first()
    )


def check_value_version(current: IndicatorValue | None, expected_version: int) -> None:
    """Raise StaleValueVersion unless the value is at `expected_version` (0: the caller saw
    no value for the period)."""
    version = current.version if current is not None else 0
    if version == expected_version:
        return
    since: list[ValueEvent] = []
    if current is not None:
        since = list(
            current.events.filter(version__gt=expected_version).select_related("author").order_by("version")
        )
    raise StaleValueVersion(current, since)


def has_evidence(value: IndicatorValue | None) -> bool:
    return value is not None and IndicatorEvidence.objects.filter(event__value=value).exists()


def _after_write(assignment: IndicatorAssignment, rules: Rules, today: datetime.date) -> None:
    indicator_figures_refresh(assignment_ids=[assignment.pk], rules=rules, today=today)
    # Indicators may weigh in the unit's greening rate (docs/indicators.md §7).
    greening_mark_stale(unit_ids=[assignment.unit_id])


def _attach(event: ValueEvent, evidence: Sequence[EvidenceUpload]) -> None:
    rows = [IndicatorEvidence(event=event, **item.as_fields()) for item in evidence]
    IndicatorEvidence.objects.bulk_create(rows)


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError({name or NON_FIELD_ERRORS: messages for name, messages in errors.items()})


@transaction.atomic
def value_save(
    *,
    assignment: IndicatorAssignment,
    period: Period,
    value: Decimal | None = None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    note: str = "",
    evidence: Sequence[EvidenceUpload] = (),
    author: User,
    expected_version: int,
    submission_key: uuid.UUID | None = None,
    submit: bool = False,
    rules: Rules,
    today: datetime.date | None = None,
) -> ValueSaved:
    """Enter or change the unit's value for `period`, and with `submit` put it up for
    approval. Refuses (ValidationError, by field) what §5 refuses, a cumulative value that
    went down without a note, and a submission without a value or without its required
    evidence; flags what the approver should look at twice, and saves it all the same.

    Returns the recorded event (None when nothing changed and nothing was submitted)."""
    today = today or local_today()
    indicator = assignment.indicator
    if not may_enter_value(author, assignment):
        raise PermissionDenied
    current = _lock(assignment, period.end)
    repeated, submission_key = _repeat(submission_key, assignment.pk)
    if repeated is not None:
        return repeated
    check_value_version(current, expected_version)
    state_before = current.state if current is not None else ""
    if current is not None and current.state not in EDITABLE_STATES:
        if current.state == ValueState.APPROVED:
            message = _(
                "This value was approved and is locked. Its approver must reopen it before it is changed."
            )
        else:
            message = _(
                "This value was submitted and awaits approval, so it cannot be changed now. "
                "If it needs correcting, ask its approver to return it."
            )
        raise WrongValueState(current, message)

    if indicator.value_type == ValueType.RATIO:
        value = (
            indicator_rules.ratio_value(numerator, denominator)
            if numerator is not None and denominator is not None and denominator > 0
            else None
        )
    else:
        numerator = denominator = None
    note = note.strip()

    errors: dict[str, list[str]] = {}
    for refusal in indicator_rules.refusals(
        value_type=indicator.value_type,
        value=value,
        numerator=numerator,
        denominator=denominator,
        period_start=period.start,
        today=today,
    ):
        errors.setdefault(refusal.field, []).append(str(refusal.message))
    _refuse(errors)

    previous = previous_value_of(assignment, period.end)
    previous_value = previous.value if previous is not None else None
    found_flags: list[str] = []
    if value is not None:
        if (
            indicator_rules.needs_note(
                value=value, accumulation=indicator.accumulation, previous=previous_value
            )
            and not note
        ):
            errors.setdefault("note", []).append(
                _(
                    "This total is lower than the previous period's (%(previous)s). Write a note "
                    "saying why (a recount, a correction)."
                )
                % {"previous": value_text(previous_value)}
            )
        found_flags = indicator_rules.flags(
            value=value,
            accumulation=indicator.accumulation,
            natural_min=indicator.natural_min,
            natural_max=indicator.natural_max,
            previous=previous_value,
            rules=rules,
        )
    if submit:
        if value is None:
            field_name = "numerator" if indicator.value_type == ValueType.RATIO else "value"
            errors.setdefault(field_name, []).append(_("Enter the value before submitting it."))
        if indicator.evidence_required and not evidence and not has_evidence(current):
            errors.setdefault("evidence", []).append(
                _("This indicator needs evidence: attach a file before submitting the value.")
            )
    _refuse(errors)

    before = {
        "value": value_text(current.value) if current else None,
        "numerator": value_text(current.numerator) if current else None,
        "denominator": value_text(current.denominator) if current else None,
        "note": current.note if current else "",
    }
    after = {
        "value": value_text(value),
        "numerator": value_text(numerator),
        "denominator": value_text(denominator),
        "note": note,
    }
    changes = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if indicator.value_type != ValueType.RATIO:
        changes.pop("numerator", None)
        changes.pop("denominator", None)
    if not (changes or evidence or submit):
        # An empty form on an empty period, or a save that changed nothing: nothing to record.
        return ValueSaved(event=None, value=current, flags=list(current.flags) if current else [])

    now = timezone.now()
    state_after = ValueState.SUBMITTED if submit else (current.state if current else ValueState.DRAFT)
    if current is None:
        current = IndicatorValue(
            assignment=assignment,
            period_start=period.start,
            period_end=period.end,
            version=1,
            created_at=now,
        )
        kind = ValueEventKind.SUBMITTED if submit else ValueEventKind.CREATED
    else:
        current.version += 1
        if submit:
            kind = ValueEventKind.SUBMITTED
        elif changes:
            kind = ValueEventKind.EDITED
        else:
            kind = ValueEventKind.NOTE
    current.value, current.numerator, current.denominator = value, numerator, denominator
    current.note = note
    current.state = state_after
    current.flags = found_flags
    current.updated_at = now
    current.updated_by = author
    if submit:
        current.submitted_at = now
    current.save()
    event = ValueEvent.objects.create(
        value=current,
        author=author,
        created_at=now,
        kind=kind,
        version=current.version,
        state_before=state_before,
        state_after=state_after,
        changes=changes,
        submission_key=submission_key,
    )
    _attach(event, evidence)
    _after_write(assignment, rules, today)
    return ValueSaved(event=event, value=current, flags=found_flags)


def _decide(
    *,
    value: IndicatorValue,
    expected_version: int,
    author: User,
    submission_key: uuid.UUID | None,
    from_state: str,
    to_state: str,
    kind: str,
    reason: str,
    wrong_state_message: str,
    rules: Rules,
    today: datetime.date | None,
) -> ValueSaved:
    today = today or local_today()
    assignment = value.assignment
    if not may_decide_value(author, assignment):
        raise PermissionDenied
    current = _lock(assignment, value.period_end)
    repeated, submission_key = _repeat(submission_key, assignment.pk)
    if repeated is not None:
        return repeated
    if current is None or current.pk != value.pk:
        raise StaleValueVersion(current)
    check_value_version(current, expected_version)
    if current.state != from_state:
        raise WrongValueState(current, wrong_state_message)
    now = timezone.now()
    state_before = current.state
    current.state = to_state
    current.version += 1
    current.updated_at = now
    fields = ["state", "version", "updated_at"]
    if to_state in (ValueState.APPROVED, ValueState.RETURNED):
        current.decided_at, current.decided_by = now, author
        fields += ["decided_at", "decided_by"]
    changes: dict[str, list[str | None]] = {}
    if to_state == ValueState.RETURNED:
        changes["return_reason"] = [current.return_reason, reason]
        current.return_reason = reason
        fields.append("return_reason")
    current.save(update_fields=fields)
    event = ValueEvent.objects.create(
        value=current,
        author=author,
        created_at=now,
        kind=kind,
        version=current.version,
        state_before=state_before,
        state_after=to_state,
        changes=changes,
        reason=reason,
        submission_key=submission_key,
    )
    _after_write(assignment, rules, today)
    return ValueSaved(event=event, value=current, flags=list(current.flags))


def value_approve(
    *,
    value: IndicatorValue,
    expected_version: int,
    author: User,
    note: str = "",
    submission_key: uuid.UUID | None = None,
    rules: Rules,
    today: datetime.date | None = None,
) -> ValueSaved:
    """Approve a submitted value: it is locked from then on, until reopened."""
    with transaction.atomic():
        return _decide(
            value=value,
            expected_version=expected_version,
            author=author,
            submission_key=submission_key,
            from_state=ValueState.SUBMITTED,
            to_state=ValueState.APPROVED,
            kind=ValueEventKind.APPROVED,
            reason=note.strip(),
            wrong_state_message=_("Only a submitted value can be approved; nothing was recorded."),
            rules=rules,
            today=today,
        )


def value_return(
    *,
    value: IndicatorValue,
    expected_version: int,
    author: User,
    reason: str,
    submission_key: uuid.UUID | None = None,
    rules: Rules,
    today: datetime.date | None = None,
) -> ValueSaved:
    """Send a submitted value back to its unit with the reason; it stops counting."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Write why the value is returned, so its unit knows what to fix.")]}
        )
    with transaction.atomic():
        return _decide(
            value=value,
            expected_version=expected_version,
            author=author,
            submission_key=submission_key,
            from_state=ValueState.SUBMITTED,
            to_state=ValueState.RETURNED,
            kind=ValueEventKind.RETURNED,
            reason=reason,
            wrong_state_message=_("Only a submitted value can be returned; nothing was recorded."),
            rules=rules,
            today=today,
        )


def value_reopen(
    *,
    value: IndicatorValue,
    expected_version: int,
    author: User,
    reason: str,
    submission_key: uuid.UUID | None = None,
    rules: Rules,
    today: datetime.date | None = None,
) -> ValueSaved:
    """Open an approved value again for correction (→ draft), with the reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Write why the value is reopened, so its unit knows what to correct.")]}
        )
    with transaction.atomic():
        return _decide(
            value=value,
            expected_version=expected_version,
            author=author,
            submission_key=submission_key,
            from_state=ValueState.APPROVED,
            to_state=ValueState.DRAFT,
            kind=ValueEventKind.REOPENED,
            reason=reason,
            wrong_state_message=_("Only an approved value can be reopened; nothing was recorded."),
            rules=rules,
            today=today,
        )
