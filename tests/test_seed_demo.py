import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from nq57.devtools.demo.seed import UNITS_WITHOUT_LOCAL_WORK
from tasks_app.indicators.access import may_decide_value, may_enter_value, values_to_decide
from tasks_app.indicators.rules import flags
from tasks_app.models import (
    Colour,
    CommitteeMember,
    FigureReason,
    GreeningSnapshot,
    Indicator,
    IndicatorAssignment,
    IndicatorFigure,
    IndicatorMilestone,
    IndicatorValue,
    Membership,
    Plan,
    Role,
    SteeringCommittee,
    Task,
    TaskGroup,
    TaskStatus,
    TaskUpdate,
    Unit,
    UnitKind,
    User,
    ValueEvent,
    ValueState,
)
from tasks_app.models.indicators import (
    Accumulation,
    Direction,
    IndicatorKind,
    TargetChange,
    ValueFlag,
    ValueType,
)
from tasks_app.passwords import DEMO_PASSWORD
from tasks_app.periods import period_containing
from tasks_app.selectors.greening import current_rules

TODAY = datetime.date(2026, 11, 21)
OPEN = [TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.AWAITING_APPROVAL]


@pytest.fixture(autouse=True)
def demo_mode(settings):
    settings.DEMO_MODE = True  # seed_demo sets the public demo password: the demo only


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--today", "21/11/2026", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """The demo takes 15-20 s to seed: seed it once for the module, inside a transaction that
    is rolled back at its end. Each test runs in a savepoint within it (pytest-django's `db`),
    so what one test changes (a rerun, a changed password) is gone before the next."""
    with django_db_blocker.unblock(), override_settings(DEMO_MODE=True):
        outer = transaction.atomic()
        outer.__enter__()
        output = seed()
        # Check the seed's deferred foreign keys now, outside any savepoint. Else PostgreSQL
        # checks them again in every test's teardown (2 s each): a check made inside a
        # savepoint that is rolled back is undone with it.
        connection.check_constraints()
    yield output
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def seeded(seeded_once, db) -> str:
    return seeded_once


def test_every_task_is_complete_by_6_ro(seeded):
    tasks = Task.objects.all()
    assert tasks.count() > 3000
    assert not tasks.filter(Q(expected_product="") | Q(approving_authority="")).exists()
    assert not tasks.filter(responsible_user__isnull=True, responsible_name="").exists()
    assert not tasks.filter(deadline__lt=F("start_date")).exists()


def test_each_demo_province_has_60_to_120_own_tasks(seeded):
    per_province = (
        Task.objects.filter(lead_unit__kind=UnitKind.PROVINCE)
        .values("lead_unit__name")
        .annotate(n=Count("id"))
    )
    counts = {row["lead_unit__name"]: row["n"] for row in per_province}
    assert set(counts) == {"Nghệ An", "Quảng Trị", "Thành phố Đà Nẵng"}
    assert all(60 <= n <= 120 for n in counts.values())
    assert counts["Nghệ An"] == 102


def test_cascaded_tasks_point_to_a_parent_of_their_province(seeded):
    commune_tasks = Task.objects.filter(lead_unit__kind=UnitKind.COMMUNE)
    assert commune_tasks.exists()
    assert not commune_tasks.filter(parent__isnull=True).exists()
    assert not commune_tasks.exclude(parent__lead_unit=F("lead_unit__province")).exists()
    # Every commune of a demo province received the cascade.
    for code in ("40", "44", "48"):
        communes = Unit.objects.filter(province__code=code, kind=UnitKind.COMMUNE)
        assert communes.exclude(led_tasks__isnull=False).count() == (1 if code == "48" else 0)
    assert not Task.objects.filter(lead_unit__code__in=UNITS_WITHOUT_LOCAL_WORK).exists()


def test_provinces_plans_implement_plan_02(seeded):
    plan_02 = Plan.objects.get(code="02-KH/BCĐTW")
    assert plan_02.implements.code == "57-NQ/TW"
    assert plan_02.phases.count() == 2 and plan_02.task_groups.count() == 8
    assert Plan.objects.filter(implements=plan_02, issuing_unit__kind=UnitKind.PROVINCE).count() == 3


def test_provinces_task_groups_implement_plan_02s_groups_by_number(seeded):
    plan_02 = Plan.objects.get(code="02-KH/BCĐTW")
    province_groups = TaskGroup.objects.filter(plan__implements=plan_02)
    assert province_groups.count() == 3 * 8
    assert not province_groups.exclude(implements__plan=plan_02, implements__number=F("number")).exists()


def test_every_state_appears(seeded):
    tasks = Task.objects.all()
    for status in TaskStatus.values:
        assert tasks.filter(status=status).exists(), status
    assert tasks.filter(status=TaskStatus.COMPLETED, completed_on__lte=F("deadline")).exists()
    assert tasks.filter(status=TaskStatus.COMPLETED, completed_on__gt=F("deadline")).exists()
    assert tasks.filter(status__in=OPEN, deadline__lt=TODAY).exists()  # overdue
    assert tasks.filter(status=TaskStatus.NOT_STARTED, start_date__lt=TODAY).exists()  # late start
    assert tasks.filter(status=TaskStatus.NOT_STARTED, start_date__gt=TODAY).exists()
    soon = TODAY + datetime.timedelta(days=25)
    assert tasks.filter(
        status=TaskStatus.IN_PROGRESS, deadline__range=(TODAY, soon), progress__lte=40
    ).exists()


def test_histories_lead_to_the_current_state(seeded):
    tasks = Task.objects.annotate(n=Count("updates"), last=Max("updates__version"))
    assert not tasks.exclude(n=F("version")).exists()
    assert not tasks.exclude(last=F("version")).exists()
    mismatched = TaskUpdate.objects.filter(version=F("task__version")).exclude(
        status_after=F("task__status"), progress_after=F("task__progress")
    )
    assert not mismatched.exists()
    assert not TaskUpdate.objects.filter(created_at__date__gt=TODAY + datetime.timedelta(days=1)).exists()
    assert TaskUpdate.objects.exclude(note="").count() == TaskUpdate.objects.count()
    assert not TaskUpdate.objects.filter(author__isnull=True).exists()


def test_there_is_one_account_per_role(seeded):
    for role in Role.values:
        members = Membership.objects.filter(
            role=role,
            user__username__in=[
                "admin",
                "tw.theodoi",
                "tinh.lanhdao",
                "tinh.vanphong",
                "xa.lanhdao",
                "xa.canbo",
            ],
        )
        assert members.count() == 1, role
    officer = User.objects.get(username="xa.canbo")
    leader = User.objects.get(username="xa.lanhdao")
    assert officer.memberships.get().unit == leader.memberships.get().unit
    assert officer.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="tinh.lanhdao").is_staff
    for username in ("admin", "xa.canbo", "tinh.lanhdao"):
        assert username in seeded
    assert DEMO_PASSWORD in seeded


def test_steering_committees_have_members(seeded):
    assert SteeringCommittee.objects.filter(unit__kind=UnitKind.PROVINCE).count() == 3
    committees = SteeringCommittee.objects.annotate(heads=Count("members", filter=Q(members__role="head")))
    assert not committees.exclude(heads=1).exists()
    assert CommitteeMember.objects.filter(user__username="xa.lanhdao").exists()


INDICATOR_MODELS = (
    Indicator,
    IndicatorAssignment,
    IndicatorMilestone,
    IndicatorValue,
    ValueEvent,
    IndicatorFigure,
)


def test_a_rerun_duplicates_nothing(seeded):
    counts = [
        m.objects.count()
        for m in (
            Task,
            TaskUpdate,
            Plan,
            User,
            Membership,
            SteeringCommittee,
            CommitteeMember,
            *INDICATOR_MODELS,
        )
    ]
    output = seed()
    assert [
        m.objects.count()
        for m in (
            Task,
            TaskUpdate,
            Plan,
            User,
            Membership,
            SteeringCommittee,
            CommitteeMember,
            *INDICATOR_MODELS,
        )
    ] == counts
    assert "3" in output and DEMO_PASSWORD in output


def test_real_passwords_have_no_default(db):
    user = User.objects.create_user("someone")
    assert not user.has_usable_password()


def test_the_demo_has_greening_snapshots_for_twelve_weeks(seeded):
    nation = Unit.objects.get(kind=UnitKind.CENTRAL)
    dates = list(
        GreeningSnapshot.objects.filter(unit=nation, scope="all")
        .order_by("on_date")
        .values_list("on_date", flat=True)
    )
    same_weekday = {TODAY - datetime.timedelta(weeks=n) for n in range(13)}
    last_sunday = TODAY - datetime.timedelta(days=TODAY.isoweekday() % 7)
    sundays = {last_sunday - datetime.timedelta(weeks=n) for n in range(13)}  # the weekly reports' days
    assert set(dates) == same_weekday | sundays and dates[-1] == TODAY
    nghe_an = GreeningSnapshot.objects.get(unit__code="40", scope="all", on_date=TODAY)
    assert nghe_an.children_counted > 100 and nghe_an.rank_among == 3


WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "REPLACE")


def test_a_rerun_that_changes_nothing_writes_nothing(seeded):
    """A rerun took minutes: it recomputed every stored date of figures (and rehashed the
    demo passwords) only to find nothing to change. Now it reads, sees, and stops."""
    with CaptureQueriesContext(connection) as queries:
        output = seed()
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []
    assert len(queries.captured_queries) < 100
    assert "được giữ nguyên" in output and DEMO_PASSWORD in output


def test_a_rerun_fills_only_the_dates_without_figures(seeded):
    nation = Unit.objects.get(kind=UnitKind.CENTRAL)
    GreeningSnapshot.objects.filter(on_date=TODAY).delete()
    stamps = dict(
        GreeningSnapshot.objects.filter(unit=nation, scope="all").values_list("on_date", "computed_at")
    )
    output = seed()
    assert "Tính xanh hóa cho 1 ngày (21/11/2026 → 21/11/2026)" in output
    assert GreeningSnapshot.objects.filter(unit=nation, scope="all", on_date=TODAY).exists()
    after = dict(
        GreeningSnapshot.objects.filter(unit=nation, scope="all")
        .exclude(on_date=TODAY)
        .values_list("on_date", "computed_at")
    )
    assert after == stamps


def test_a_rerun_keeps_a_demo_password_that_was_changed_and_sets_a_missing_one(seeded):
    officer = User.objects.get(username="xa.canbo")
    officer.set_password("Mat-khau-moi-2026")
    officer.save(update_fields=["password"])
    leader = User.objects.get(username="xa.lanhdao")
    leader.set_unusable_password()
    leader.save(update_fields=["password"])
    seed()
    officer.refresh_from_db()
    leader.refresh_from_db()
    assert officer.check_password("Mat-khau-moi-2026")
    assert leader.check_password(DEMO_PASSWORD)


def test_communes_copies_are_assigned_by_the_province_office_and_reported_by_the_commune(seeded):
    copies = Task.objects.filter(lead_unit__kind=UnitKind.COMMUNE)
    assigned_by_province = Q(created_by__memberships__unit=F("parent__lead_unit"))
    assert not copies.exclude(assigned_by_province).exists()
    created = TaskUpdate.objects.filter(task__in=copies, kind="created")
    assert not created.exclude(author=F("task__created_by")).exists()
    # Their progress reports are by the commune's own people: the commune's last update.
    reported = TaskUpdate.objects.filter(task__in=copies, kind="progress")
    assert not reported.exclude(author__memberships__unit=F("task__lead_unit")).exists()
    assert copies.filter(last_own_update_at__isnull=False).exists()
    assert not copies.filter(updates__kind="progress").filter(last_own_update_at__isnull=True).exists()


# --- Indicators (issue 19, point 7) ------------------------------------------------------------


def test_each_demo_province_adopts_a_dozen_indicators_of_every_kind(seeded):
    for code in ("40", "44", "48"):
        own = Indicator.objects.filter(owner_unit__code=code, owner_unit__kind=UnitKind.PROVINCE)
        assert 10 <= own.count() <= 15
        assert set(own.values_list("value_type", flat=True)) == set(ValueType.values)
        assert set(own.values_list("accumulation", flat=True)) == set(Accumulation.values)
        assert set(own.values_list("kind", flat=True)) == set(IndicatorKind.values)
        assert set(own.values_list("periodicity", flat=True)) == {"monthly", "quarterly", "yearly"}
        assert own.filter(direction=Direction.LOWER).exists()
        assert own.filter(evidence_required=True).exists() and own.filter(natural_max__isnull=False).exists()
        assert not own.exclude(plan__issuing_unit__code=code).exists()
        assert not own.filter(task_group__isnull=True).exists()
    central = Indicator.objects.filter(owner_unit__kind=UnitKind.CENTRAL)
    assert 2 <= central.count() <= 3
    for indicator in central:
        provinces = indicator.assignments.filter(unit__kind=UnitKind.PROVINCE, rolls_up=False)
        assert set(provinces.values_list("unit__code", flat=True)) == {"40", "44", "48"}


def test_province_indicators_cascade_to_every_commune_with_their_own_targets(seeded):
    for province in Unit.objects.filter(code__in=["40", "44", "48"], kind=UnitKind.PROVINCE):
        communes = Unit.objects.filter(province=province, kind=UnitKind.COMMUNE).exclude(
            code__in=UNITS_WITHOUT_LOCAL_WORK
        )
        rolled = IndicatorAssignment.objects.filter(unit=province, rolls_up=True)
        assert rolled.count() >= 6
        for parent in rolled:
            kids = parent.children.all()
            assert kids.count() == communes.count()
            assert (
                not kids.exclude(unit__province=province).exists() and not kids.filter(rolls_up=True).exists()
            )
        entered = IndicatorAssignment.objects.filter(
            unit=province, rolls_up=False, indicator__owner_unit=province, parent__isnull=True
        )
        assert 2 <= entered.count() <= 3
    # Some communes' targets differ from their neighbours' (wards, villages, size).
    ct01 = IndicatorAssignment.objects.filter(indicator__code="CT-01", unit__kind=UnitKind.COMMUNE)
    assert ct01.values("target_value").distinct().count() > 1
    assert IndicatorMilestone.objects.exists() and TargetChange.objects.exists()
    # Nghệ An's public target: 50,000 digital signatures, shared among its communes.
    signatures = IndicatorAssignment.objects.get(indicator__code="CT-06", unit__code="40", rolls_up=True)
    assert signatures.target_value == 50_000
    assert sum(signatures.children.values_list("target_value", flat=True)) == 50_000


def test_indicators_show_every_colour_and_every_state(seeded):
    figures = IndicatorFigure.objects.all()
    assert set(figures.values_list("colour", flat=True)) == set(Colour.values)
    assert figures.filter(colour=Colour.RED, reason=FigureReason.MISSING).exists()  # no value after due
    assert figures.filter(colour=Colour.RED, reason=FigureReason.PROGRESS).exists()
    assert figures.filter(colour=Colour.NONE, reason=FigureReason.NOT_DUE).exists()
    assert figures.filter(colour=Colour.NONE, reason=FigureReason.BEFORE_DEADLINE).exists()
    values = IndicatorValue.objects.all()
    assert set(values.values_list("state", flat=True)) == set(ValueState.values)
    assert not values.filter(state=ValueState.RETURNED, return_reason="").exists()
    kinds = set(ValueEvent.objects.values_list("kind", flat=True))
    assert {"created", "submitted", "approved", "returned", "reopened", "edited"} <= kinds
    reopened = ValueEvent.objects.filter(kind="reopened")
    assert not reopened.filter(reason="").exists()
    flagged = {flag for row in values.exclude(flags=[]).values_list("flags", flat=True) for flag in row}
    assert flagged == set(ValueFlag.values)
    went_down = [v for v in values if ValueFlag.WENT_DOWN in v.flags]
    assert went_down and all(v.note for v in went_down)


def test_flags_are_the_rules_own(seeded):
    rules = current_rules()
    by_assignment: dict[int, list[IndicatorValue]] = {}
    for value in IndicatorValue.objects.select_related("assignment__indicator").order_by("period_end"):
        by_assignment.setdefault(value.assignment_id, []).append(value)
    checked = 0
    for rows in by_assignment.values():
        indicator = rows[0].assignment.indicator
        for index, value in enumerate(rows):
            before = rows[index - 1] if index else None
            previous = before.value if before and before.period_end == _period_before(value) else None
            expected = flags(
                value=value.value,
                accumulation=indicator.accumulation,
                natural_min=indicator.natural_min,
                natural_max=indicator.natural_max,
                previous=previous,
                rules=rules,
            )
            assert value.flags == expected, (indicator.code, value.period_end)
            checked += 1
    assert checked > 10_000


def _period_before(value: IndicatorValue) -> datetime.date:
    periodicity = value.assignment.indicator.periodicity
    return period_containing(periodicity, value.period_end).previous().end


def test_histories_of_values_lead_to_their_state_and_name_the_personas(seeded):
    values = IndicatorValue.objects.annotate(n=Count("events"), last=Max("events__version"))
    assert not values.exclude(n=F("version")).exists() and not values.exclude(last=F("version")).exists()
    last = ValueEvent.objects.filter(version=F("value__version"))
    assert not last.exclude(state_after=F("value__state")).exists()
    assert not ValueEvent.objects.filter(created_at__date__gt=TODAY + datetime.timedelta(days=1)).exists()
    officer, leader = User.objects.get(username="xa.canbo"), User.objects.get(username="tinh.lanhdao")
    commune = officer.memberships.get().unit
    mine = ValueEvent.objects.filter(value__assignment__unit=commune)
    assert set(mine.filter(kind__in=["created", "submitted", "edited"]).values_list("author", flat=True)) == {
        officer.pk
    }
    assert set(
        mine.filter(kind__in=["approved", "returned", "reopened"]).values_list("author", flat=True)
    ) == {leader.pk}
    # A value that needs evidence was submitted with a file.
    submitted = ValueEvent.objects.filter(
        kind="submitted", value__assignment__indicator__evidence_required=True
    )
    assert submitted.exists() and not submitted.filter(evidence__isnull=True).exists()


def test_the_commune_officer_has_a_period_to_enter_now(seeded):
    officer = User.objects.get(username="xa.canbo")
    commune = officer.memberships.get().unit
    open_now = []
    for assignment in IndicatorAssignment.objects.filter(unit=commune).select_related("indicator", "unit"):
        assert may_enter_value(officer, assignment)
        period = period_containing(assignment.indicator.periodicity, TODAY)
        value = assignment.values.filter(period_end=period.end).first()
        if value is None or value.state in (ValueState.DRAFT, ValueState.RETURNED):
            open_now.append(assignment.indicator.code)
    assert len(open_now) >= 5
    assert IndicatorValue.objects.filter(assignment__unit=commune, state=ValueState.DRAFT).exists()


def test_the_province_leader_has_values_of_their_communes_to_approve(seeded):
    leader = User.objects.get(username="tinh.lanhdao")
    queue = values_to_decide(leader)
    assert queue.count() >= 5
    assert not queue.exclude(
        assignment__unit__province__code="40", assignment__unit__kind=UnitKind.COMMUNE
    ).exists()
    assert queue.exclude(flags=[]).exists()  # flagged ones among them, to look at twice
    assert all(
        may_decide_value(leader, value.assignment) for value in queue.select_related("assignment__unit")
    )


def test_figures_exist_for_every_assignment(seeded):
    assert not IndicatorAssignment.objects.filter(figures__isnull=True).exists()
    latest = period_containing("monthly", TODAY).previous()
    rolled = IndicatorFigure.objects.get(
        assignment__indicator__code="CT-01", assignment__unit__code="40", period_end=latest.end
    )
    assert 0 < rolled.children_counted < rolled.children_total
    assert rolled.value is not None and rolled.colour != Colour.NONE
