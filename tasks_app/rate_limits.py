"""Per-user limits on work that costs the server seconds (a report's rendering, its
Excel tables). One counter per user and minute in the shared cache (Redis in
production): `cache.add` creates it, `cache.incr` counts atomically, so two requests at
once cannot both slip under the limit. The window is the clock minute: at most twice
the limit can pass around a minute's turn, which is enough to stop a script asking for
every week of every unit. (Without Redis the demo's file cache counts less strictly.)"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

REPORT_WORK = "report-work"
# Downloads have their own budget: a person who has just asked for six reports can still
# download the ones that are ready, and is told the right reason when they download a lot.
EXCEL_DOWNLOADS = "excel-downloads"


class TooManyRequests(Exception):
    """The user asked for more than their share this minute: nothing was done."""

    message = _("You have asked for many reports in the last minute. Wait a minute, then ask again.")


class TooManyDownloads(TooManyRequests):
    message = _(
        "You have downloaded many Excel files in the last minute. Wait a minute, then download again."
    )


def spend_report_work(user) -> None:
    """Count one report render for `user`; raise TooManyRequests, having counted nothing
    useful, once they are over REPORT_REQUESTS_PER_MINUTE."""
    _spend(REPORT_WORK, user.pk, settings.REPORT_REQUESTS_PER_MINUTE, TooManyRequests)


def spend_excel_download(user) -> None:
    """Count one Excel download (its tables are computed afresh: seconds for a province);
    raise TooManyDownloads over EXCEL_DOWNLOADS_PER_MINUTE."""
    _spend(EXCEL_DOWNLOADS, user.pk, settings.EXCEL_DOWNLOADS_PER_MINUTE, TooManyDownloads)


def current_minute() -> int:
    return int(time.time() // 60)


def _spend(bucket: str, user_id: int, per_minute: int, refusal: type[TooManyRequests]) -> None:
    key = f"rate:{bucket}:{user_id}:{current_minute()}"
    try:
        count = _count(key)
    except Exception:  # whatever the cache backend raises: Redis is down or frozen
        # Fail open: these limits stop one person from hogging the workers, not an attack
        # on the data, and while Redis is down no job reaches a worker anyway. Refusing every
        # report because the counter is unavailable would turn a cache fault into an outage.
        log.warning("Rate limit %s not counted (cache unavailable); allowed.", bucket, exc_info=True)
        return
    if count > per_minute:
        raise refusal


def _count(key: str) -> int:
    cache.add(key, 0, timeout=120)  # outlives its minute a little; never reset by a retry
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr: count this one as the first
        cache.set(key, 1, timeout=120)
        return 1
