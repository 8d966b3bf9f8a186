import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tasks_app.actions.greening import greening_backfill, greening_recompute
from tasks_app.clock import local_today, parse_day


class Command(BaseCommand):
    help = "Recompute greening snapshots for today, one date, or a range of past dates (backfill)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="One date, dd/mm/yyyy (default: today).")
        parser.add_argument("--from", dest="start", help="First date of a backfill, dd/mm/yyyy.")
        parser.add_argument("--to", dest="end", help="Last date of a backfill, dd/mm/yyyy (default: today).")

    def handle(self, *args, date: str | None, start: str | None, end: str | None, **options):
        if date and (start or end):
            raise CommandError(_("Give either --date or --from/--to, not both."))
        started = time.monotonic()
        if start:
            first, last = _day(start, "--from"), _day(end, "--to") if end else local_today()
            if first > last:
                raise CommandError(_("--from must not be after --to."))
            results = greening_backfill(start=first, end=last)
        elif end:
            raise CommandError(_("--to needs --from."))
        else:
            results = [greening_recompute(on=_day(date, "--date") if date else None)]
        for result in results:
            self.stdout.write(
                _("%(date)s: %(written)d rows written, %(removed)d removed")
                % {
                    "date": result.on_date.strftime("%d/%m/%Y"),
                    "written": result.rows_written,
                    "removed": result.rows_removed,
                }
            )
        self.stdout.write(_("Done in %(s).1f s.") % {"s": time.monotonic() - started})


def _day(raw: str, option: str) -> datetime.date:
    try:
        return parse_day(raw)
    except ValueError:
        raise CommandError(
            _("%(option)s must be a date such as 21/11/2026; got %(raw)r") % {"option": option, "raw": raw}
        ) from None
