"""The dashboards in a real browser: screenshots of every board on a 360 px phone and a
1280 px laptop (kept for CI) with nothing wider than the screen and no chart text under
11 px, the main pages on a phone, the htmx sorting that swaps only the table, the refresh
that keeps the URL's filters, and axe's WCAG AA checks on a phone."""

import datetime
import os
import tempfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from reports.models import Report, ReportKind, ReportStatus, Week
from tasks_app.actions.greening import greening_recompute
from tasks_app.actions.tasks import task_cascade
from tasks_app.clock import local_today
from tasks_app.models import Membership, Plan, Role, Task, TaskStatus, Unit, UnitKind, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SCREENSHOTS = Path(os.environ.get("NQ57_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "nq57-screenshots")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}

# Everything laid out past the right edge of the screen, and the smallest chart text as
# drawn (its computed font size times the scale its svg is drawn at). Charts hidden by
# the page (the other drawing of a two-width chart) are skipped.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const wider = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5) {
      wider.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(box.right)}`);
    }
  }
  let smallest = null, smallestText = '';
  for (const text of document.querySelectorAll('svg text')) {
    const svg = text.ownerSVGElement, drawn = svg.getBoundingClientRect().width;
    if (!drawn) continue;
    const size = parseFloat(getComputedStyle(text).fontSize) * drawn / svg.viewBox.baseVal.width;
    if (smallest === null || size < smallest) { smallest = size; smallestText = text.textContent; }
  }
  // A table in a scroller (.table-wrap) stays inside the screen's box while its columns
  // scroll out of sight: it must fit the box it is in.
  for (const table of document.querySelectorAll('table')) {
    const box = table.parentElement;
    if (table.offsetParent !== null && table.scrollWidth > box.clientWidth + 0.5) {
      wider.push(`table.${table.className} ${table.scrollWidth}px in ${box.clientWidth}px`);
    }
  }
  const scrollWidth = document.documentElement.scrollWidth;
  return {scrollWidth, width, wider: wider.slice(0, 5), smallest, smallestText};
}"""


@pytest.fixture
def boards():
    """Tasks in three communes of Nghệ An and one of Quảng Trị, with figures for today
    and the week before; a central viewer and a Nghệ An leader who can log in."""
    today = local_today()
    nghe_an = Unit.objects.get(code="40")
    quang_tri = Unit.objects.get(code="44")
    communes = list(Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[:3])
    far = Unit.objects.filter(province=quang_tri, kind=UnitKind.COMMUNE).order_by("code").first()
    plans = {
        province: Plan.objects.create(
            issuing_unit=province, code=f"{province.code}/KH", title="Kế hoạch 2026", issue_date=today
        )
        for province in (nghe_an, quang_tri)
    }
    specs = [  # (unit, days since start, days to deadline, progress)
        (communes[0], 90, -20, 30),  # overdue
        (communes[0], 10, 200, 10),
        (communes[1], 10, 200, 10),
        (communes[2], 100, 3, 10),  # behind, due in 3 days
        (far, 10, 100, 10),
        (nghe_an, 10, 100, 10),
    ]
    for number, (unit, started, due, progress) in enumerate(specs):
        Task.objects.create(
            plan=plans[nghe_an if unit.province_id == nghe_an.pk else quang_tri],
            code=f"E2E-{number}",
            title="Triển khai nền tảng số cấp xã",
            lead_unit=unit,
            responsible_name="Lê Văn Hùng",
            approving_authority="UBND tỉnh",
            start_date=today - datetime.timedelta(days=started),
            deadline=today + datetime.timedelta(days=due),
            expected_product="Báo cáo",
            status=TaskStatus.IN_PROGRESS,
            progress=progress,
        )
    greening_recompute(on=today - datetime.timedelta(weeks=1))
    greening_recompute(on=today)
    viewer = User.objects.create_user("tw.e2e", password="mat-khau-tw", full_name="Trần Minh Đức")
    Membership.objects.create(
        user=viewer, unit=Unit.objects.get(kind=UnitKind.CENTRAL), role=Role.CENTRAL_VIEWER
    )
    leader = User.objects.create_user("tinh.e2e", password="mat-khau-tinh", full_name="Phạm Thu Hà")
    Membership.objects.create(user=leader, unit=nghe_an, role=Role.PROVINCE_LEADER)
    return {"nghe_an": nghe_an, "communes": communes}


def _log_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # each role's own start page


def _screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def _assert_fits(page, name: str, *, charts: bool = True) -> None:
    found = page.evaluate(MEASURE)
    assert found["scrollWidth"] <= found["width"], f"{name} scrolls sideways: {found}"
    assert found["wider"] == [], f"{name}: wider than the screen: {found['wider']}"
    if charts:
        assert found["smallest"] is not None, f"{name}: no chart drawn"
        smallest, text = found["smallest"], found["smallestText"]
        assert smallest >= 11, f"{name}: chart text of {smallest:.1f}px ({text!r})"


def test_every_board_fits_a_phone_and_a_laptop(live_server, browser, boards):
    nghe_an, commune = boards["nghe_an"], boards["communes"][0]
    boards_to_see = {
        "national": "/dashboard/national/",
        "province": f"/dashboard/province/{nghe_an.pk}/",
        "commune": f"/dashboard/commune/{commune.pk}/",
    }
    shots = []
    # With JavaScript and without: the folded filters and the phone's rows are plain HTML and CSS.
    for label, viewport, javascript in (
        ("360", PHONE, True),
        ("360-nojs", PHONE, False),
        ("1280", DESKTOP, True),
        ("1280-nojs", DESKTOP, False),
    ):
        context = browser.new_context(
            viewport=viewport,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            java_script_enabled=javascript,
        )
        page = context.new_page()
        try:
            _log_in(page, live_server.url, "tw.e2e", "mat-khau-tw")
            for name, path in boards_to_see.items():
                page.goto(live_server.url + path)
                page.locator(".summary-card .big-rate").wait_for()
                _assert_fits(page, f"{name} board at {label}px")
                # The unit's colour and rate are on the first screen; the filters are folded.
                rate = page.locator(".summary-card .big-rate").bounding_box()
                below = rate["y"] + rate["height"] > viewport["height"]
                assert not below, f"{name} at {label}px: the rate is below the first screen"
                assert page.locator(".summary-card .badge").is_visible()
                assert not page.locator("#filters").is_visible()
                shots.append(_screenshot(page, f"dashboard-{name}-{label}"))
            if viewport == PHONE:
                # The tables are rows a phone can read: the commune's name and colour side by side.
                page.goto(live_server.url + boards_to_see["province"])
                row = page.locator(f"#unit-{commune.pk}")
                assert row.locator("td.colour .badge").is_visible()
                overdue = row.locator("td[data-label='Quá hạn']")
                assert overdue.evaluate("el => getComputedStyle(el, '::before').content") == '"Quá hạn: "'
                assert row.locator("th.name").bounding_box()["width"] > 150  # not a squeezed column
        finally:
            context.close()
    for shot in shots:
        assert shot.stat().st_size > 20_000  # a rendered page, not a blank one


def test_the_national_map_links_names_and_spells_out_every_province(live_server, browser, boards):
    from tasks_app.colours import PALETTE

    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    try:
        _log_in(page, live_server.url, "tw.e2e", "mat-khau-tw")
        page.goto(live_server.url + "/dashboard/national/")
        assert page.locator("section.map-section svg a").count() == 34  # every province, linked
        # Abbreviations: the full name on hover (the tile's <title>) and in the key.
        tile = page.locator("section.map-section svg a[aria-label^='Lai Châu']")
        assert tile.locator("title").text_content().startswith("Lai Châu")
        names = page.locator(".map-key dd").all_inner_texts()
        key = dict(zip(page.locator(".map-key dt").all_inner_texts(), names, strict=True))
        assert key["LCh"] == "Lai Châu" and key["ĐNa"] == "Đồng Nai" and key["TNi"] == "Tây Ninh"
        assert len(key) == 34
        # One palette: each province's badge in the ranking is drawn in its tile's fill.
        for code in ("40", "44"):
            unit = Unit.objects.get(code=code)
            badge = page.locator(f"#unit-{unit.pk} .badge")
            colour = next(c for c in badge.get_attribute("class").split() if c in PALETTE)
            fill = PALETTE[colour].fill
            rgb = f"rgb({int(fill[1:3], 16)}, {int(fill[3:5], 16)}, {int(fill[5:7], 16)})"
            assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == rgb
            tile_rect = page.locator(f"section.map-section svg a[aria-label^='{unit.name}'] rect")
            assert tile_rect.get_attribute("fill") == fill
        page.locator("section.map-section svg a[aria-label^='Nghệ An']").click()
        page.wait_for_url(f"**/dashboard/province/{boards['nghe_an'].pk}/**")
        assert page.locator("#communes tbody tr").count() >= 3
    finally:
        context.close()


def test_the_main_pages_do_not_scroll_sideways_on_a_phone(live_server, page, boards):
    """Every page with a table, with rows in it: the province task's copies in the
    communes with the longest names, and a report in the archive."""
    task = Task.objects.get(code="E2E-5")  # Nghệ An's own task
    communes = sorted(Unit.objects.filter(province=boards["nghe_an"], kind=UnitKind.COMMUNE),
                      key=lambda unit: -len(unit.name))[:3]  # fmt: skip
    task_cascade(parent=task, communes=communes, author=None, responsible_position="Chủ tịch UBND xã")
    Report.objects.create(
        kind=ReportKind.PROVINCE_WEEKLY, unit=boards["nghe_an"], period_start=Week.last_finished().start,
        status=ReportStatus.READY, file="reports/2026/nghe-an.pdf", size=812_345, sha256="0" * 64,
        pages=10, generated_at=timezone.now(),
    )  # fmt: skip
    _log_in(page, live_server.url, "tinh.e2e", "mat-khau-tinh")
    for name, path in (
        ("my tasks", "/tasks/"),
        ("task page", f"/tasks/{task.pk}/"),
        ("commune copy", f"/tasks/{task.children.first().pk}/"),
        ("approvals", "/tasks/approvals/"),
        ("reports archive", "/reports/"),
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        _assert_fits(page, f"{name} at 360px", charts=False)
        _screenshot(page, f"page-{name.replace(' ', '-')}-360")
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    assert page.locator("table.children tbody tr").count() == 3


def test_sorting_swaps_the_table_and_the_refresh_keeps_it(live_server, page, boards):
    overdue_commune = boards["communes"][0]
    _log_in(page, live_server.url, "tinh.e2e", "mat-khau-tinh")
    page.goto(f"{live_server.url}/dashboard/province/{boards['nghe_an'].pk}/")
    page.evaluate("window.notReloaded = true")
    page.locator("#sort-overdue").click()
    page.wait_for_url("**sort=-overdue**")
    first_row = page.locator("#communes tbody tr").first
    assert first_row.get_attribute("id") == f"unit-{overdue_commune.pk}"
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the table only
    with page.expect_request(lambda r: "sort=-overdue" in r.url and r.headers.get("hx-request") == "true"):
        page.evaluate("document.body.dispatchEvent(new Event('nq57:refresh'))")
    page.wait_for_load_state("networkidle")
    assert page.locator("#communes tbody tr").first.get_attribute("id") == f"unit-{overdue_commune.pk}"
    assert page.evaluate("window.notReloaded") is True


def _check(page, name: str) -> None:
    results = Axe().run(page, options=WCAG_AA)
    problems = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert problems == [], f"{name}: {problems}"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 360px"


def test_the_boards_pass_wcag_aa_checks_on_a_phone(live_server, page, boards):
    _log_in(page, live_server.url, "tw.e2e", "mat-khau-tw")
    page.goto(live_server.url + "/dashboard/national/")
    _check(page, "national board")
    page.goto(f"{live_server.url}/dashboard/province/{boards['nghe_an'].pk}/")
    _check(page, "province board")
    page.goto(f"{live_server.url}/dashboard/commune/{boards['communes'][0].pk}/")
    _check(page, "commune board")


# The filters' labels and fields, and whether the chosen plan's text fits its select (the
# text's width in the select's font, against the select's inner width less its arrow).
FILTER_LAYOUT = """() => {
  const form = document.querySelector('#filters');
  const tops = [...form.querySelectorAll('.field')].map(field => ({
    label: Math.round(field.querySelector('label').getBoundingClientRect().top),
    input: Math.round(field.querySelector('select, input').getBoundingClientRect().top),
  }));
  const select = form.querySelector('#id_plan');
  const style = getComputedStyle(select);
  const canvas = document.createElement('canvas').getContext('2d');
  canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const text = select.options[select.selectedIndex].text;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24;
  return {tops, text, needed: canvas.measureText(text).width, room};
}"""


def test_the_board_filters_line_up_and_show_the_plans_whole_name(live_server, browser, boards):
    central = Plan.objects.create(
        issuing_unit=Unit.objects.get(kind=UnitKind.CENTRAL),
        code="02-KH/BCĐTW",
        title="Kế hoạch triển khai Nghị quyết 57",
        issue_date=local_today(),
    )
    for label, viewport in (("1280", DESKTOP), ("360", PHONE)):
        context = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        page = context.new_page()
        try:
            _log_in(page, live_server.url, "tw.e2e", "mat-khau-tw")
            page.goto(f"{live_server.url}/dashboard/national/?plan={central.pk}")
            assert page.locator("#filters").is_visible()  # open: a filter is set
            _assert_fits(page, f"national board with a plan at {label}px")
            found = page.evaluate(FILTER_LAYOUT)
            assert found["text"].startswith("02-KH/BCĐTW · ")
            assert found["needed"] <= found["room"], f"{label}px: the plan's name is cut: {found}"
            if viewport == DESKTOP:  # three fields side by side, labels and fields on one line each
                assert len({top["label"] for top in found["tops"]}) == 1, found["tops"]
                assert len({top["input"] for top in found["tops"]}) == 1, found["tops"]
            _screenshot(page, f"dashboard-filters-{label}")
        finally:
            context.close()
