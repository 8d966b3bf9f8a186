"""Time the indicator recompute at national scale (34 provinces × N indicators cascaded to
all 3,321 communes, twelve monthly periods of values in mixed states), the refresh after
one commune's value, the greening recompute with indicators weighed in, and the pages
that show indicators, beside a trivial page; in a throwaway database unless told to keep
the current (benchmark) one.

The last line with --json is one object of the figures.
"""

import datetime
import json
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import NoReverseMatch, reverse

from nq57.devtools.benchmarks.http import Page, measure
from nq57.devtools.benchmarks.indicators import bench_periods, build_indicators, has_dataset
from nq57.devtools.benchmarks.throwaway import throwaway_database
from tasks_app.actions.greening import greening_policy_update, greening_recompute
from tasks_app.actions.units import default_source_path, read_unit_source, units_load
from tasks_app.clock import local_today
from tasks_app.greening.rules import Rules
from tasks_app.indicators.figures import refresh_figures
from tasks_app.indicators.recompute import latest_due_period, open_periods, recompute_figures
from tasks_app.models import (
    GreeningPolicy,
    IndicatorAssignment,
    IndicatorFigure,
    IndicatorValue,
    Membership,
    Role,
    Unit,
    UnitKind,
    User,
    ValueState,
)
from tasks_app.periods import Periodicity

PROVINCE_USER = "bench.tinh.chitieu"
INDICATOR_WEIGHT = 30  # for the greening recompute measured with indicators weighed in

Say = Callable[[str], None]


class Command(BaseCommand):
    help = (
        "Time the indicator recompute (every period, and the nightly subset), the refresh after "
        "one value, the greening recompute with indicators, and the province board and approval "
        "queue, on a national-shaped indicator dataset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--indicators", type=int, default=30, help="Indicators per province.")
        parser.add_argument("--provinces", type=int, default=None, help="Only the first N provinces.")
        parser.add_argument("--runs", type=int, default=5, help="Runs per measurement (median).")
        parser.add_argument("--page-runs", type=int, default=20, help="Timed requests per page.")
        parser.add_argument(
            "--keep-database",
            action="store_true",
            help="Use the configured database (its name must contain 'bench'), building the "
            "dataset only if it is not there yet, instead of a throwaway copy.",
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="End with one JSON line of the figures."
        )

    def handle(self, *args, indicators: int, provinces: int | None, runs: int, page_runs: int, **options):
        if runs < 1 or page_runs < 1 or indicators < 1:
            raise CommandError("--runs, --page-runs and --indicators must be at least 1")
        say: Say = self.stdout.write
        say(f"Database: {connection.vendor}")
        if options["keep_database"]:
            if "bench" not in str(connection.settings_dict["NAME"]):
                raise CommandError("--keep-database needs a database whose name contains 'bench'.")
            figures = self._run(indicators, provinces, runs, page_runs, say)
        else:
            say("Building a throwaway copy…")
            with throwaway_database("bench_indicators"):
                figures = self._run(indicators, provinces, runs, page_runs, say)
        if options["as_json"]:
            say(json.dumps(figures))

    def _run(self, indicators: int, provinces: int | None, runs: int, page_runs: int, say: Say) -> dict:
        today = local_today()
        if not Unit.objects.filter(kind=UnitKind.COMMUNE).exists():
            units_load(records=read_unit_source(default_source_path()))
        started = time.perf_counter()
        if has_dataset():
            say("Dataset: already there, reused")
        else:
            assignments, values = build_indicators(
                today=today, per_province=indicators, provinces=provinces, log=say
            )
            say(
                f"Dataset: {assignments:,} assignments, {values:,} values"
                f" in {time.perf_counter() - started:.1f} s"
            )
        rules = Rules.from_policy(GreeningPolicy.objects.get())
        assignments = IndicatorAssignment.objects.count()
        values = IndicatorValue.objects.count()

        # The day the latest closed period fell due, and the day after, when its missing
        # values turn red: what a nightly run finds to do.
        due_day = latest_due_period(Periodicity.MONTHLY, on=today, rules=rules).due_date(
            rules.indicator_due_working_days
        )
        day_after = due_day + datetime.timedelta(days=1)
        IndicatorFigure.objects.all().delete()  # a reused dataset: start from no figures
        started = time.perf_counter()
        first = recompute_figures(rules=rules, today=due_day)
        first_s = time.perf_counter() - started
        figures = IndicatorFigure.objects.count()
        say(f"First recompute (writes all {figures:,} figures, {first.periods} periods): {first_s:.2f} s")
        _analyze()

        unchanged = _median(runs, lambda: recompute_figures(rules=rules, today=due_day))
        say(f"Full recompute, nothing changed: median {unchanged:.3f} s")
        subset = open_periods(today=day_after, rules=rules)
        subset_unchanged = _median(
            runs,
            lambda: recompute_figures(
                rules=rules, today=due_day, periods=open_periods(today=due_day, rules=rules)
            ),
        )
        say(
            f"Nightly subset ({len(subset)} periods of all periodicities), nothing changed:"
            f" {subset_unchanged:.3f} s"
        )

        flipped: list[int] = []

        def full_next_day():
            flipped.append(recompute_figures(rules=rules, today=day_after).written)

        def subset_next_day():
            flipped.append(recompute_figures(rules=rules, today=day_after, periods=subset).written)

        full_day = _median_after(runs, full_next_day, lambda: recompute_figures(rules=rules, today=due_day))
        say(
            f"Full recompute the night after a due date ({flipped[-1]:,} figures change):"
            f" median {full_day:.3f} s"
        )
        subset_day = _median_after(
            runs, subset_next_day, lambda: recompute_figures(rules=rules, today=due_day)
        )
        say(f"Nightly subset the night after a due date ({flipped[-1]:,} changes): median {subset_day:.3f} s")
        recompute_figures(rules=rules, today=today)

        incremental = _incremental(runs, rules, today)
        say(
            f"Refresh after one commune's value (its figures and its province's): median {incremental:.1f} ms"
        )

        greening_policy_update(
            values={"indicator_weight": INDICATOR_WEIGHT}, bands=list(rules.bands), author=None
        )
        greening_recompute(on=today)
        _analyze()
        greening_s = _median(runs, lambda: greening_recompute(on=today))
        say(f"Greening recompute with indicators weighed {INDICATOR_WEIGHT}%: median {greening_s:.3f} s")

        pages = _pages(say)
        result: dict = {
            "assignments": assignments,
            "values": values,
            "figures": IndicatorFigure.objects.count(),
            "first_recompute_s": round(first_s, 3),
            "recompute_all_unchanged_s": round(unchanged, 4),
            "recompute_all_next_day_s": round(full_day, 4),
            "recompute_open_unchanged_s": round(subset_unchanged, 4),
            "recompute_open_next_day_s": round(subset_day, 4),
            "open_periods": len(subset),
            "next_day_changes": flipped[-1] if flipped else 0,
            "incremental_ms": round(incremental, 1),
            "greening_recompute_with_indicators_s": round(greening_s, 4),
        }
        for name, page in pages.items():
            if page is None:
                result[name] = None
                continue
            figures_ = measure(page, page_runs)
            result[name] = {
                "p50_ms": figures_["p50_ms"],
                "p95_ms": figures_["p95_ms"],
                "queries": figures_["queries"],
            }
            say(f"{name:<16} p50 {figures_['p50_ms']:7.1f} ms  p95 {figures_['p95_ms']:7.1f} ms  {page.path}")
        return result


