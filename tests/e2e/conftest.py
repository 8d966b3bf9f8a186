"""Real-browser end-to-end tests: Debian's Chromium driven by Playwright against pytest-django's
live server, on a phone-sized viewport in Vietnamese.

Playwright cannot download its own browsers here, so it drives the system Chromium
(CHROMIUM_PATH, /usr/bin/chromium by default). Without it the tests are skipped, unless
NQ57_REQUIRE_BROWSER=1 (CI sets it), where a missing browser is a failure.
"""

import os
from pathlib import Path

import pytest
from django.db import connections

from tasks_app.models import Unit
from tests.conftest import reference_data_kept

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE_VIEWPORT = {"width": 360, "height": 740}


def _browser_unavailable(reason: str) -> None:
    message = f"{reason}; install it (apt-get install chromium) or point CHROMIUM_PATH at it"
    if os.environ.get("NQ57_REQUIRE_BROWSER") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="package", autouse=True)
def _reference_data_survives(django_db_setup, django_db_blocker):
    """Live-server tests commit, so each one ends with a flush of the whole database.

    Their serialized_rollback restores the snapshot taken in tests/conftest.py, but that
    snapshot includes the units only when REDIS_URL is set; take it here otherwise. After
    the last browser test, put the reference data (units, greening policy) back for the
    tests that follow.
    """
    with reference_data_kept(django_db_blocker):
        yield


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all the browser tests.

    Package-scoped rather than session-scoped: while Playwright's sync API is started, its
    asyncio loop counts as running in this thread, so it is stopped as soon as the
    browser tests are done rather than left running under the rest of the suite.
    """
    if not Path(CHROMIUM_PATH).is_file() or not os.access(CHROMIUM_PATH, os.X_OK):
        _browser_unavailable(f"Chromium not found at {CHROMIUM_PATH}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("the playwright package is not installed")

    # Playwright's sync API keeps its asyncio loop marked as running in this thread between
    # calls. Django then refuses ORM calls (SynchronousOnlyOperation): the tests stay
    # synchronous, so allow them, for the browser tests only. It also looks database
    # connections up per async context instead of per thread, which would hand the tests a
    # second connection without the serialized_rollback snapshot; keep the thread's own.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    own_connections = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as playwright:
            for alias, own in own_connections.items():
                connections[alias] = own
            # --no-sandbox: CI runs as root. --disable-dev-shm-usage: /dev/shm is small in containers.
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM_PATH, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A fresh page (own cookies and storage) on a phone, in Vietnamese, on Hanoi time."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def officer_task():
    """A commune officer of Nghệ An who can log in, and a task their commune leads.

    `officer_task(username, password, start_days_ago=, due_in_days=, **task_fields)`."""
    import datetime

    from tasks_app.clock import local_today
    from tasks_app.models import Membership, Plan, Role, Task, TaskStatus, UnitKind, User

    def make(username: str, password: str, *, start_days_ago: int, due_in_days: int, **fields) -> Task:
        commune = Unit.objects.filter(province__code="40", kind=UnitKind.COMMUNE).order_by("code").first()
        officer = User.objects.create_user(username, password=password, full_name="Hoàng Thị Lan")
        Membership.objects.create(user=officer, unit=commune, role=Role.COMMUNE_OFFICER)
        plan = Plan.objects.create(
            issuing_unit=commune.province,
            code="125/KH-UBND",
            title="Kế hoạch 2026",
            issue_date=datetime.date(2026, 1, 15),
        )
        today = local_today()
        defaults = {
            "responsible_name": "Trần Thanh Thắng",
            "approving_authority": "UBND tỉnh Nghệ An",
            "expected_product": "Biên bản bàn giao thiết bị",
            "status": TaskStatus.IN_PROGRESS,
        }
        return Task.objects.create(
            plan=plan,
            lead_unit=commune,
            start_date=today - datetime.timedelta(days=start_days_ago),
            deadline=today + datetime.timedelta(days=due_in_days),
            **{**defaults, **fields},
        )

    return make
