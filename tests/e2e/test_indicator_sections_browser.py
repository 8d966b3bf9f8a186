"""The boards' indicator sections in a real browser on a 360 px phone: nothing wider than
the screen (the tables become cards), every colour told by its word too, and axe's WCAG
AA checks."""

import pytest

from tasks_app.clock import local_today
from tasks_app.models import Membership, Role, Unit, UnitKind, User
from tests.e2e.test_dashboards_browser import MEASURE, _check, _log_in, _screenshot
from tests.test_indicator_sections import Maker, _build

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def figures(root, nghe_an, commune, other_commune, far_commune):
    third = (
        Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE)
        .exclude(pk__in=[commune.pk, other_commune.pk])
        .order_by("code")
        .first()
    )
    _build(
        Maker(local_today()), root, nghe_an, commune, other_commune, third, far_commune.province, far_commune
    )
    viewer = User.objects.create_user("tw.chitieu", password="mat-khau-tw", full_name="Trần Minh Đức")
    Membership.objects.create(user=viewer, unit=root, role=Role.CENTRAL_VIEWER)


def test_the_indicator_sections_fit_a_phone_and_pass_wcag_aa(live_server, page, figures, nghe_an, commune):
    _log_in(page, live_server.url, "tw.chitieu", "mat-khau-tw")
    for name, path in (
        ("national", "/dashboard/national/"),
        ("province", f"/dashboard/province/{nghe_an.pk}/"),
        ("commune", f"/dashboard/commune/{commune.pk}/"),
    ):
        page.goto(live_server.url + path)
        section = page.locator("#indicators")
        section.scroll_into_view_if_needed()
        found = page.evaluate(MEASURE)
        assert found["scrollWidth"] <= found["width"], f"{name} scrolls sideways: {found}"
        assert found["wider"] == [], f"{name}: wider than the screen: {found['wider']}"
        first = section.locator("table.indicator-table tbody tr").first
        # A card: the indicator's name over the colour's badge, which says its colour in words.
        assert first.locator("th.name").bounding_box()["width"] > 250
        assert first.locator(".badge").inner_text().strip() in {"✕ Đỏ", "! Vàng", "✓ Xanh", "– Chưa xếp màu"}
        assert first.locator("svg").is_visible()
        _check(page, f"{name} board's indicators")
        _screenshot(page, f"indicators-{name}-360")


def test_the_indicator_tables_fit_a_laptop(live_server, browser, figures, nghe_an):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        _log_in(page, live_server.url, "tw.chitieu", "mat-khau-tw")
        page.goto(f"{live_server.url}/dashboard/province/{nghe_an.pk}/")
        found = page.evaluate(MEASURE)
        assert found["scrollWidth"] <= found["width"] and found["wider"] == [], found
        section = page.locator("#indicators")
        # A table, not cards: the colour, the value and the trend side by side in one row.
        first = section.locator("table.indicator-table tbody tr").first
        boxes = [first.locator(cell).bounding_box() for cell in ("td.colour", "td.num >> nth=0", "td.trend")]
        assert len({round(box["y"]) for box in boxes}) == 1, boxes
        section.screenshot(
            path=str(_screenshot(page, "indicators-province-1280").with_name("indicators-section-1280.png"))
        )
    finally:
        context.close()
