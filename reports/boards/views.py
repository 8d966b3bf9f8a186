"""The leaders' dashboards: the nation, a province, a commune.

Each is a plain page whose URL carries every filter. With htmx, the filter form and the
commune table's sorting swap only their part, and the board refreshes itself on an
interval (within seconds while a change is waiting to be counted)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reports.boards.forms import BoardFilterForm, CommuneTableForm
from reports.boards.selectors.boards import commune_board, national_board, province_board
from reports.boards.selectors.figures import board_groups, board_plans, figure_days
from tasks_app.access import get_unit_for_dashboard, home_dashboard_unit, may_view_national, user_scope
from tasks_app.http import AuthenticatedRequest
from tasks_app.models import Unit, UnitKind, User
from tasks_app.params import report_ignored, valid_query
from tasks_app.selectors.greening import current_policy

PARTIALS = {"board", "communes"}
SORT_COLUMNS = [
    ("rank", gettext_lazy("Rank")),
    ("name", gettext_lazy("Commune")),
    ("rate", gettext_lazy("Rate")),
    ("overdue", gettext_lazy("Overdue")),
    ("behind", gettext_lazy("Behind")),
    ("updated", gettext_lazy("Last update")),
]


@login_required
@require_GET
def dashboard_home(request: AuthenticatedRequest) -> HttpResponse:
    """The widest board the user follows."""
    if may_view_national(request.user):
        return redirect("dashboard_national")
    unit = home_dashboard_unit(request.user)
    if unit is None:
        raise PermissionDenied(_("Your account is not a member of any unit yet."))
    name = "dashboard_province" if unit.kind == UnitKind.PROVINCE else "dashboard_commune"
    return redirect(name, pk=unit.pk)


@login_required
@require_GET
@never_cache
def national(request: AuthenticatedRequest) -> HttpResponse:
    if not may_view_national(request.user):
        raise PermissionDenied(_("The national dashboard is for the central steering committee's office."))
    form = _filter_form(request, unit=None)
    report_ignored(request, form)
    policy = current_policy()
    board = national_board(form.filters(), policy=policy)
    context = {
        "board": board,
        "form": form,
        "reason": board.reason,
    }
    return _render(request, "dashboards/national.html", context, board_pending=board.pending)


@login_required
@require_GET
@never_cache
def province(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_dashboard(request.user, pk, kind=UnitKind.PROVINCE)
    form = _filter_form(request, unit=unit)
    table_form = CommuneTableForm(request.GET)
    report_ignored(request, form, table_form)
    query = valid_query(form, table_form)
    policy = current_policy()
    board = province_board(unit, form.filters(), policy=policy, table=table_form.query())
    context = {
        "board": board,
        "form": form,
        "table_form": table_form,
        "query": query,
        "reason": board.reason,
        "sort_columns": SORT_COLUMNS,
        # The board's filters and the sort ride along when the table's own form is sent.
        "carried_params": [(k, v) for k, v in query.items() if k in ("plan", "group", "date", "sort")],
        "tasks_link": _unit_tasks_link(request.user, unit),
        "show_national_link": user_scope(request.user).nationwide,
    }
    return _render(request, "dashboards/province.html", context, board_pending=board.pending)


@login_required
@require_GET
@never_cache
def commune(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_dashboard(request.user, pk, kind=UnitKind.COMMUNE)
    form = _filter_form(request, unit=unit)
    report_ignored(request, form)
    policy = current_policy()
    board = commune_board(unit, form.filters(), policy=policy)
    scope = user_scope(request.user)
    context = {
        "board": board,
        "form": form,
        "reason": board.reason,
        "show_province_link": scope.nationwide or unit.province_id in scope.province_ids,
        "show_national_link": scope.nationwide,
        "tasks_link": _unit_tasks_link(request.user, unit),
    }
    return _render(request, "dashboards/commune.html", context, board_pending=board.pending)


def _unit_tasks_link(user: User, unit: Unit) -> str | None:
    """Where the user finds all of a unit's tasks: their own unit's are "my tasks"; a
    province's people filter by unit; nationwide viewers have no such list yet."""
    scope = user_scope(user)
    if unit.pk in scope.roles_by_unit:
        return reverse("my_tasks")
    if unit.province_id in scope.province_ids:
        return f"{reverse('my_tasks')}?unit={unit.pk}"
    return None


def _filter_form(request: AuthenticatedRequest, *, unit: Unit | None) -> BoardFilterForm:
    plans = list(board_plans(unit))
    chosen = request.GET.get("plan", "")
    plan = next((p for p in plans if str(p.pk) == chosen), None)
    # A bad value shows its error next to the field and is left out of the figures.
    return BoardFilterForm(request.GET, plans=plans, groups=list(board_groups(plan)), days=figure_days(unit))


def _render(
    request: AuthenticatedRequest, template: str, context: dict, *, board_pending: bool
) -> HttpResponse:
    """The whole page, or for htmx the part it asked for (the board, or the commune
    table); a request from the filter form also gets the form back, out of band, so its
    task groups follow the chosen plan."""
    # Links on the board (sorting, pages, drill-downs) carry only what the forms accepted.
    context.setdefault("query", valid_query(context["form"]))
    context["refresh_seconds"] = (
        settings.DASHBOARD_PENDING_REFRESH_SECONDS if board_pending else settings.DASHBOARD_REFRESH_SECONDS
    )
    if request.htmx and request.htmx.target in PARTIALS:
        context["oob_filters"] = request.htmx.trigger == "filters"
        return render(request, f"{template}#{request.htmx.target}", context)
    return render(request, template, context)
