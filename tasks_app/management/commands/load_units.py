from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tasks_app.actions.units import (
    UnitSourceError,
    default_source_path,
    read_unit_source,
    units_load,
)


class Command(BaseCommand):
    help = "Load the official provinces and communes (vietnam-provinces 2025.10.1)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            type=Path,
            help="A nested-divisions JSON file in the vietnam-provinces format "
            "(default: the one the installed package ships).",
        )

    def handle(self, *args, source: Path | None = None, **options):
        try:
            records = read_unit_source(source or default_source_path())
        except UnitSourceError as exc:
            raise CommandError(
                _("Units were not loaded, nothing was written. %(reason)s") % {"reason": exc}
            ) from exc
        result = units_load(records=records)

        if result.changed:
            self.stdout.write(
                _("Created %(created)d, updated %(updated)d, deactivated %(deactivated)d units.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "deactivated": result.deactivated,
                }
            )
        else:
            self.stdout.write(_("Units are already up to date: nothing changed."))

        c = result.counts
        provinces = c["province:tinh"] + c["province:thanh_pho"]
        communes = c["commune:xa"] + c["commune:phuong"] + c["commune:dac_khu"]
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(provinces)d provinces (%(tinh)d tỉnh, %(tp)d thành phố) and %(communes)d "
                    "communes (%(xa)d xã, %(phuong)d phường, %(dac_khu)d đặc khu); "
                    "%(agencies)d central ministries and agencies."
                )
                % {
                    "provinces": provinces,
                    "tinh": c["province:tinh"],
                    "tp": c["province:thanh_pho"],
                    "communes": communes,
                    "xa": c["commune:xa"],
                    "phuong": c["commune:phuong"],
                    "dac_khu": c["commune:dac_khu"],
                    "agencies": c["ministry:"],
                }
            )
        )
