"""The value workflow of docs/indicators.md §5 through HTTP, as officials use it: a commune
officer enters and submits, the province leader approves, returns or reopens; every refused
transition, refusal and flag says why; a stale form or a repeated one never writes twice."""

import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from tasks_app.models import (
    Colour,
    IndicatorEvidence,
    IndicatorFigure,
    IndicatorValue,
    ValueEvent,
    ValueState,
)
from tests.evidence_samples import PDF
from tests.indicator_world import CLOSED, EARLIER, NEXT, assign, make_indicator, value_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_back_to_vietnamese():
    """Pages read here in English (a language cookie) leave English active in this thread:
    put the default back, so later tests read Vietnamese as they expect."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def indicator(nghe_an, plan):
    return make_indicator(nghe_an, plan)


@pytest.fixture
def province_assignment(indicator, nghe_an):
    return assign(indicator, nghe_an, rolls_up=True)


@pytest.fixture
def assignment(indicator, commune, province_assignment):
    return assign(indicator, commune, parent=province_assignment)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_value(client, assignment, *, period=CLOSED, version=0, key=None, action="save", **fields):
    data = {"version": version, "submission_key": str(key or uuid.uuid4()), "action": action, "note": ""}
    data.update(fields)
    return client.post(value_url(assignment, period), data)


def value_of(assignment, period=CLOSED) -> IndicatorValue:
    return IndicatorValue.objects.get(assignment=assignment, period_end=period.end)


def decide(client, value, decision, reason="", *, version=None, key=None):
    return client.post(
        f"/indicators/{value.assignment_id}/values/{value.pk}/decide/",
        {
            "version": version or value.version,
            "submission_key": str(key or uuid.uuid4()),
            "decision": decision,
            "reason": reason,
        },
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# --- The state machine ---------------------------------------------------------------------


def test_officer_saves_a_draft_then_submits_it(xa_officer, assignment):
    client = login(xa_officer)
    response = post_value(client, assignment, value="74,57")
    assert response.status_code == 302
    value = value_of(assignment)
    assert (value.state, value.value, value.version) == (ValueState.DRAFT, Decimal("74.57"), 1)
    event = value.events.get()
    assert (event.kind, event.state_before, event.state_after, event.author) == (
        "created",
        "",
        "draft",
        xa_officer,
    )
    assert event.changes["value"] == [None, "74.57"]
    # A draft does not count: the closed month is due and has no counted value.
    figure = IndicatorFigure.objects.get(assignment=assignment, period_end=CLOSED.end)
    assert figure.value is None

    response = post_value(client, assignment, version=1, value="74.57", action="submit")
    assert response.status_code == 302
    value.refresh_from_db()
    assert (value.state, value.version) == (ValueState.SUBMITTED, 2)
    last = value.events.order_by("version").last()
    assert (last.kind, last.state_before, last.state_after) == ("submitted", "draft", "submitted")
    # Counted at once: the figure and the province's roll-up follow in the same request.
    figure = IndicatorFigure.objects.get(assignment=assignment, period_end=CLOSED.end)
    assert figure.value == Decimal("74.57") and figure.value_state == "submitted"
    assert figure.colour != Colour.NONE
    rolled = IndicatorFigure.objects.get(assignment=assignment.parent, period_end=CLOSED.end)
    assert rolled.children_counted == 1


def test_submit_approve_and_the_colour_shows_on_the_list(xa_officer, tinh_leader, assignment):
    post_value(login(xa_officer), assignment, value="80", action="submit")
    value = value_of(assignment)
    leader = login(tinh_leader)
    response = decide(leader, value, "approve")
    assert response.status_code == 302
    value.refresh_from_db()
    assert (value.state, value.decided_by, value.version) == (ValueState.APPROVED, tinh_leader, 2)
    assert value.events.order_by("version").last().kind == "approved"
    figure = IndicatorFigure.objects.get(assignment=assignment, period_end=CLOSED.end)
    assert (figure.value_state, figure.colour) == ("approved", Colour.GREEN)
    page = login(xa_officer).get("/indicators/").content.decode()
    assert "CT-05" in page and "badge green" in page
    assert "Xanh" in page or "Green" in page


def test_return_needs_a_reason_then_the_officer_corrects_and_resubmits(xa_officer, tinh_leader, assignment):
    officer = login(xa_officer)
    post_value(officer, assignment, value="30", action="submit")
    value = value_of(assignment)
    leader = login(tinh_leader)
    response = decide(leader, value, "return", "")
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.state == ValueState.SUBMITTED  # nothing recorded without a reason
    assert any("returned" in m or "trả lại" in m for m in messages_of(response))

    decide(leader, value, "return", "Số liệu chưa khớp báo cáo tháng")
    value.refresh_from_db()
    assert (value.state, value.return_reason) == (ValueState.RETURNED, "Số liệu chưa khớp báo cáo tháng")
    event = value.events.order_by("version").last()
    assert (event.kind, event.reason, event.state_before) == (
        "returned",
        "Số liệu chưa khớp báo cáo tháng",
        "submitted",
    )
    # The officer sees the reason on the form, corrects and submits again.
    form_page = officer.get(value_url(assignment)).content.decode()
    assert "Số liệu chưa khớp báo cáo tháng" in form_page
    post_value(officer, assignment, version=value.version, value="35", action="submit")
    value.refresh_from_db()
    assert (value.state, value.value) == (ValueState.SUBMITTED, Decimal("35"))
    assert value.events.order_by("version").last().state_before == "returned"


def test_approved_value_is_locked_until_reopened_with_a_reason(xa_officer, tinh_leader, assignment):
    officer = login(xa_officer)
    post_value(officer, assignment, value="70", action="submit")
    value = value_of(assignment)
    leader = login(tinh_leader)
    decide(leader, value, "approve")
    value.refresh_from_db()

    response = post_value(officer, assignment, version=value.version, value="71", action="save")
    assert response.status_code == 302
    assert any("locked" in m or "khóa" in m for m in messages_of(response))
    value.refresh_from_db()
    assert (value.state, value.value, value.version) == (ValueState.APPROVED, Decimal("70"), 2)
    assert "Save draft" not in officer.get(value_url(assignment)).content.decode()

    decide(leader, value, "reopen", "")
    value.refresh_from_db()
    assert value.state == ValueState.APPROVED
    decide(leader, value, "reopen", "Sai mẫu số, cần nhập lại")
    value.refresh_from_db()
    assert value.state == ValueState.DRAFT
    event = value.events.order_by("version").last()
    assert (event.kind, event.state_before, event.state_after, event.author, event.reason) == (
        "reopened",
        "approved",
        "draft",
        tinh_leader,
        "Sai mẫu số, cần nhập lại",
    )
    post_value(officer, assignment, version=value.version, value="71", action="submit")
    value.refresh_from_db()
    assert (value.state, value.value) == (ValueState.SUBMITTED, Decimal("71"))


@pytest.mark.parametrize(
    ("state", "decision", "message"),
    [
        ("draft", "approve", "Only a submitted value can be approved"),
        ("draft", "return", "Only a submitted value can be returned"),
        ("draft", "reopen", "Only an approved value can be reopened"),
        ("returned", "approve", "Only a submitted value can be approved"),
        ("approved", "approve", "Only a submitted value can be approved"),
        ("approved", "return", "Only a submitted value can be returned"),
        ("submitted", "reopen", "Only an approved value can be reopened"),
    ],
)
def test_refused_decisions_say_why_and_record_nothing(tinh_leader, assignment, state, decision, message):
    value = IndicatorValue.objects.create(
        assignment=assignment,
        period_start=CLOSED.start,
        period_end=CLOSED.end,
        value=Decimal(70),
        state=state,
    )
    client = login(tinh_leader)
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/indicators/{assignment.pk}/values/{value.pk}/decide/",
        {"version": 1, "submission_key": str(uuid.uuid4()), "decision": decision, "reason": "lý do"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert any(message in m for m in messages_of(response)), messages_of(response)
    value.refresh_from_db()
    assert (value.state, value.version) == (state, 1)
    assert not ValueEvent.objects.exists()


def test_officer_cannot_change_a_submitted_value(xa_officer, assignment):
    officer = login(xa_officer)
    post_value(officer, assignment, value="70", action="submit")
    response = post_value(officer, assignment, version=1, value="72", action="save")
    assert response.status_code == 302
    assert any("awaits approval" in m or "chờ duyệt" in m for m in messages_of(response))
    value = value_of(assignment)
    assert (value.state, value.value, value.version) == (ValueState.SUBMITTED, Decimal("70"), 1)


# --- Refusals and flags ----------------------------------------------------------------------


def _en(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize(
    ("overrides", "fields", "message"),
    [
        ({"value_type": "percentage"}, {"value": "120"}, "A percentage must be between 0 and 100."),
        (
            {"value_type": "count", "unit_of_measure": "hồ sơ", "rollup": "sum"},
            {"value": "2,5"},
            "A count must be a whole number, 0 or more.",
        ),
        (
            {"value_type": "count", "unit_of_measure": "hồ sơ", "rollup": "sum"},
            {"value": "-3"},
            "A count must be a whole number, 0 or more.",
        ),
        (
            {"value_type": "ratio", "rollup": "ratio"},
            {"numerator": "5", "denominator": "4"},
            "The numerator cannot be greater than the denominator.",
        ),
        (
            {"value_type": "ratio", "rollup": "ratio"},
            {"numerator": "0", "denominator": "0"},
            "The denominator must be greater than 0.",
        ),
        (
            {"value_type": "ratio", "rollup": "ratio"},
            {"numerator": "3", "denominator": ""},
            "Enter both the numerator and the denominator.",
        ),
        ({"value_type": "amount", "unit_of_measure": "ngày"}, {"value": "mười"}, "is not a number"),
        (
            {"value_type": "ratio", "rollup": "ratio"},
            {"numerator": "-1", "denominator": "4"},
            "The numerator cannot be negative.",
        ),
        ({"value_type": "yes_no", "rollup": "share_meeting_target"}, {"value": "2"}, "Select a valid choice"),
    ],
)
def test_refusals_save_nothing_and_say_why(xa_officer, nghe_an, commune, plan, overrides, fields, message):
    indicator = make_indicator(nghe_an, plan, **overrides)
    assignment = assign(indicator, commune)
    response = post_value(_en(login(xa_officer)), assignment, **fields)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not IndicatorValue.objects.exists() and not ValueEvent.objects.exists()


def test_a_period_not_started_is_refused(xa_officer, assignment):
    response = post_value(_en(login(xa_officer)), assignment, period=NEXT, value="70")
    assert response.status_code == 422
    assert "This period has not started yet" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_a_period_that_is_not_one_is_404(xa_officer, assignment):
    client = login(xa_officer)
    assert client.get(f"/indicators/{assignment.pk}/2026-11-13/").status_code == 404
    assert client.get(f"/indicators/{assignment.pk}/tomorrow/").status_code == 404


def test_submit_needs_a_value(xa_officer, assignment):
    response = post_value(_en(login(xa_officer)), assignment, value="", action="submit")
    assert response.status_code == 422
    assert "Enter the value before submitting it." in response.content.decode()
    assert not IndicatorValue.objects.exists()


def _counted(assignment, period, number, state=ValueState.APPROVED):
    return IndicatorValue.objects.create(
        assignment=assignment,
        period_start=period.start,
        period_end=period.end,
        value=Decimal(number),
        state=state,
    )


def test_a_cumulative_total_that_went_down_needs_a_note_and_is_flagged(xa_officer, nghe_an, commune, plan):
    indicator = make_indicator(
        nghe_an,
        plan,
        value_type="count",
        unit_of_measure="chữ ký số",
        accumulation="cumulative",
        rollup="sum",
    )
    assignment = assign(indicator, commune, baseline=1000, target=5000)
    _counted(assignment, EARLIER, 2000)
    client = _en(login(xa_officer))
    response = post_value(client, assignment, value="1.900", action="submit")
    assert response.status_code == 422
    assert "lower than the previous period" in response.content.decode()
    assert not IndicatorValue.objects.filter(period_end=CLOSED.end).exists()

    response = post_value(client, assignment, value="1.900", note="Rà soát lại, loại trùng", action="submit")
    assert response.status_code == 302
    value = value_of(assignment)
    assert value.value == Decimal(1900)  # "1.900" is one thousand nine hundred for a count
    assert value.flags == ["went_down"]
    assert any("Check this value" in m for m in messages_of(response))


def test_outside_limits_and_a_jump_are_flagged_saved_and_explained(
    xa_officer, tinh_leader, nghe_an, commune, plan
):
    indicator = make_indicator(
        nghe_an, plan, value_type="amount", unit_of_measure="ngày", natural_min=1, natural_max=30
    )
    assignment = assign(indicator, commune, baseline=10, target=5)
    _counted(assignment, EARLIER, 10)
    response = post_value(_en(login(xa_officer)), assignment, value="40", action="submit")
    assert response.status_code == 302
    value = value_of(assignment)
    assert value.flags == ["outside_limits", "jump"]
    warnings = [m for m in messages_of(response) if "Check this value" in m]
    assert len(warnings) == 2
    queue = _en(login(tinh_leader)).get("/indicators/approvals/").content.decode()
    assert "Outside the plausible range (1 to 30)." in queue
    assert "More than 50% away from the previous value (10)." in queue


def test_evidence_is_required_to_submit_and_then_downloadable(
    xa_officer, tinh_leader, outsider, nghe_an, commune, plan
):
    indicator = make_indicator(nghe_an, plan, evidence_required=True)
    assignment = assign(indicator, commune)
    client = _en(login(xa_officer))
    response = post_value(client, assignment, value="70", action="submit")
    assert response.status_code == 422
    assert "attach a file before submitting" in response.content.decode()
    assert not IndicatorValue.objects.exists()

    upload = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
    response = post_value(client, assignment, value="70", action="submit", evidence=upload)
    assert response.status_code == 302
    evidence = IndicatorEvidence.objects.get()
    assert evidence.event.value == value_of(assignment) and evidence.original_name == "bien-ban.pdf"
    url = f"/indicators/{assignment.pk}/evidence/{evidence.pk}/"
    assert b"".join(login(tinh_leader).get(url).streaming_content) == PDF
    assert login(outsider).get(url).status_code == 404


def test_a_file_already_attached_counts_for_a_later_submit(xa_officer, nghe_an, commune, plan):
    indicator = make_indicator(nghe_an, plan, evidence_required=True)
    assignment = assign(indicator, commune)
    client = login(xa_officer)
    upload = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
    assert post_value(client, assignment, value="70", evidence=upload).status_code == 302
    assert post_value(client, assignment, version=1, value="70", action="submit").status_code == 302
    assert value_of(assignment).state == ValueState.SUBMITTED


# --- Concurrency and repeats -----------------------------------------------------------------


def test_two_sessions_never_overwrite_each_other(xa_officer, commune, assignment):
    first, second = _en(login(xa_officer)), _en(login(xa_officer))
    # Both opened the empty form (version 0); the first saves.
    assert post_value(first, assignment, value="70").status_code == 302
    response = post_value(second, assignment, value="75")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this value" in page
    assert 'name="version" value="1"' in page and 'value="75"' in page  # the input is kept
    value = value_of(assignment)
    assert (value.value, value.version, value.events.count()) == (Decimal(70), 1, 1)
    # Seen what changed, the second saves on the current version.
    assert post_value(second, assignment, version=1, value="75").status_code == 302
    value.refresh_from_db()
    assert (value.value, value.version) == (Decimal(75), 2)


def test_a_stale_decision_records_nothing(xa_officer, tinh_leader, assignment):
    post_value(login(xa_officer), assignment, value="70", action="submit")
    value = value_of(assignment)
    response = decide(login(tinh_leader), value, "approve", version=5)
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.state == ValueState.SUBMITTED and value.events.count() == 1


def test_the_same_form_sent_twice_is_recorded_once(xa_officer, tinh_leader, assignment):
    client = login(xa_officer)
    key = uuid.uuid4()
    assert post_value(client, assignment, key=key, value="70", action="submit").status_code == 302
    response = post_value(client, assignment, key=key, value="70", action="submit")
    assert response.status_code == 302
    assert ValueEvent.objects.count() == 1 and value_of(assignment).version == 1
    value = value_of(assignment)
    leader = login(tinh_leader)
    key = uuid.uuid4()
    decide(leader, value, "approve", key=key)
    decide(leader, value, "approve", key=key)
    value.refresh_from_db()
    assert (value.state, value.version, ValueEvent.objects.count()) == (ValueState.APPROVED, 2, 2)


def test_history_names_who_when_and_what(xa_officer, tinh_leader, assignment):
    officer = login(xa_officer)
    post_value(officer, assignment, value="70")
    post_value(officer, assignment, version=1, value="72,5", note="Đã đối chiếu", action="submit")
    decide(login(tinh_leader), value_of(assignment), "return", "Thiếu biên bản")
    page = _en(login(xa_officer)).get(f"/indicators/{assignment.pk}/").content.decode()
    assert "xa_officer" in page.lower() and "tinh_leader" in page.lower()
    assert "70 → " in page.replace("</span>", "").replace('<span class="pre">', "") or "70" in page
    assert "72,5" in page and "Thiếu biên bản" in page


def test_field_errors_are_in_vietnamese_by_default(xa_officer, assignment):
    response = post_value(login(xa_officer), assignment, value="120")
    assert response.status_code == 422
    page = response.content.decode()
    assert "Tỷ lệ phần trăm phải nằm trong khoảng 0 đến 100." in page
    response = post_value(login(xa_officer), assignment, value="bảy mươi")
    assert "không phải là số" in response.content.decode()


def test_the_province_officer_enters_the_provinces_own_values(tinh_officer, nghe_an, root, plan):
    indicator = make_indicator(root, plan, code="TW-02")
    own = assign(indicator, nghe_an)
    response = post_value(login(tinh_officer), own, value="55", action="submit")
    assert response.status_code == 302
    assert value_of(own).state == ValueState.SUBMITTED


def test_a_returned_value_saved_as_draft_stays_returned_until_submitted(xa_officer, tinh_leader, assignment):
    officer = login(xa_officer)
    post_value(officer, assignment, value="30", action="submit")
    decide(login(tinh_leader), value_of(assignment), "return", "Sai số liệu")
    value = value_of(assignment)
    post_value(officer, assignment, version=value.version, value="33")
    value.refresh_from_db()
    assert (value.state, value.value, value.return_reason) == (
        ValueState.RETURNED,
        Decimal(33),
        "Sai số liệu",
    )
    assert value.events.order_by("version").last().kind == "edited"
    # The unit's list offers the returned period first, with the reason.
    page = officer.get("/indicators/").content.decode()
    assert value_url(assignment) in page and "Sai số liệu" in page


def test_a_yes_no_value_is_chosen_with_a_radio(xa_officer, nghe_an, commune, plan):
    indicator = make_indicator(
        nghe_an, plan, value_type="yes_no", unit_of_measure="", rollup="share_meeting_target", code="CT-09"
    )
    assignment = assign(indicator, commune, baseline=0, target=1)
    client = login(xa_officer)
    form = client.get(value_url(assignment)).content.decode()
    assert 'type="radio" name="value" value="1"' in form and 'type="radio" name="value" value="0"' in form
    assert post_value(client, assignment, value="1", action="submit").status_code == 302
    assert value_of(assignment).value == 1


def test_an_empty_draft_or_an_unchanged_save_records_nothing(xa_officer, assignment):
    client = login(xa_officer)
    response = post_value(client, assignment, value="")
    assert response.status_code == 302 and not IndicatorValue.objects.exists()
    post_value(client, assignment, value="70")
    response = post_value(client, assignment, version=1, value="70,00")
    assert response.status_code == 302
    assert value_of(assignment).version == 1 and ValueEvent.objects.count() == 1


def test_a_form_without_its_hidden_fields_says_so_and_saves_nothing(xa_officer, assignment):
    response = login(xa_officer).post(value_url(assignment), {"value": "70", "action": "save"})
    assert response.status_code == 422
    assert "Biểu mẫu đã cũ hoặc thiếu thông tin" in response.content.decode()
    assert not IndicatorValue.objects.exists()
