"""The assigning unit's indicator pages: a new indicator (and its assignment to the owner
itself), the cascade of a province's assignment to its communes, and an assignment's
targets and milestones with their history. Who may do what is asked of
tasks_app.indicators.access; the actions write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from tasks_app.access import visible_plans
from tasks_app.actions.indicators import (
    StaleAssignmentVersion,
    assignment_cascade,
    assignment_create,
    assignment_targets_update,
    indicator_create,
    province_communes,
)
from tasks_app.forms.indicators import (
    CascadeForm,
    IndicatorForm,
    SameForAllForm,
    TargetsForm,
    decimal_text,
    filled_with_same,
)
from tasks_app.http import AuthenticatedRequest
from tasks_app.indicators.access import defining_units, get_assignment_for_user, may_set_targets
from tasks_app.models import IndicatorAssignment, UnitKind, User
from tasks_app.selectors.indicator_targets import (
    period_rows,
    set_milestones,
    target_history,
    target_period_ends,
)

# --- A new indicator ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def indicator_new(request: AuthenticatedRequest) -> HttpResponse:
    owners = defining_units(request.user).order_by("kind", "sort_key", "code")
    if not owners.exists():
        raise PermissionDenied
    plans = visible_plans(request.user).filter(is_active=True).order_by("-issue_date", "code")
    form = IndicatorForm(request.POST or None, owners=owners, plans=plans)
    if request.method == "POST" and form.is_valid():
        line = form.line()
        try:
            with transaction.atomic():
                indicator = indicator_create(indicator=form.save(commit=False), author=request.user)
                assignment = None
                if line is not None:
                    assignment = assignment_create(
                        indicator=indicator,
                        unit=indicator.owner_unit,
                        baseline_value=line.baseline_value,
                        baseline_date=line.baseline_date,
                        target_value=line.target_value,
                        target_date=line.target_date,
                        author=request.user,
                    )
        except IntegrityError:
            # Someone saved the same code for this unit between the check and the write.
            form.add_error(
                "code", _("This code was just taken by another indicator of the unit: choose another.")
            )
        else:
            messages.success(request, _("Indicator %(code)s saved.") % {"code": indicator.code})
            if assignment is None:
                return redirect("indicator_new")
            if assignment.unit.kind == UnitKind.PROVINCE:
                messages.info(
                    request, _("Now assign it to the communes, each with its own baseline and target.")
                )
                return redirect("assignment_cascade", pk=assignment.pk)
            return redirect("assignment_targets", pk=assignment.pk)
    status = 422 if form.is_bound else 200
    return render(request, "indicators/indicator_new.html", {"form": form}, status=status)


# --- Cascading a province's assignment ---------------------------------------------------------


def _may_cascade(user: User, assignment: IndicatorAssignment) -> bool:
    """The province's own officers give its communes their targets (they are the assigning
    unit of the communes' assignments: access.may_set_targets on each)."""
    return defining_units(user).filter(pk=assignment.unit_id, kind=UnitKind.PROVINCE).exists()


