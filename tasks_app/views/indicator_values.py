"""The indicator value pages: a unit's indicators, one assignment (its periods and value
history), the value form, the approver's queue, and the decisions and evidence downloads.
Views validate and render; tasks_app.actions.indicator_values writes; every access
question goes to tasks_app.indicators.access (invisible: 404; visible, not allowed: 403)."""

import datetime
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from reports.boards.charts import SparkPoint, sparkline
from tasks_app.actions.evidence import evidence_store
from tasks_app.actions.indicator_values import (
    StaleValueVersion,
    WrongValueState,
    value_approve,
    value_reopen,
    value_return,
    value_save,
)
from tasks_app.clock import local_today
from tasks_app.evidence_files import evidence_file_response
from tasks_app.forms.evidence import kept_evidence_token
from tasks_app.forms.indicator_values import (
    APPROVE,
    RETURN,
    ApprovalFilterForm,
    IndicatorValueForm,
    ValueDecisionForm,
)
from tasks_app.http import AuthenticatedRequest
from tasks_app.indicators.access import (
    defining_units,
    get_assignment_for_user,
    get_unit_for_indicators,
    indicator_home_unit,
    may_decide_any_value,
    may_decide_value,
    may_enter_value,
    may_set_targets,
    units_decided_for,
    values_to_decide,
)
from tasks_app.indicators.words import indicator_number
from tasks_app.models import IndicatorAssignment, IndicatorEvidence, IndicatorValue, ValueState
from tasks_app.params import PageForm, report_ignored, valid_query
from tasks_app.periods import Period, period_ending
from tasks_app.selectors.greening import current_rules
from tasks_app.selectors.indicators import (
    IndicatorRow,
    approval_queue,
    assignment_page,
    entered_value_text,
    flag_words,
    previous_value_of,
    queue_rows,
    unit_indicators,
    value_evidence,
)
from tasks_app.upload_limits import upload_refusals
from tasks_app.views.decorators import require_post_or_back

APPROVALS_PER_PAGE = 25
# What the queue's address may carry back after a decision (ApprovalFilterForm and the page).
QUEUE_CHOICES = ("unit", "indicator", "flagged", "page")


# --- A unit's indicators ---------------------------------------------------------------------


@login_required
@require_GET
def indicator_list(request: AuthenticatedRequest, unit_id: int | None = None) -> HttpResponse:
    user = request.user
    unit = get_unit_for_indicators(user, unit_id) if unit_id is not None else indicator_home_unit(user)
    today = local_today()
    rows = unit_indicators(unit, today=today) if unit is not None else []
    charts = {row.assignment.pk: _sparkline(row) for row in rows}
    context = {
        "unit": unit,
        "rows": [(row, charts[row.assignment.pk], may_enter_value(user, row.assignment)) for row in rows],
        "today": today,
        "to_decide": values_to_decide(user).count() if may_decide_any_value(user) else None,
        "can_define": defining_units(user).exists(),
    }
    return render(request, "indicators/indicator_list.html", context)


def _sparkline(row: IndicatorRow) -> SafeString:
    """The row's trend drawn as on the boards (reports.boards.charts.sparkline)."""
    indicator = row.indicator
    points = [
        SparkPoint(
            label=view.period.label,
            value=view.figure.value,
            milestone=view.figure.milestone,
            progress=view.figure.progress,
            colour=view.colour,
        )
        for view in row.trend
    ]
    return sparkline(
        points,
        code=indicator.code,
        value_type=indicator.value_type,
        unit_of_measure=indicator.unit_of_measure,
        chart_id=f"trend-{row.assignment.pk}",
    )


# --- One assignment ------------------------------------------------------------------------


def _decision_form(value: IndicatorValue, decision: str = "") -> ValueDecisionForm:
    # No ids: a page holds one such form per value, and ids must not repeat.
    return ValueDecisionForm(
        initial={"version": value.version, "submission_key": uuid.uuid4(), "decision": decision},
        auto_id=False,
    )


@login_required
@require_GET
def assignment_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    assignment = get_assignment_for_user(user, pk)
    today = local_today()
    rules = current_rules()
    page = assignment_page(assignment, today=today, due_working_days=rules.indicator_due_working_days)
    deciding = may_decide_value(user, assignment)
    # The decisions open to this user, one small form per value (approve/return or reopen).
    decisions = {}
    if deciding:
        for row in page.periods:
            if row.value is not None and row.value.state in (ValueState.SUBMITTED, ValueState.APPROVED):
                decisions[row.value.pk] = _decision_form(row.value)
    context = {
        "assignment": assignment,
        "indicator": assignment.indicator,
        "page": page,
        "periods": [(row, decisions.get(row.value.pk) if row.value else None) for row in page.periods],
        "baseline_text": indicator_number(assignment.baseline_value, assignment.indicator.value_type),
        "target_text": indicator_number(assignment.target_value, assignment.indicator.value_type),
        "can_enter": may_enter_value(user, assignment),
        "can_set_targets": may_set_targets(user, assignment),
        "today": today,
    }
    return render(request, "indicators/assignment_detail.html", context)