def _analyze() -> None:
    """Statistics for the planner, and the figures' visibility map, as autovacuum leaves
    them in a while after a recompute: the boards read the figures from the index alone
    only where the table's pages are marked all-visible."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {IndicatorFigure._meta.db_table}")
            cursor.execute("ANALYZE")


def _median(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _median_after(runs: int, work, reset) -> float:
    """The median time of `work`, each run after an untimed `reset`."""
    times = []
    for _ in range(runs):
        reset()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _incremental(runs: int, rules: Rules, today: datetime.date) -> float:
    """A commune's value for the latest closed period changes (as the value actions save
    it) and refresh_figures rewrites its figures and its province's roll-up."""
    period = bench_periods(today)[-2]
    rows = IndicatorValue.objects.filter(
        period_end=period.end,
        state=ValueState.APPROVED,
        assignment__parent__isnull=False,
        value__isnull=False,
    ).order_by("id")[:runs]
    times = []
    for row in rows:
        row.value = (row.value or Decimal(0)) + 1
        if row.numerator is not None and row.denominator is not None:
            row.numerator = min(row.numerator + 1, row.denominator)
            row.value = row.numerator * 100 / row.denominator
        row.save(update_fields=["value", "numerator"])
        started = time.perf_counter()
        refresh_figures(assignment_ids=[row.assignment_id], rules=rules, today=today)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times) if times else 0.0


def _pages(say: Say) -> dict[str, Page | None]:
    """The province board (with its indicator section when there is one), the approval
    queue (when the page exists), and a trivial page for scale."""
    province = (
        Unit.objects.filter(kind=UnitKind.PROVINCE, indicator_assignments__isnull=False)
        .order_by("code")
        .first()
    )
    if province is None:
        raise CommandError("No province has indicators.")
    user = User.objects.filter(username=PROVINCE_USER).first()
    if user is None:
        user = User.objects.create_user(PROVINCE_USER, full_name="Benchmark lãnh đạo tỉnh")
        Membership.objects.create(user=user, unit=province, role=Role.PROVINCE_LEADER)
    pages: dict[str, Page | None] = {
        "province_board": Page("province_board", PROVINCE_USER, f"/dashboard/province/{province.pk}/")
    }
    try:
        pages["approval_queue"] = Page("approval_queue", PROVINCE_USER, reverse("indicator_approvals"))
    except NoReverseMatch:
        say("approval_queue: the page indicator_approvals does not exist here yet: not measured")
        pages["approval_queue"] = None
    pages["trivial"] = Page("trivial", None, "/healthz")
    return pages
