"""The indicator pages for every persona: who sees a unit's indicators, who enters, who
decides (invisible: 404; visible but not allowed: 403), what the approver's queue lists,
that the pages read a fixed number of queries, and that the value form is a plain form."""

import re
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tasks_app.indicators.figures import refresh_figures
from tasks_app.models import (
    IndicatorAssignment,
    IndicatorValue,
    Membership,
    Role,
    Unit,
    UnitKind,
    User,
    ValueEvent,
    ValueState,
)
from tasks_app.selectors.greening import current_rules
from tests.forms_html import parse_page
from tests.indicator_world import CLOSED, EARLIER, assign, make_indicator, value_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_back_to_vietnamese():
    """Pages read here in English (a language cookie) leave English active in this thread:
    put the default back, so later tests read Vietnamese as they expect."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(nghe_an, plan, commune, other_commune, far_commune, root):
    indicator = make_indicator(nghe_an, plan)
    province = assign(indicator, nghe_an, rolls_up=True)
    mine = assign(indicator, commune, parent=province)
    neighbours = assign(indicator, other_commune, parent=province)
    quang_tri = far_commune.province
    far_plan = plan.__class__.objects.create(
        issuing_unit=quang_tri, code="9/KH", title="Kế hoạch Quảng Trị", issue_date=plan.issue_date
    )
    far_indicator = make_indicator(quang_tri, far_plan, code="QT-01")
    far_province = assign(far_indicator, quang_tri, rolls_up=True)
    far = assign(far_indicator, far_commune, parent=far_province)
    # What creating the assignments does (the definition pages): their figures exist from then on.
    refresh_figures(assignment_ids=[mine.pk, neighbours.pk, far.pk], rules=current_rules())
    return {"province": province, "mine": mine, "neighbours": neighbours, "far": far}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def submitted(assignment, number=70, period=CLOSED) -> IndicatorValue:
    value = IndicatorValue.objects.create(
        assignment=assignment,
        period_start=period.start,
        period_end=period.end,
        value=Decimal(number),
        state=ValueState.SUBMITTED,
    )
    ValueEvent.objects.create(value=value, kind="submitted", version=1, state_after="submitted")
    return value


def decide_url(value) -> str:
    return f"/indicators/{value.assignment_id}/values/{value.pk}/decide/"


def decide(client, value, decision="approve", reason=""):
    data = {
        "version": value.version,
        "submission_key": str(uuid.uuid4()),
        "decision": decision,
        "reason": reason,
    }
    return client.post(decide_url(value), data)


def save(client, assignment):
    data = {"version": 0, "submission_key": str(uuid.uuid4()), "action": "save", "value": "70", "note": ""}
    return client.post(value_url(assignment), data)


# --- Who sees, who enters ----------------------------------------------------------------------


def test_commune_officer_enters_own_communes_values_only(world, xa_officer):
    client = login(xa_officer)
    mine, neighbours, far = world["mine"], world["neighbours"], world["far"]
    assert client.get(f"/indicators/{mine.pk}/").status_code == 200
    assert client.get(value_url(mine)).status_code == 200
    assert save(client, mine).status_code == 302
    for other in (neighbours, far):
        assert client.get(f"/indicators/{other.pk}/").status_code == 404
        assert client.get(value_url(other)).status_code == 404
        assert save(client, other).status_code == 404
    # The province's rolled-up figure is not the commune's to see.
    assert client.get(f"/indicators/{world['province'].pk}/").status_code == 404
    assert client.get(f"/indicators/unit/{world['neighbours'].unit_id}/").status_code == 404
    assert IndicatorValue.objects.get().assignment == mine


def test_neighbour_officer_gets_404_on_another_communes_assignment(world, neighbour_officer):
    client = login(neighbour_officer)
    mine = world["mine"]
    assert client.get(f"/indicators/{mine.pk}/").status_code == 404
    assert client.get(value_url(mine)).status_code == 404
    assert save(client, mine).status_code == 404
    assert client.get(f"/indicators/unit/{mine.unit_id}/").status_code == 404


def test_commune_leader_sees_but_neither_enters_nor_approves(world, xa_leader):
    client = login(xa_leader)
    mine = world["mine"]
    assert client.get(f"/indicators/{mine.pk}/").status_code == 200
    assert client.get(value_url(mine)).status_code == 403
    assert save(client, mine).status_code == 403
    value = submitted(mine)
    assert decide(client, value).status_code == 403
    value.refresh_from_db()
    assert value.state == ValueState.SUBMITTED
    page = client.get("/indicators/approvals/").content.decode()
    assert "Your role does not approve values" in page


def test_province_leader_approves_only_their_communes(world, tinh_leader):
    client = login(tinh_leader)
    mine, far = submitted(world["mine"]), submitted(world["far"])
    assert decide(client, far).status_code == 404
    assert client.get(f"/indicators/{far.assignment_id}/").status_code == 404
    assert decide(client, mine).status_code == 302
    mine.refresh_from_db()
    far.refresh_from_db()
    assert (mine.state, far.state) == (ValueState.APPROVED, ValueState.SUBMITTED)
    # Seeing the commune's page is allowed, entering its value is not.
    assert client.get(value_url(world["mine"])).status_code == 403


def test_province_officer_cannot_approve(world, tinh_officer):
    client = login(tinh_officer)
    value = submitted(world["mine"])
    assert client.get(f"/indicators/{value.assignment_id}/").status_code == 200
    assert decide(client, value).status_code == 403
    assert save(client, world["mine"]).status_code == 403
    value.refresh_from_db()
    assert value.state == ValueState.SUBMITTED


def test_central_viewer_sees_and_changes_nothing(world, central_viewer):
    client = login(central_viewer)
    value = submitted(world["mine"])
    for assignment in (world["mine"], world["far"], world["province"]):
        assert client.get(f"/indicators/{assignment.pk}/").status_code == 200
    assert client.get(f"/indicators/unit/{world['mine'].unit_id}/").status_code == 200
    assert client.get(value_url(world["mine"])).status_code == 403
    assert save(client, world["mine"]).status_code == 403
    assert decide(client, value).status_code == 403
    assert "Approve" not in client.get(f"/indicators/{value.assignment_id}/").content.decode()


def test_outsider_gets_404_everywhere_in_another_province(world, outsider):
    client = login(outsider)
    value = submitted(world["mine"])
    for url in (
        f"/indicators/{world['mine'].pk}/",
        value_url(world["mine"]),
        f"/indicators/unit/{world['mine'].unit_id}/",
        f"/indicators/{world['province'].pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert decide(client, value).status_code == 404
    assert save(client, world["mine"]).status_code == 404


def test_anonymous_is_sent_to_log_in(world):
    assert Client().get("/indicators/").status_code == 302


# --- The approver's queue --------------------------------------------------------------------


def test_queue_lists_only_what_the_user_may_decide(world, tinh_leader, root, nghe_an, plan):
    mine = submitted(world["mine"], 72)
    submitted(world["neighbours"], 65)
    submitted(world["far"], 50)
    IndicatorValue.objects.create(
        assignment=world["mine"],
        period_start=EARLIER.start,
        period_end=EARLIER.end,
        value=Decimal(60),
        state=ValueState.APPROVED,
    )
    page = login(tinh_leader).get("/indicators/approvals/").content.decode()
    assert page.count('name="decision" value="approve"') == 2
    assert world["mine"].unit.name in page and world["neighbours"].unit.name in page
    assert world["far"].unit.name not in page and "QT-01" not in page
    assert "60.00%" in page  # the previous counted value is shown, two decimals
    # The centre's administrator decides on the provinces' own values, not the communes'.
    admin = User.objects.create_user("tw_admin", password="x")
    Membership.objects.create(user=admin, unit=root, role=Role.SYSTEM_ADMIN)
    province_own = assign(make_indicator(root, plan, code="TW-01"), nghe_an)
    submitted(province_own, 90)
    admin_page = login(admin).get("/indicators/approvals/").content.decode()
    assert "TW-01" in admin_page and admin_page.count('name="decision" value="approve"') == 1
    assert mine.assignment.unit.name not in admin_page


def test_queue_approve_and_return_from_the_list(world, tinh_leader):
    first, second = submitted(world["mine"]), submitted(world["neighbours"])
    client = login(tinh_leader)
    response = client.post(
        decide_url(first),
        {
            "version": 1,
            "submission_key": str(uuid.uuid4()),
            "decision": "approve",
            "reason": "",
            "next": "approvals",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/indicators/approvals/"
    response = client.post(
        decide_url(second),
        {
            "version": 1,
            "submission_key": str(uuid.uuid4()),
            "decision": "return",
            "reason": "Thiếu minh chứng",
            "next": "approvals",
        },
    )
    assert response["Location"] == "/indicators/approvals/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state, second.return_reason) == ("approved", "returned", "Thiếu minh chứng")
    assert "No indicator value awaits your approval" in client.get("/indicators/approvals/").content.decode()


def test_leaders_find_the_queue_from_the_menu_and_the_task_approvals(world, tinh_leader, xa_officer):
    submitted(world["mine"])
    client = login(tinh_leader)
    tasks_page = client.get("/tasks/approvals/").content.decode()
    assert "/indicators/approvals/" in tasks_page
    assert 'href="/indicators/"' in tasks_page  # the "Indicators" menu link
    home = client.get("/indicators/").content.decode()
    assert "1 indicator value awaits your approval" in home
    assert "/indicators/approvals/" not in login(xa_officer).get("/indicators/").content.decode()


# --- The unit's list and the assignment page ----------------------------------------------------


def test_list_shows_value_milestone_colour_in_words_trend_and_what_to_enter(world, xa_officer):
    client = login(xa_officer)
    page = client.get("/indicators/").content.decode()
    assert "CT-05" in page and world["mine"].unit.name in page
    assert "<svg" in page  # the trend, drawn on the server
    # Three closed months since the baseline are owed: the earliest is offered first.
    assert value_url(world["mine"], EARLIER.previous()) in page and "and 2 more periods" in page
    # The colour in words as on the boards, and why: the rule with its date.
    assert re.search(r'class="badge red">.*?Red</span>', page) and "No value counted by the due date," in page
    save(client, world["mine"])
    client.post(
        value_url(world["mine"]),
        {"version": 1, "submission_key": str(uuid.uuid4()), "action": "submit", "value": "79", "note": ""},
    )
    page = client.get("/indicators/").content.decode()
    assert "Submitted, awaiting approval" in page and "The value awaits approval." in page
    assert "and 1 more period" in page


def test_assignment_page_shows_periods_history_and_reopen(world, xa_officer, tinh_leader):
    officer = login(xa_officer)
    officer.post(
        value_url(world["mine"]),
        {
            "version": 0,
            "submission_key": str(uuid.uuid4()),
            "action": "submit",
            "value": "74,57",
            "note": "Theo sổ",
        },
    )
    value = IndicatorValue.objects.get()
    leader = login(tinh_leader)
    decide(leader, value, "approve")
    page = leader.get(f"/indicators/{world['mine'].pk}/").content.decode()
    assert CLOSED.label in page and CLOSED.end.strftime("%d/%m/%Y") in page
    assert "74.57%" in page  # two decimals, "%" without a space, as on the boards
    assert 'name="decision" value="reopen"' in page
    assert "xa_officer" in page.lower() and "tinh_leader" in page.lower()
    assert (
        'name="decision" value="reopen"'
        not in officer.get(f"/indicators/{world['mine'].pk}/").content.decode()
    )
    # The province's rolled-up page lists its communes, each a link that opens.
    province_page = leader.get(f"/indicators/{world['province'].pk}/").content.decode()
    assert f"/indicators/{world['mine'].pk}/" in province_page
    assert f"/indicators/{world['neighbours'].pk}/" in province_page
    # Its figures say how many communes reported, in the boards' words.
    assert "communes reported." in province_page


# --- Fixed queries ---------------------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # warm the session and the policy
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_pages_read_a_fixed_number_of_queries(world, nghe_an, plan, commune, tinh_leader, xa_officer):
    officer, leader = login(xa_officer), login(tinh_leader)
    communes = list(Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[2:8])
    submitted(world["mine"])
    list_before = _queries(officer, "/indicators/")
    queue_before = _queries(leader, "/indicators/approvals/")
    detail_before = _queries(leader, f"/indicators/{world['province'].pk}/")
    for number in range(4):
        indicator = make_indicator(nghe_an, plan, code=f"CT-1{number}")
        province = assign(indicator, nghe_an, rolls_up=True)
        submitted(assign(indicator, commune, parent=province))
        for unit in communes:
            submitted(assign(indicator, unit, parent=province))
        assign(make_indicator(nghe_an, plan, code=f"CT-2{number}"), commune)
    for unit in communes:
        submitted(
            assign(make_indicator(nghe_an, plan, code=f"X-{unit.code}"), unit, parent=world["province"])
        )
    refresh_figures(
        assignment_ids=IndicatorAssignment.objects.values_list("pk", flat=True), rules=current_rules()
    )
    assert _queries(officer, "/indicators/") == list_before
    assert _queries(leader, "/indicators/approvals/") == queue_before
    assert _queries(leader, f"/indicators/{world['province'].pk}/") == detail_before


# --- Without JavaScript ----------------------------------------------------------------------


def test_the_value_form_posts_as_a_plain_form(world, xa_officer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(xa_officer)
    page = browser.get(value_url(world["mine"]))
    forms, _links = parse_page(page.content.decode())
    form = next(f for f in forms if f.action == value_url(world["mine"]))
    assert form.method == "post" and form.enctype == "multipart/form-data"
    assert form.named("csrfmiddlewaretoken") and form.named("version") and form.named("submission_key")
    assert [b.value for b in form.fields if b.tag == "button"] == ["save", "submit"]
    data = form.submission(value="74,57")  # the first button: "Save draft"
    response = browser.post(form.action, data)
    assert response.status_code == 302
    value = IndicatorValue.objects.get()
    assert (value.value, value.state) == (Decimal("74.57"), ValueState.DRAFT)


def test_no_indicator_page_repeats_an_id(world, xa_officer, tinh_leader):
    import re
    from collections import Counter

    submitted(world["mine"])
    submitted(world["neighbours"])
    officer, leader = login(xa_officer), login(tinh_leader)
    pages = [
        officer.get("/indicators/"),
        officer.get(value_url(world["mine"], EARLIER)),
        leader.get(f"/indicators/{world['mine'].pk}/"),
        leader.get(f"/indicators/{world['province'].pk}/"),
        leader.get("/indicators/approvals/"),
    ]
    for page in pages:
        assert page.status_code == 200
        ids = Counter(re.findall(r'\sid="([^"]+)"', page.content.decode()))
        assert [i for i, n in ids.items() if n > 1] == [], page.wsgi_request.path


def test_selectors_read_a_fixed_number_of_queries(world, commune, tinh_leader, django_assert_max_num_queries):
    from tasks_app.clock import local_today
    from tasks_app.indicators.access import values_to_decide
    from tasks_app.selectors.indicators import approval_queue, assignment_page, queue_rows, unit_indicators

    submitted(world["mine"])
    submitted(world["neighbours"])
    today = local_today()
    with django_assert_max_num_queries(3):
        rows = unit_indicators(commune, today=today)
    assert rows and rows[0].trend
    with django_assert_max_num_queries(5):
        page = assignment_page(world["province"], today=today, due_working_days=2)
    assert len(page.children) == 2
    values_to_decide(tinh_leader)  # the user's memberships, read once per request
    with django_assert_max_num_queries(3):
        queue = queue_rows(approval_queue(values_to_decide(tinh_leader), jump_percent=50), jump_percent=50)
    assert len(queue) == 2


def test_the_queue_narrows_to_a_unit_an_indicator_or_the_marked_values(world, tinh_leader):
    mine = submitted(world["mine"], 72)
    theirs = submitted(world["neighbours"], 65)
    theirs.flags = ["jump"]
    theirs.save(update_fields=["flags"])
    client = login(tinh_leader)
    page = client.get("/indicators/approvals/", {"unit": mine.assignment.unit_id}).content.decode()
    assert page.count('name="decision" value="approve"') == 1
    assert f'id="value-{mine.pk}"' in page and f'id="value-{theirs.pk}"' not in page
    page = client.get("/indicators/approvals/", {"flagged": "on"}).content.decode()
    assert f'id="value-{theirs.pk}"' in page and f'id="value-{mine.pk}"' not in page
    page = client.get("/indicators/approvals/", {"indicator": world["mine"].indicator_id}).content.decode()
    assert page.count('name="decision" value="approve"') == 2
    # A unit the user decides nothing for is not a choice: the filter says so and shows all.
    page = client.get("/indicators/approvals/", {"unit": world["far"].unit_id}).content.decode()
    assert page.count('name="decision" value="approve"') == 2
    both = {"unit": mine.assignment.unit_id, "flagged": "on"}
    page = client.get("/indicators/approvals/", both).content.decode()
    assert "No value awaiting your approval matches these choices." in page


def test_a_decision_from_a_narrowed_queue_goes_back_to_it(world, tinh_leader):
    first = submitted(world["mine"], 72)
    client = login(tinh_leader)
    page = client.get("/indicators/approvals/", {"unit": first.assignment.unit_id}).content.decode()
    assert f'name="queue" value="unit={first.assignment.unit_id}"' in page
    response = client.post(
        decide_url(first),
        {
            "version": 1,
            "submission_key": str(uuid.uuid4()),
            "decision": "approve",
            "reason": "",
            "next": "approvals",
            "queue": f"unit={first.assignment.unit_id}&evil=https://example.org&page=x/y",
        },
    )
    assert response["Location"] == f"/indicators/approvals/?unit={first.assignment.unit_id}"