@login_required
@require_GET
def indicator_evidence_download(request: AuthenticatedRequest, pk: int, evidence_id: int) -> FileResponse:
    assignment = get_assignment_for_user(request.user, pk)
    evidence = get_object_or_404(IndicatorEvidence, pk=evidence_id, event__value__assignment=assignment)
    return evidence_file_response(evidence)


# --- The value form ------------------------------------------------------------------------


def _period(assignment: IndicatorAssignment, period_end: str) -> Period:
    """The period of the URL: a close of the indicator's periodicity after its baseline
    (404 otherwise, as a page that does not exist)."""
    try:
        period = period_ending(assignment.indicator.periodicity, datetime.date.fromisoformat(period_end))
    except ValueError:
        raise Http404 from None
    if period.end <= assignment.baseline_date:
        raise Http404
    return period


def _form_context(assignment, period, value, form, **extra) -> dict:
    previous = previous_value_of(assignment, period.end)
    return {
        "assignment": assignment,
        "indicator": assignment.indicator,
        "period": period,
        "value": value,
        "value_text": entered_value_text(value, assignment.indicator),
        "previous_text": entered_value_text(previous, assignment.indicator) if previous else "",
        "previous_period": period_ending(assignment.indicator.periodicity, previous.period_end)
        if previous
        else None,
        "evidence": value_evidence(value),
        "form": form,
        "kept_tokens": [(item, kept_evidence_token(item)) for item in form.kept] if form else [],
        "not_started": period.start > local_today(),
        "editable": (value is None or value.state in (ValueState.DRAFT, ValueState.RETURNED))
        and period.start <= local_today(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def value_form(request: AuthenticatedRequest, pk: int, period_end: str) -> HttpResponse:
    user = request.user
    assignment = get_assignment_for_user(user, pk)
    if not may_enter_value(user, assignment):
        raise PermissionDenied
    period = _period(assignment, period_end)
    value = IndicatorValue.objects.filter(assignment=assignment, period_end=period.end).first()
    if request.method == "GET":
        form = IndicatorValueForm(indicator=assignment.indicator, value=value)
        return render(request, "indicators/value_form.html", _form_context(assignment, period, value, form))

    form = IndicatorValueForm(
        request.POST,
        request.FILES,
        indicator=assignment.indicator,
        value=value,
        upload_refusals=upload_refusals(request),
    )
    if not form.is_valid():
        form.kept += [evidence_store(upload=up, inspected=info) for up, info in form.checked_files()]
        return render(
            request, "indicators/value_form.html", _form_context(assignment, period, value, form), status=422
        )
    data = form.cleaned_data
    uploads = form.kept + [evidence_store(upload=up, inspected=info) for up, info in data["evidence"]]
    try:
        saved = value_save(
            assignment=assignment,
            period=period,
            value=data.get("value"),
            numerator=data.get("numerator"),
            denominator=data.get("denominator"),
            note=data["note"],
            evidence=uploads,
            author=user,
            expected_version=data["version"],
            submission_key=data["submission_key"],
            submit=data["submit"],
            rules=current_rules(),
        )
    except ValidationError as refused:
        form.add_refusal(refused)
        form.kept = uploads
        return render(
            request, "indicators/value_form.html", _form_context(assignment, period, value, form), status=422
        )
    except StaleValueVersion as conflict:
        # The user's input comes back as typed, on the current version, beside what changed.
        posted = request.POST.copy()
        posted["version"] = str(conflict.current.version if conflict.current else 0)
        fresh = IndicatorValueForm(posted, indicator=assignment.indicator, value=conflict.current)
        fresh.is_valid()
        fresh.kept = uploads
        context = _form_context(
            assignment, period, conflict.current, fresh, conflict=conflict.since, stale=True
        )
        return render(request, "indicators/value_form.html", context, status=409)
    except WrongValueState as wrong:
        messages.error(request, wrong.message)
        return redirect("assignment_detail", pk=assignment.pk)

    if saved.repeated:
        messages.info(request, _("This form was already sent; it was recorded once."))
    elif saved.event is None:
        messages.info(request, _("Nothing changed, so nothing was recorded."))
    elif data["submit"]:
        messages.success(request, _("Submitted for approval: %(period)s.") % {"period": period.label})
    else:
        messages.success(
            request, _("Saved as a draft: %(period)s. It counts once submitted.") % {"period": period.label}
        )
    stored = saved.value
    if stored is not None and not saved.repeated and saved.event is not None:
        previous = previous_value_of(assignment, period.end)
        rules = current_rules()
        for flag in saved.flags:
            words = flag_words(
                flag,
                stored,
                assignment.indicator,
                previous.value if previous else None,
                rules.indicator_jump_percent,
            )
            messages.warning(
                request,
                _("Check this value: %(why)s It is saved, and its approver will see this.") % {"why": words},
            )
    return redirect("assignment_detail", pk=assignment.pk)


# --- Deciding -----------------------------------------------------------------------------------


@login_required
@require_post_or_back("indicator_approvals", with_arguments=False)
def value_decide(request: AuthenticatedRequest, pk: int, value_id: int) -> HttpResponse:
    user = request.user
    assignment = get_assignment_for_user(user, pk)
    value = get_object_or_404(
        IndicatorValue.objects.select_related("assignment"), pk=value_id, assignment=assignment
    )
    value.assignment = assignment  # with its indicator and unit, already loaded
    if not may_decide_value(user, assignment):
        raise PermissionDenied
    form = ValueDecisionForm(request.POST)
    back_to_queue = request.POST.get("next") == "approvals"

    def back() -> HttpResponse:
        if not back_to_queue:
            return redirect("assignment_detail", pk=assignment.pk)
        # Back to the queue as the approver narrowed it: only its own choices, ids and words.
        kept = QueryDict(request.POST.get("queue", ""))
        query = {key: kept[key] for key in QUEUE_CHOICES if kept.get(key, "").isalnum()}
        return redirect(reverse("indicator_approvals") + (f"?{urlencode(query)}" if query else ""))

    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return back()
    data = form.cleaned_data
    decision = data["decision"]
    common = {
        "value": value,
        "expected_version": data["version"],
        "author": user,
        "submission_key": data["submission_key"],
        "rules": current_rules(),
    }
    try:
        if decision == APPROVE:
            saved = value_approve(note=data["reason"], **common)
        elif decision == RETURN:
            saved = value_return(reason=data["reason"], **common)
        else:
            saved = value_reopen(reason=data["reason"], **common)
    except StaleValueVersion:
        messages.error(
            request,
            _(
                "This value changed after you opened the page; nothing was recorded. "
                "Check it and decide again."
            ),
        )
        return redirect("assignment_detail", pk=assignment.pk)
    except WrongValueState as wrong:
        messages.error(request, wrong.message)
        return back()
    label = period_ending(assignment.indicator.periodicity, value.period_end).label
    names = {"unit": assignment.unit.name, "code": assignment.indicator.code, "period": label}
    if saved.repeated:
        messages.info(request, _("This decision was already recorded once."))
    elif decision == APPROVE:
        messages.success(request, _("Approved: %(code)s, %(unit)s, %(period)s.") % names)
    elif decision == RETURN:
        messages.success(request, _("Returned to %(unit)s with your reason: %(code)s, %(period)s.") % names)
    else:
        messages.success(
            request, _("Reopened: %(unit)s corrects %(code)s, %(period)s, and submits it again.") % names
        )
    return back()


@login_required
@require_GET
def indicator_approvals(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    rules = current_rules()
    waiting = values_to_decide(user)
    filters = ApprovalFilterForm(request.GET, units=units_decided_for(user))
    values = approval_queue(filters.narrow(waiting), jump_percent=rules.indicator_jump_percent)
    query = PageForm(request.GET)
    report_ignored(request, query, filters)
    page = Paginator(values, APPROVALS_PER_PAGE).get_page(query.page_number())
    rows = queue_rows(page.object_list, jump_percent=rules.indicator_jump_percent)
    forms = {row.value.pk: _decision_form(row.value) for row in rows}
    context = {
        "page": page,
        "filters": filters,
        "query": valid_query(filters),
        "queue_query": valid_query(filters, query).urlencode(),
        # Whether anything waits at all: the filters show only then (the page's own count
        # is the narrowed one).
        "waiting": page.paginator.count > 0 if not valid_query(filters) else waiting.exists(),
        "rows": [(row, forms[row.value.pk]) for row in rows],
        "is_decider": may_decide_any_value(user),
    }
    return render(request, "indicators/approvals.html", context)