@login_required
@require_http_methods(["GET", "POST"])
def assignment_cascade_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    if assignment.unit.kind != UnitKind.PROVINCE:
        raise Http404  # only a province's assignment has communes to go to
    if not _may_cascade(request.user, assignment):
        raise PermissionDenied
    indicator = assignment.indicator
    communes = list(province_communes(assignment.unit))
    assigned = {
        child.unit_id: child
        for child in IndicatorAssignment.objects.filter(
            indicator=indicator, unit__in=communes
        ).select_related("unit")
    }
    open_communes = [commune for commune in communes if commune.pk not in assigned]
    initial = {"baseline_date": assignment.baseline_date, "target_date": assignment.target_date}
    context = {
        "assignment": assignment,
        "indicator": indicator,
        "assigned": [assigned[c.pk] for c in communes if c.pk in assigned],
        "may_set_targets": may_set_targets(request.user, assignment),
    }

    if request.method == "POST" and "fill" in request.POST:
        # "Apply the same to all": the table comes back filled, nothing is saved yet.
        same = SameForAllForm(request.POST, prefix="same")
        same.is_valid()
        filled, copied = filled_with_same(request.POST, communes=open_communes, invalid=same.errors)
        form = CascadeForm.build(None, value_type=indicator.value_type, communes=open_communes, initial={})
        form.same = same
        for row in form.rows:
            row.initial = filled[row.prefix or ""]
        if copied:
            messages.info(request, _("Copied into every ticked commune. Check the table, then save."))
        else:
            messages.warning(request, _("Fill in the values to apply to all first."))
        return render(request, "indicators/assignment_cascade.html", {**context, "form": form})

    form = CascadeForm.build(
        request.POST if request.method == "POST" else None,
        value_type=indicator.value_type,
        communes=open_communes,
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            rows = form.chosen()
            if rows:
                result = assignment_cascade(parent=assignment, rows=rows, author=request.user)
                messages.success(request, _cascaded_message(len(result.created), len(result.skipped)))
                return redirect("assignment_cascade", pk=assignment.pk)
            context["nothing_chosen"] = True
        return render(request, "indicators/assignment_cascade.html", {**context, "form": form}, status=422)
    return render(request, "indicators/assignment_cascade.html", {**context, "form": form})


def _cascaded_message(created: int, skipped: int) -> str:
    text = ngettext("Assigned to %(count)s commune.", "Assigned to %(count)s communes.", created) % {
        "count": created
    }
    if skipped:
        text += " " + ngettext(
            "%(count)s commune already had it and was left as it was.",
            "%(count)s communes already had it and were left as they were.",
            skipped,
        ) % {"count": skipped}
    return text


# --- Targets and milestones ---------------------------------------------------------------------


def _targets_context(
    request: AuthenticatedRequest, assignment: IndicatorAssignment, form: TargetsForm, **extra
) -> dict:
    rows = []
    for row in period_rows(assignment, form.days):
        field = form[form.milestone_name(row.day)]
        if row.on_line is not None:
            # An empty box follows the line: show where, as a hint that is not a value.
            field.field.widget.attrs["placeholder"] = decimal_text(row.on_line)
        rows.append((row, field))
    return {
        "assignment": assignment,
        "indicator": assignment.indicator,
        "form": form,
        "rows": rows,
        "history": target_history(assignment),
        "may_cascade": assignment.unit.kind == UnitKind.PROVINCE and _may_cascade(request.user, assignment),
        "children": assignment.children.filter(is_active=True).count(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def assignment_targets(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    if not may_set_targets(request.user, assignment):
        raise PermissionDenied
    template = "indicators/assignment_targets.html"
    milestones = set_milestones(assignment)
    form = TargetsForm(
        request.POST or None,
        assignment=assignment,
        period_ends=target_period_ends(assignment),
        set_milestones=milestones,
    )
    if request.method != "POST":
        return render(request, template, _targets_context(request, assignment, form))
    if not form.is_valid():
        return render(request, template, _targets_context(request, assignment, form), status=422)
    data = form.cleaned_data
    try:
        change = assignment_targets_update(
            assignment=assignment,
            expected_version=data["version"],
            author=request.user,
            reason=data["reason"],
            baseline_value=data["baseline_value"],
            baseline_date=data["baseline_date"],
            target_value=data["target_value"],
            target_date=data["target_date"],
            milestones=form.milestones(),
        )
    except StaleAssignmentVersion as conflict:
        # The user's input comes back as typed, on the current version, beside what changed.
        current = get_assignment_for_user(request.user, pk)
        posted = request.POST.copy()
        posted["version"] = str(conflict.current.version)
        fresh = TargetsForm(
            posted,
            assignment=current,
            period_ends=target_period_ends(current),
            set_milestones=set_milestones(current),
        )
        fresh.is_valid()
        context = _targets_context(
            request, current, fresh, conflict=target_history(current)[: len(conflict.since)]
        )
        return render(request, template, context, status=409)
    if change is None:
        messages.info(request, _("Nothing changed, so nothing was recorded."))
    else:
        messages.success(request, _("Targets saved (version %(version)s).") % {"version": change.version})
    return redirect("assignment_targets", pk=assignment.pk)
