import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from nq57.devtools.demo.seed import seed_demo
from tasks_app.clock import parse_day
from tasks_app.passwords import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Build a believable Vietnamese demo: plans, tasks cascaded to communes, histories, accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["demo", "national"],
            default="demo",
            help="demo: three provinces; national: every province and commune.",
        )
        parser.add_argument(
            "--today",
            help="Reference day for the fabricated dates, dd/mm/yyyy or yyyy-mm-dd (default: today).",
        )

    def handle(self, *args, scale: str, today: str | None, **options):
        if not settings.DEMO_MODE:
            # Its accounts get the public demo password, which only the demo may have.
            raise CommandError(
                _(
                    "seed_demo gives its accounts the public demo password, so it runs only "
                    "for a demo: set DEMO_MODE=1 (make demo does)."
                )
            )
        reference = _parse_day(today) if today else timezone.localdate()
        started = time.monotonic()
        report = seed_demo(scale=scale, today=reference, log=self.stdout.write)
        elapsed = time.monotonic() - started

        if report.provinces_created:
            self.stdout.write(
                _("Seeded %(n)d provinces: %(tasks)d tasks, %(updates)d updates in %(s).1f s.")
                % {
                    "n": len(report.provinces_created),
                    "tasks": report.tasks,
                    "updates": report.updates,
                    "s": elapsed,
                }
            )
        if report.provinces_skipped:
            self.stdout.write(
                _("%(n)d provinces already had demo data and were left as they were.")
                % {"n": len(report.provinces_skipped)}
            )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Demo accounts (password: %(pw)s)") % {"pw": DEMO_PASSWORD}))
        for username, role, unit in report.accounts:
            self.stdout.write(f"  {username:<15} {DEMO_PASSWORD:<11} {role} · {unit}")


def _parse_day(raw: str) -> datetime.date:
    try:
        return parse_day(raw)
    except ValueError:
        raise CommandError(
            _("--today must be a date such as 21/11/2026; got %(raw)r") % {"raw": raw}
        ) from None
