"""Reports through the API: the archive's scope, asking for one with the web form's rules
(asking again, unfinished weeks, foreign units, the per-minute limit), its status, and the
downloads once ready."""

import datetime
import hashlib
import time
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.test import TestCase, override_settings
from django.utils import timezone

from reports.models import Report, ReportKind, ReportStatus, Week
from tasks_app.clock import local_today

pytestmark = pytest.mark.django_db

WEEK = Week.last_finished()
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF"


def ready(report: Report) -> Report:
    """A report as a finished render leaves it (the render itself is tested in test_reports)."""
    report.file.save(f"api-test-{report.pk}.pdf", ContentFile(PDF), save=False)
    report.status = ReportStatus.READY
    report.size, report.pages = len(PDF), 1
    report.sha256 = hashlib.sha256(PDF).hexdigest()
    report.generated_at = timezone.now()
    report.figures_on = WEEK.end
    report.save()
    return report


@pytest.fixture
def reports(nghe_an, far_commune, root, commune):
    make = Report.objects.create
    return {
        "nghe_an": ready(make(kind=ReportKind.PROVINCE_WEEKLY, unit=nghe_an, period_start=WEEK.start)),
        "commune": make(kind=ReportKind.COMMUNE_SUMMARY, unit=commune, period_start=WEEK.start),
        "quang_tri": make(
            kind=ReportKind.PROVINCE_WEEKLY, unit=far_commune.province, period_start=WEEK.start
        ),
        "nation": make(kind=ReportKind.NATIONAL_WEEKLY, unit=root, period_start=WEEK.start),
    }


@pytest.fixture
def no_jobs():
    with mock.patch("reports.tasks.generate_report.apply_async") as send:
        yield send


# --- Scope -------------------------------------------------------------------------------------


def test_the_list_holds_the_reports_of_units_the_user_may_see(
    client_as, tinh_officer, central_viewer, xa_officer, reports
):
    ids = {row["id"] for row in client_as(tinh_officer).get("/api/v1/reports/").json()["results"]}
    assert ids == {reports["nghe_an"].pk, reports["commune"].pk}
    ids = {row["id"] for row in client_as(xa_officer).get("/api/v1/reports/").json()["results"]}
    assert ids == {reports["commune"].pk}
    everything = client_as(central_viewer).get("/api/v1/reports/").json()
    assert everything["count"] == 4


def test_a_foreign_report_is_404_everywhere(client_as, tinh_officer, reports):
    api = client_as(tinh_officer)
    for name in ("quang_tri", "nation"):
        for suffix in ("", "pdf/", "xlsx/"):
            response = api.get(f"/api/v1/reports/{reports[name].pk}/{suffix}")
            assert response.status_code == 404, (name, suffix)
            assert response.json()["errors"][0]["code"] == "not_found"


def test_the_list_filters_by_kind_unit_and_week(client_as, central_viewer, reports, nghe_an):
    api = client_as(central_viewer)
    kind = api.get("/api/v1/reports/", {"kind": "commune_summary"}).json()
    assert [row["id"] for row in kind["results"]] == [reports["commune"].pk]
    unit = api.get("/api/v1/reports/", {"unit": nghe_an.pk}).json()
    assert [row["id"] for row in unit["results"]] == [reports["nghe_an"].pk]
    in_week = api.get(
        "/api/v1/reports/", {"week": (WEEK.start + datetime.timedelta(days=3)).isoformat()}
    ).json()
    assert in_week["count"] == 4
    assert api.get("/api/v1/reports/", {"week": WEEK.previous.start.isoformat()}).json()["count"] == 0
    assert api.get("/api/v1/reports/", {"kind": "daily"}).status_code == 400


# --- Status and downloads ----------------------------------------------------------------------


