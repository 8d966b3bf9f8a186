"""Time the officials' pages ("my tasks" and the task page) through the whole Django stack,
on the seeded demo in a throwaway database, and measure what a first visit downloads.

The budget being measured: both pages render in under 100 ms of server time with the
national demo loaded, and so does a search typed with or without diacritics (in "my
tasks", and nationwide in the admin); the first load transfers under 100 KB; static
files are cached after.
"""

import gzip
import json
import tempfile
import time
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage, staticfiles_storage
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.utils.module_loading import import_string
from whitenoise.base import WhiteNoise
from whitenoise.middleware import WhiteNoiseMiddleware

from nq57.devtools.benchmarks.http import Page, client_for, get_ok, measure
from nq57.devtools.benchmarks.throwaway import throwaway_database
from nq57.devtools.demo.seed import seed_demo
from tasks_app.actions.greening import greening_recompute
from tasks_app.actions.units import default_source_path, read_unit_source, units_load
from tasks_app.clock import local_today
from tasks_app.models import GreeningSnapshot, Membership, Task

COMMUNE_USER = "xa.canbo"
PROVINCE_USER = "tinh.vanphong"
CENTRAL_USER = "tw.theodoi"
ADMIN_USER = "admin"
# The same words as officials type them on a phone, and as written.
SEARCHES = {"diacritics": "chuyển đổi số", "plain": "chuyen doi so"}
GZIP_LEVEL = 6


