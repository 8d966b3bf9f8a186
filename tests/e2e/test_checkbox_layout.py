"""A lone checkbox sits on the same line as its label, on a 360 px phone: the edit and
create forms' "key task" box, and every other checkbox field drawn by includes/field.html."""

import datetime

import pytest

from tasks_app.models import Membership, Plan, Role, Task, Unit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _same_line(page, checkbox_selector: str) -> None:
    box = page.locator(checkbox_selector).bounding_box()
    label = page.locator(f"label[for='{checkbox_selector.removeprefix('#')}']").bounding_box()
    assert box and label
    # Beside it, not below it: the label starts to the right and overlaps it vertically.
    assert label["x"] >= box["x"] + box["width"], (box, label)
    assert label["y"] < box["y"] + box["height"] and box["y"] < label["y"] + label["height"], (box, label)


def test_the_key_task_checkbox_sits_beside_its_label_at_360_px(live_server, page, django_user_model):
    province = Unit.objects.get(code="40")
    officer = django_user_model.objects.create_user("tinh.e2e", password="mat-khau-tinh", full_name="Thu Hà")
    Membership.objects.create(user=officer, unit=province, role=Role.PROVINCE_OFFICER)
    plan = Plan.objects.create(
        issuing_unit=province, code="292/KH-UBND", title="Kế hoạch", issue_date=datetime.date(2026, 1, 15)
    )
    task = Task.objects.create(
        plan=plan,
        code="NV-R1",
        title="Triển khai ứng dụng VNeID",
        lead_unit=province,
        responsible_name="Nguyễn Văn Bình",
        approving_authority="UBND tỉnh Nghệ An",
        start_date=datetime.date(2026, 1, 12),
        deadline=datetime.date(2027, 3, 31),
        expected_product="Báo cáo",
    )
    page.goto(live_server.url + "/")
    page.get_by_label("Tên đăng nhập").fill("tinh.e2e")
    page.get_by_label("Mật khẩu").fill("mat-khau-tinh")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    for path in (f"/tasks/{task.pk}/edit/", "/tasks/new/"):
        page.goto(live_server.url + path)
        _same_line(page, "#id_is_key")