def test_a_ready_reports_status_and_pdf(client_as, tinh_officer, reports):
    api = client_as(tinh_officer)
    report = reports["nghe_an"]
    body = api.get(f"/api/v1/reports/{report.pk}/").json()
    assert body["status"] == "ready" and body["size"] == len(PDF) and body["pages"] == 1
    assert body["sha256"] == report.sha256 and body["error"] == ""
    assert body["week_start"] == WEEK.start.isoformat() and body["week_end"] == WEEK.end.isoformat()
    assert body["pdf"].endswith(f"/api/v1/reports/{report.pk}/pdf/")
    response = api.get(body["pdf"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="bao-cao-tuan-{WEEK.start:%G}-w{WEEK.number:02d}-nghe-an.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    # A client may ask for the file by its type.
    assert api.get(body["pdf"], HTTP_ACCEPT="application/pdf").status_code == 200


def test_a_report_that_is_not_ready_answers_409_with_its_status(client_as, xa_officer, reports):
    api = client_as(xa_officer)
    report = reports["commune"]
    body = api.get(f"/api/v1/reports/{report.pk}/").json()
    assert body["status"] == "queued" and body["pdf"] is None and body["size"] is None
    for suffix, accept in (("pdf/", "application/pdf"), ("xlsx/", "*/*")):
        response = api.get(f"/api/v1/reports/{report.pk}/{suffix}", HTTP_ACCEPT=accept)
        assert response.status_code == 409
        assert response["Content-Type"] == "application/json"
        error = response.json()
        assert error["errors"][0]["code"] == "report_not_ready" and error["status"] == "queued"


def test_a_failed_report_shows_its_error(client_as, central_viewer, reports):
    Report.objects.filter(pk=reports["nation"].pk).update(
        status=ReportStatus.FAILED, error="OSError: disk full"
    )
    body = client_as(central_viewer).get(f"/api/v1/reports/{reports['nation'].pk}/").json()
    assert body["status"] == "failed" and body["error"] == "OSError: disk full"
    Report.objects.filter(pk=reports["nation"].pk).update(error="x" * 5000)
    body = client_as(central_viewer).get(f"/api/v1/reports/{reports['nation'].pk}/").json()
    assert len(body["error"]) == 300  # as much as the report's page shows


def test_not_ready_is_said_in_vietnamese_by_default(client_as, xa_officer, reports):
    response = client_as(xa_officer).get(f"/api/v1/reports/{reports['commune'].pk}/pdf/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["detail"].startswith("Báo cáo chưa sẵn sàng")


def test_the_workbook_downloads_as_an_attachment(client_as, tinh_leader, reports):
    response = client_as(tinh_leader).get(f"/api/v1/reports/{reports['nghe_an'].pk}/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response["Content-Disposition"].startswith('attachment; filename="bao-cao-tuan-')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content[:2] == b"PK"


# --- Asking for a report -----------------------------------------------------------------------


def test_asking_queues_once_and_asking_again_answers_the_same_report(
    client_as, tinh_officer, nghe_an, no_jobs
):
    api = client_as(tinh_officer)
    ask = {"unit": nghe_an.pk, "week": (WEEK.start + datetime.timedelta(days=2)).isoformat()}
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = api.post("/api/v1/reports/", ask, format="json")
    assert first.status_code == 202
    report = Report.objects.get()
    assert first.json()["id"] == report.pk and first.json()["status"] == "queued"
    assert first.json()["kind"] == "province_weekly" and first["Location"] == f"/api/v1/reports/{report.pk}/"
    assert report.requested_by == tinh_officer and report.period_start == WEEK.start
    with TestCase.captureOnCommitCallbacks(execute=True):
        again = api.post("/api/v1/reports/", ask, format="json")
    assert again.status_code == 200 and again.json()["id"] == report.pk
    assert no_jobs.call_count == 1


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_request(
    client_as, tinh_officer, nghe_an, commune, no_jobs
):
    api = client_as(tinh_officer)
    ask = {"unit": nghe_an.pk, "week": WEEK.start.isoformat()}
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = api.post("/api/v1/reports/", ask, format="json", HTTP_IDEMPOTENCY_KEY="bao-cao-tuan-48")
    with TestCase.captureOnCommitCallbacks(execute=True):
        retry = api.post("/api/v1/reports/", ask, format="json", HTTP_IDEMPOTENCY_KEY="bao-cao-tuan-48")
    # The retry gets the first answer (202, queued), not "asked already" (200).
    assert (first.status_code, retry.status_code) == (202, 202)
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1 and no_jobs.call_count == 1
    other = api.post(
        "/api/v1/reports/",
        {"unit": commune.pk, "week": WEEK.start.isoformat()},
        format="json",
        HTTP_IDEMPOTENCY_KEY="bao-cao-tuan-48",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert Report.objects.count() == 1


def test_another_provinces_unit_or_an_unfinished_week_is_refused(
    client_as, tinh_officer, far_commune, nghe_an, no_jobs
):
    api = client_as(tinh_officer)
    other = api.post(
        "/api/v1/reports/", {"unit": far_commune.province_id, "week": WEEK.start.isoformat()}, format="json"
    )
    assert other.status_code == 400
    assert other.json()["errors"][0] == {
        "code": "invalid_choice",
        "detail": "Hãy chọn một đơn vị trong danh sách.",
        "attr": "unit",
    }
    this_week = local_today()
    unfinished = api.post(
        "/api/v1/reports/", {"unit": nghe_an.pk, "week": this_week.isoformat()}, format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert unfinished.status_code == 400
    assert unfinished.json()["errors"][0]["attr"] == "week"
    assert unfinished.json()["errors"][0]["detail"] == "Choose a finished week from the list."
    empty = api.post("/api/v1/reports/", {}, format="json")
    assert empty.status_code == 400 and {e["attr"] for e in empty.json()["errors"]} == {"unit", "week"}
    assert not Report.objects.exists() and not no_jobs.called


def test_a_read_only_token_cannot_ask_for_a_report(client_as, tinh_officer, nghe_an, no_jobs):
    api = client_as(tinh_officer, read_only=True)
    response = api.post(
        "/api/v1/reports/", {"unit": nghe_an.pk, "week": WEEK.start.isoformat()}, format="json"
    )
    assert response.status_code == 403 and not Report.objects.exists()


@override_settings(REPORT_REQUESTS_PER_MINUTE=2)
def test_a_person_asks_for_a_few_renders_a_minute(client_as, tinh_officer, nghe_an, commune, no_jobs):
    api = client_as(tinh_officer)
    weeks = [WEEK.start - datetime.timedelta(weeks=n) for n in range(3)]
    with mock.patch("tasks_app.rate_limits.current_minute", return_value=time.time_ns()):  # a fresh count
        answers = [
            api.post("/api/v1/reports/", {"unit": nghe_an.pk, "week": week.isoformat()}, format="json")
            for week in weeks
        ]
    assert [a.status_code for a in answers] == [202, 202, 429]
    refused = answers[-1]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["errors"][0]["code"] == "too_many_requests"
    assert Report.objects.count() == 2
    # Asking for a report that exists costs nothing.
    assert (
        api.post(
            "/api/v1/reports/", {"unit": nghe_an.pk, "week": weeks[0].isoformat()}, format="json"
        ).status_code
        == 200
    )


def test_the_list_costs_a_fixed_number_of_queries(
    client_as, central_viewer, reports, django_assert_max_num_queries
):
    api = client_as(central_viewer)
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/reports/").status_code == 200
