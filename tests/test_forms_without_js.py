"""Every form works as a plain HTML form, as a phone sends it before htmx has loaded or
with JavaScript off: POST forms carry the CSRF token, every form has a real action, file
inputs go with multipart, and the commune officer's update goes through with Django's
CSRF checks on, exactly as a browser posts it."""

import datetime
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve

from reports.models import Report, ReportKind, ReportStatus
from tasks_app.models import Task, TaskStatus
from tests.evidence_samples import PDF
from tests.forms_html import Form, parse_page

# Pages that are not HTML pages, or act when fetched by GET.
NOT_CRAWLED = {"evidence_download", "report_download", "report_excel", "logout", "set_language", "healthz"}
PER_PAGE_KIND = 3  # query-string variants of one page (filters, pages, sorting)
MAX_PAGES = 60


@pytest.fixture
def world(make_task, nghe_an, plan, commune, tinh_officer):
    """A commune task, the province's own task with one commune copy, a failed report
    (its page offers "Try again"): every kind of form the app has appears somewhere."""
    province_task = make_task(code="NV-001", lead_unit=nghe_an, title="Chỉ đạo số hóa")
    commune_task = make_task(code="NV-001/X", parent=province_task, title="Số hóa hồ sơ")
    make_task(
        code="NV-002",
        title="Hoàn thành",
        status=TaskStatus.COMPLETED,
        progress=100,
        completed_on=datetime.date(2026, 3, 1),
    )
    Report.objects.create(
        kind=ReportKind.PROVINCE_WEEKLY,
        unit=nghe_an,
        period_start=datetime.date(2026, 3, 2),
        status=ReportStatus.FAILED,
        error="boom",
    )
    return {"province_task": province_task, "commune_task": commune_task}


def _url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def crawl(client: Client, starts: list[str]) -> dict[str, list[Form]]:
    """Every page reachable by links from `starts` (GET, same site), with its forms."""
    seen: set[str] = set()
    per_kind: dict[str, int] = {}
    pages: dict[str, list[Form]] = {}
    queue = deque(starts)
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc or parts.scheme or url in seen:
            continue
        seen.add(url)
        name = _url_name(parts.path)
        if name is None or name in NOT_CRAWLED or (name.startswith("admin:") and name != "admin:index"):
            continue
        if per_kind.get(name, 0) >= PER_PAGE_KIND:
            continue
        per_kind[name] = per_kind.get(name, 0) + 1
        response = client.get(url, follow=True)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        forms, links = parse_page(response.content.decode())
        pages[final] = forms
        for link in links:
            absolute = urljoin(final, link.split("#")[0])
            if absolute and absolute not in seen:
                queue.append(absolute)
    return pages


def _problems(pages: dict[str, list[Form]]) -> list[str]:
    problems = []
    for url, forms in pages.items():
        for form in forms:
            label = f"{url}: <form {form.attrs}>"
            if form.method not in ("get", "post"):
                problems.append(f"{label} has method {form.method!r}")
            if form.action is None or not form.action.strip():
                problems.append(f"{label} has no action")
            if form.method == "post":
                tokens = [f for f in form.named("csrfmiddlewaretoken") if f.type == "hidden" and f.value]
                if not tokens:
                    problems.append(f"{label} posts without {{% csrf_token %}}")
            if form.has_file_input() and (form.method != "post" or form.enctype != "multipart/form-data"):
                problems.append(f"{label} has a file input but is not a multipart POST")
    return problems


PERSONAS = [
    "xa_officer",
    "xa_leader",
    "neighbour_officer",
    "tinh_officer",
    "tinh_leader",
    "central_viewer",
    "staff_admin",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_form_on_every_page_works_without_javascript(request, world, persona):
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    starts = ["/", "/tasks/", "/dashboard/", "/reports/", "/accounts/password/", "/admin/"]
    starts += [f"/tasks/{task.pk}/" for task in world.values()]
    starts += [f"/tasks/{world['province_task'].pk}/cascade/", "/tasks/new/"]
    starts += [f"/reports/{report.pk}/" for report in Report.objects.all()]
    pages = crawl(client, starts)
    forms = [form for page in pages.values() for form in page]
    assert any(form.method == "post" for form in forms)  # at least logout and the language switch
    assert _problems(pages) == []


def test_the_pages_a_visitor_sees_have_working_forms(world):
    pages = crawl(Client(), ["/", "/accounts/login/"])
    assert any(url.startswith("/accounts/login/") for url in pages)
    assert _problems(pages) == []


def test_the_checks_catch_a_post_form_without_token():
    forms, _ = parse_page('<form method="post" action="/x"><input name="a"></form><form method="get"></form>')
    problems = _problems({"/page": forms})
    assert len(problems) == 2
    assert "csrf_token" in problems[0] and "no action" in problems[1]


def _form(response, selector_id: str | None = None, action_contains: str = "") -> Form:
    forms, _ = parse_page(response.content.decode())
    for form in forms:
        if selector_id and form.attrs.get("id") != selector_id:
            continue
        if action_contains and action_contains not in (form.action or ""):
            continue
        return form
    raise AssertionError(f"no form {selector_id or action_contains} on the page")


def _log_in(client: Client, username: str, password: str):
    page = client.get("/accounts/login/")
    form = _form(page, action_contains="/accounts/login/")
    return client.post(form.action, form.submission(username=username, password=password))


def test_the_commune_officer_posts_progress_with_a_file_as_a_plain_form(
    world, xa_officer, settings, tmp_path
):
    """The defect: the update form carried no token and relied on htmx's header, so a
    browser without JavaScript got 403."""
    settings.MEDIA_ROOT = tmp_path
    task: Task = world["commune_task"]
    browser = Client(enforce_csrf_checks=True)
    assert _log_in(browser, "xa_officer", "pw-xa_officer").status_code == 302

    page = browser.get(f"/tasks/{task.pk}/")
    form = _form(page, selector_id="update-form")
    assert form.method == "post" and form.enctype == "multipart/form-data"
    data = form.submission(progress="55", note="Đã số hóa 55% hồ sơ")
    data["evidence"] = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
    response = browser.post(form.action, data)  # multipart, no HX-Request, no X-CSRFToken header

    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    task.refresh_from_db()
    assert (task.progress, task.version) == (55, 2)
    assert task.updates.get(version=2).evidence.get().original_name == "bien-ban.pdf"
    after = browser.get(response["Location"])
    assert "Đã lưu" in after.content.decode()


def test_logout_and_language_switch_post_as_plain_forms(world, xa_officer):
    browser = Client(enforce_csrf_checks=True)
    _log_in(browser, "xa_officer", "pw-xa_officer")
    page = browser.get("/tasks/")
    switch = _form(page, action_contains="/i18n/setlang/")
    response = browser.post(switch.action, switch.submission())
    assert response.status_code == 302
    assert browser.cookies["django_language"].value == "en"
    page = browser.get("/tasks/")
    assert "My tasks" in page.content.decode()

    logout = _form(page, action_contains="/accounts/logout/")
    assert browser.post(logout.action, logout.submission()).status_code == 302
    assert browser.get("/tasks/").status_code == 302  # back to the login page


def test_the_filters_are_get_forms_with_a_real_action(world, tinh_officer):
    client = Client()
    client.force_login(tinh_officer)
    page = client.get("/tasks/")
    filters = [f for f in parse_page(page.content.decode())[0] if f.method == "get"]
    assert filters and all(f.action == "/tasks/" for f in filters)
    response = client.get(filters[0].action, filters[0].submission(q="Số hóa"))
    assert response.status_code == 200
    assert '<span class="code">NV-001</span>' in response.content.decode()