class Command(BaseCommand):
    help = (
        "Time 'My tasks' and the task page (p50/p95 server time, SQL queries, HTML size) on the "
        "seeded demo in a throwaway database, and add up what a first visit downloads."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--runs", type=int, default=30, help="Timed requests per page, after one warm-up request."
        )
        parser.add_argument(
            "--scale",
            choices=["national", "demo"],
            default="national",
            help="national: every province and commune (as in production); demo: three provinces.",
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="End with one JSON line of the figures."
        )

    def handle(self, *args, runs: int, scale: str, as_json: bool, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1")
        say = self.stdout.write
        today = local_today()
        say(f"Database: {connection.vendor}; building a throwaway copy…")
        with throwaway_database("bench_pages"):
            started = time.perf_counter()
            units_load(records=read_unit_source(default_source_path()))
            seed_demo(scale=scale, today=today, log=say)
            # seed_demo already computes today's snapshots; make sure they are there, as the
            # nightly job would have left them in production.
            if not GreeningSnapshot.objects.filter(on_date=today).exists():
                greening_recompute(on=today)
            tasks = Task.objects.count()
            say(f"Dataset ({scale}): {tasks:,} tasks in {time.perf_counter() - started:.1f} s")

            pages = _pages()
            results = {}
            for page in pages:
                results[page.name] = measure(page, runs)
                figures = results[page.name]
                say(
                    f"{page.name:<28} p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms"
                    f"  {figures['queries']:3d} queries ({figures['sql_p50_ms']:.0f} ms SQL)"
                    f"  {figures['bytes']:>8,} bytes  {page.path}"
                )
            first_load = _first_load(say)
        trivial = results.pop("trivial")
        report = {
            "database": connection.vendor,
            "scale": scale,
            "runs": runs,
            "tasks": tasks,
            "pages": results,
            "trivial": trivial,
            **first_load,
        }
        cache_control = _static_cache_control()
        if cache_control:
            report["static_cache_control"] = cache_control
            say(f"Hashed static files in production (WhiteNoise): Cache-Control: {cache_control}")
        if as_json:
            say(json.dumps(report))


# --- the pages -------------------------------------------------------------------------------


def _pages() -> list[Page]:
    commune_unit = _unit_of(COMMUNE_USER)
    province_unit = _unit_of(PROVINCE_USER)
    commune_task = (
        Task.objects.filter(lead_unit=commune_unit).annotate(n=Count("updates")).order_by("-n", "id").first()
    )
    parent_task = (
        Task.objects.filter(lead_unit=province_unit)
        .annotate(n=Count("children"))
        .order_by("-n", "id")
        .first()
    )
    if commune_task is None:
        raise CommandError(f"The demo commune {commune_unit} leads no task.")
    if parent_task is None or parent_task.n == 0:
        raise CommandError(f"The demo province {province_unit} has no task cascaded to communes.")
    return [
        Page("my_tasks_commune", COMMUNE_USER, "/tasks/"),
        Page("my_tasks_commune_filtered", COMMUNE_USER, "/tasks/?colour=red&due=30&q=s"),
        Page("my_tasks_province", PROVINCE_USER, "/tasks/"),
        Page("task_page_commune", COMMUNE_USER, f"/tasks/{commune_task.pk}/"),
        Page("task_page_province_parent", PROVINCE_USER, f"/tasks/{parent_task.pk}/"),
        *_search_pages(),
        Page("trivial", None, "/healthz"),
    ]


def _search_pages() -> list[Page]:
    """A search as typed, with and without diacritics: in "my tasks" for a commune officer
    and a central viewer, and over every task of the country in the admin."""
    pages = []
    for label, words in SEARCHES.items():
        query = urlencode({"q": words})
        pages += [
            Page(f"search_{label}_commune", COMMUNE_USER, f"/tasks/?{query}"),
            Page(f"search_{label}_central", CENTRAL_USER, f"/tasks/?{query}"),
            Page(f"search_{label}_admin_all", ADMIN_USER, f"/admin/tasks_app/task/?{query}"),
        ]
    return pages


def _unit_of(username: str):
    membership = Membership.objects.select_related("unit").filter(user__username=username).first()
    if membership is None:
        raise CommandError(f"The demo account {username!r} is missing.")
    return membership.unit


# --- the first visit ----------------------------------------------------------------------------


class _Assets(HTMLParser):
    """The stylesheets and scripts a page makes the browser fetch."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def _first_load(say) -> dict:
    """The login page, then 'My tasks' after logging in, with every stylesheet and script
    they link (each fetched once: the second page finds them in the browser's cache)."""
    anonymous = client_for(None)
    login_html = get_ok(anonymous, "/accounts/login/", "login").content
    tasks_html = get_ok(client_for(COMMUNE_USER), "/tasks/", "my_tasks_commune").content
    urls = list(dict.fromkeys(_asset_urls(login_html) + _asset_urls(tasks_html)))
    files = [("/accounts/login/", login_html), ("/tasks/", tasks_html)]
    files += [(url, _static_bytes(url)) for url in urls]
    raw = gzipped = 0
    for url, body in files:
        packed = len(gzip.compress(body, compresslevel=GZIP_LEVEL))
        raw += len(body)
        gzipped += packed
        say(f"  first load: {url:<40} {len(body):>8,} bytes, {packed:>7,} gzipped")
    say(f"First load (login, then My tasks): {raw:,} bytes, {gzipped:,} gzipped")
    return {"first_load_bytes": raw, "first_load_gzip_bytes": gzipped, "first_load_assets": urls}


def _asset_urls(html: bytes) -> list[str]:
    parser = _Assets()
    parser.feed(html.decode("utf-8"))
    return parser.urls


def _static_prefix() -> str:
    return "/" + urlsplit(settings.STATIC_URL).path.strip("/") + "/"


def _static_bytes(url: str) -> bytes:
    path = urlsplit(url).path
    if not path.startswith(_static_prefix()):
        raise CommandError(f"{url} is not under STATIC_URL ({settings.STATIC_URL})")
    name = path[len(_static_prefix()) :]
    found = finders.find(name)
    if not found and staticfiles_storage.exists(name):
        # With DEBUG off the pages link the hashed copies collectstatic wrote.
        found = staticfiles_storage.path(name)
    if not found:
        raise CommandError(f"No static file found for {url}")
    with open(found, "rb") as handle:
        return handle.read()


# --- caching of static files in production ------------------------------------------------------


class _ProductionWhiteNoise:
    """WhiteNoise's own cache-header logic, as its middleware runs it in production (DEBUG off,
    CompressedManifestStaticFilesStorage), with the manifest's hashed names computed from the
    files' contents instead of read from a collectstatic run."""

    FOREVER = WhiteNoise.FOREVER
    add_cache_headers = WhiteNoise.add_cache_headers
    immutable_file_test = WhiteNoiseMiddleware.immutable_file_test
    get_name_without_hash = WhiteNoiseMiddleware.get_name_without_hash

    def __init__(self, location: str):
        self.static_prefix = _static_prefix()
        self.max_age = getattr(settings, "WHITENOISE_MAX_AGE", 60)  # its default when DEBUG is off
        # An empty location: no manifest to read, names are hashed from the contents given.
        self.storage = ManifestStaticFilesStorage(location=location)

    def hashed_url(self, name: str) -> str:
        path = finders.find(name)
        if path is None:
            raise FileNotFoundError(name)
        with open(path, "rb") as handle:
            content = ContentFile(handle.read())
        return self.static_prefix + self.storage.hashed_name(name, content=content)

    def get_static_url(self, name: str) -> str | None:
        try:
            return self.hashed_url(name)
        except (TypeError, ValueError, OSError):
            return None


def _static_cache_control() -> str | None:
    """The Cache-Control WhiteNoise sends in production for the hashed name of the app's
    stylesheet; None if that cannot be worked out here."""
    if "whitenoise.middleware.WhiteNoiseMiddleware" not in settings.MIDDLEWARE:
        return None
    if getattr(settings, "WHITENOISE_IMMUTABLE_FILE_TEST", None) is not None:
        return None  # a custom test: not modelled here
    if not settings.DEBUG:
        # Running with production settings: check the storage really hashes names. (With
        # DEBUG on, settings pick plain storage; production's is the manifest one.)
        backend = settings.STORAGES["staticfiles"]["BACKEND"]
        if not issubclass(import_string(backend), ManifestStaticFilesStorage):
            return None
    headers: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as empty:
        try:
            server = _ProductionWhiteNoise(empty)
            url = server.hashed_url("css/app.css")
        except (TypeError, ValueError, OSError):
            return None
        server.add_cache_headers(headers, None, url)
    return headers.get("Cache-Control")
