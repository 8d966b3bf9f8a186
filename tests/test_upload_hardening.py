"""Uploads that pass as something they are not, and uploads too big to receive (issue 15, §4).

The type checks go through inspect_upload; the size limits through HTTP, as a browser sends."""

import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile, StopUpload
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from tasks_app.actions.tasks import EvidenceUpload, task_change
from tasks_app.evidence_files import inspect_upload
from tasks_app.models import Evidence, Task, TaskUpdate
from tasks_app.upload_limits import EvidenceLimitsUploadHandler, RequestSizeLimitMiddleware
from tests.evidence_samples import (
    DOCX,
    PDF,
    WORD_MACRO_MAIN,
    WORD_MAIN,
    ooxml,
    pdf_bytes,
    pdf_of_size,
    pdf_with_document_script,
    pdf_with_embedded_file,
    pdf_with_open_action_script,
    pdf_writer,
)

# --- What a file is: decided by its content, parsed as a reader would ---------------------------


def refusal(content: bytes, name: str) -> ValidationError:
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        inspect_upload(upload)
    return caught.value


# A Windows program whose DOS stub carries "%PDF-1.7" (it was stored as hoso2.pdf).
EXE_WITH_PDF_IN_STUB = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"%PDF-1.7 This program cannot be run in DOS mode.\r\n$"
    + b"\x00" * 200
    + b"PE\x00\x00"
)
HTML_WITH_PDF_COMMENT = b"<!doctype html><html><!-- %PDF- --><script>fetch('/tasks/')</script></html>"


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (EXE_WITH_PDF_IN_STUB, "hoso2.pdf", "unsupported_type"),
        (HTML_WITH_PDF_COMMENT, "trang.pdf", "unsupported_type"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"%PDF-1.4", "chuong-trinh.pdf", "unsupported_type"),
        # Lead-in before the header: PDF readers tolerate it, so anything could hide there.
        (b"\xef\xbb\xbf\r\n" + PDF, "scan.pdf", "pdf_lead_in"),
        (b"junk" * 10 + PDF, "scan2.pdf", "pdf_lead_in"),
        # A header and nothing a reader can use.
        (b"%PDF-1.7\n" + b"garbage " * 200, "rac.pdf", "corrupt"),
        (PDF[: len(PDF) // 2], "cut.pdf", "corrupt"),
        (
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
            "empty.pdf",
            "corrupt",
        ),
    ],
)
def test_only_a_file_that_parses_as_a_pdf_from_byte_0_is_a_pdf(content, name, code):
    assert refusal(content, name).code == code


@pytest.mark.parametrize(
    "content",
    [pdf_with_open_action_script(), pdf_with_document_script(), pdf_with_embedded_file()],
    ids=["open-action-javascript", "names-javascript", "embedded-file"],
)
def test_a_pdf_with_a_script_or_a_file_inside_is_refused_with_what_to_do(content):
    error = refusal(content, "bien-ban.pdf")
    assert error.code == "pdf_active_content"
    assert "Print it to PDF again" in error.messages[0]
    with pytest.raises(ValidationError) as caught, translation.override("vi"):
        inspect_upload(SimpleUploadedFile("bien-ban.pdf", content))
    assert "In lại ra PDF" in caught.value.messages[0]


def pdf_with_catalog_action(name: str) -> bytes:
    """A PDF whose catalog runs an action when the document opens (/AA /O)."""
    writer = pdf_writer()
    action = DictionaryObject({NameObject("/S"): NameObject(name), NameObject("/JS"): TextStringObject("x")})
    writer.root_object[NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    return pdf_bytes(writer)


def test_an_additional_action_on_opening_is_refused():
    assert refusal(pdf_with_catalog_action("/JavaScript"), "aa.pdf").code == "pdf_active_content"


def test_an_action_type_behind_a_reference_is_found():
    writer = pdf_writer()
    action = DictionaryObject(
        {
            NameObject("/S"): writer._add_object(NameObject("/JavaScript")),
            NameObject("/JS"): TextStringObject("x"),
        }
    )
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(
                [NumberObject(0), NumberObject(0), NumberObject(99), NumberObject(99)]
            ),
            NameObject("/A"): action,
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    content = pdf_bytes(writer).replace(b"/JS ", b"/XY ")  # only the action type can tell now
    assert refusal(content, "ref.pdf").code == "pdf_active_content"


def test_a_launch_action_behind_an_escaped_name_is_found():
    # "/L#61unch" is "/Launch" to a reader; a placeholder of the same length keeps the offsets.
    writer = pdf_writer()
    launch = DictionaryObject(
        {NameObject("/S"): NameObject("/XXXXXXXX"), NameObject("/F"): TextStringObject("a")}
    )
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(launch)
    content = pdf_bytes(writer).replace(b"/XXXXXXXX", b"/L#61unch")
    assert refusal(content, "launch.pdf").code == "pdf_active_content"


def test_a_real_pdf_is_accepted_with_a_plain_open_action():
    writer = pdf_writer()
    writer.page_mode = "/UseOutlines"
    # Word and LibreOffice open at page 1 with an /OpenAction destination: not an action.
    writer.open_destination = writer.pages[0]
    assert inspect_upload(SimpleUploadedFile("ket-qua.pdf", pdf_bytes(writer))).extension == "pdf"
    assert inspect_upload(SimpleUploadedFile("bien-ban.pdf", PDF)).extension == "pdf"


def test_a_password_protected_pdf_is_refused_but_an_owner_restricted_one_is_read():
    locked = pdf_writer()
    locked.encrypt(user_password="mat-khau", owner_password="chu", algorithm="RC4-128")
    assert refusal(pdf_bytes(locked), "khoa.pdf").code == "pdf_encrypted"
    restricted = PdfWriter(clone_from=io.BytesIO(PDF))
    restricted.encrypt(user_password="", owner_password="chu", algorithm="RC4-128")
    assert inspect_upload(SimpleUploadedFile("han-che.pdf", pdf_bytes(restricted))).extension == "pdf"


@pytest.mark.parametrize(
    "content",
    [
        ooxml("word/document.xml", WORD_MACRO_MAIN, "word/vbaProject.bin"),
        ooxml("word/document.xml", WORD_MACRO_MAIN),
        ooxml("word/document.xml", WORD_MAIN, "word/vbaProject.bin"),
        ooxml("word/document.xml", WORD_MAIN, "word/activeX/activeX1.xml"),
    ],
    ids=["docm", "macro-content-type", "vba-part", "activex"],
)
def test_a_macro_enabled_office_file_is_refused_whatever_its_name(content):
    error = refusal(content, "bao-cao.docx")
    assert error.code == "macros"
    assert "save it as an ordinary Word document (.docx)" in error.messages[0]


def png_with_text(text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "anh.png"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "a.png"),
        (b"<html><body><script>alert(1)</script></body></html>", "anh.jpg"),
        # Polyglots: a real picture or PDF that a browser sniffing the content would render as a page.
        (png_with_text("<html><script>alert(document.cookie)</script></html>"), "anh.png"),
        (PDF.replace(b"\n", b"\n%<script>alert(1)</script>\n", 1), "trang.pdf"),
    ],
)
def test_markup_is_refused_whatever_it_is_named_or_wrapped_in(content, name):
    assert refusal(content, name).code == "unsupported_type"


def test_a_real_docx_still_passes():
    assert inspect_upload(SimpleUploadedFile("bao-cao.docx", DOCX)).extension == "docx"


# --- How much one request may send ---------------------------------------------------------------


@pytest.fixture
def task(make_task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_task()


@pytest.fixture
def officer_client(client, xa_officer):
    client.force_login(xa_officer)
    return client


class BodyThatMustNotBeRead(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def form_data(task, **fields):
    return {
        "version": task.version,
        "submission_key": str(uuid.uuid4()),
        "status": task.status,
        "progress": task.progress,
        "note": "Đã gửi biên bản",
        **fields,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_a_declared_100_mb_body_is_answered_413_before_it_is_read(officer_client, task, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = officer_client.post(
        reverse("task_update", args=[task.pk]),
        CONTENT_TYPE="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
        **{"wsgi.input": BodyThatMustNotBeRead()},
        **headers,
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "Tệp quá lớn, không gửi được" in page
    assert "100 MB" in page and "30 MB" in page
    assert reverse("task_detail", args=[task.pk]) in page  # a way back to the form
    assert Task.objects.get(pk=task.pk).version == 1


def test_the_size_check_comes_before_anything_that_reads_the_body(settings):
    middleware = settings.MIDDLEWARE
    limit = middleware.index("tasks_app.upload_limits.RequestSizeLimitMiddleware")
    assert limit < middleware.index("nq57.middleware.NormaliseInputMiddleware")
    assert limit < middleware.index("django.middleware.csrf.CsrfViewMiddleware")
    assert settings.FILE_UPLOAD_HANDLERS[0] == "tasks_app.upload_limits.EvidenceLimitsUploadHandler"


def test_a_request_within_the_limit_passes_through():
    request = RequestFactory().post("/x/", {"note": "ghi chú"})
    assert RequestSizeLimitMiddleware(lambda r: "passed")(request) == "passed"


@pytest.mark.django_db
def test_files_over_the_total_cap_are_refused_and_nothing_is_half_saved(officer_client, task, settings):
    settings.EVIDENCE_MAX_BYTES = 5000
    settings.EVIDENCE_MAX_TOTAL_BYTES = 10_000
    files = [SimpleUploadedFile(f"bien-ban-{i}.pdf", pdf_of_size(4000 + i)) for i in range(3)]
    response = officer_client.post(
        reverse("task_update", args=[task.pk]), form_data(task, progress=60, evidence=files)
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Các tệp của một lần cập nhật tổng cộng tối đa" in page
    assert "Đã gửi biên bản" in page  # the typed note comes back
    assert 'name="kept_evidence"' not in page  # no file of the cut submission is kept
    assert Task.objects.get(pk=task.pk).version == 1
    assert not TaskUpdate.objects.exists() and not Evidence.objects.exists()


@pytest.mark.django_db
def test_more_files_than_allowed_are_refused(officer_client, task, settings):
    settings.EVIDENCE_MAX_FILES = 2
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = [SimpleUploadedFile(f"anh-{i}.pdf", PDF) for i in range(3)]
    response = officer_client.post(reverse("task_update", args=[task.pk]), form_data(task, evidence=files))
    assert response.status_code == 422
    assert "Mỗi lần cập nhật gửi được tối đa 2 tệp" in response.content.decode()
    assert not TaskUpdate.objects.exists() and not Evidence.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_limit_is_refused_by_name(officer_client, task, settings):
    settings.EVIDENCE_MAX_BYTES = 5000
    files = [SimpleUploadedFile("lon.pdf", pdf_of_size(9000)), SimpleUploadedFile("vua.pdf", PDF)]
    response = officer_client.post(reverse("task_update", args=[task.pk]), form_data(task, evidence=files))
    assert response.status_code == 422
    assert "“lon.pdf” lớn hơn" in response.content.decode()
    assert not TaskUpdate.objects.exists() and not Evidence.objects.exists()


def test_the_upload_handler_stops_keeping_a_file_once_past_the_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 100
    settings.EVIDENCE_MAX_TOTAL_BYTES = 250
    request = RequestFactory().post("/x/")
    handler = EvidenceLimitsUploadHandler(request)
    handler.new_file("evidence", "a.pdf", "application/pdf", None)
    assert handler.receive_data_chunk(b"x" * 100, 0) == b"x" * 100
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"x", 100)
    handler.new_file("evidence", "b.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"x" * 100, 0)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 50, 100)
    assert [r.code for r in request.upload_refusals] == ["file_too_large", "total_too_large"]


@pytest.mark.django_db
def test_downloads_never_render_in_the_apps_origin(officer_client, task, xa_officer):
    officer_client.post(
        reverse("task_update", args=[task.pk]),
        form_data(task, evidence=[SimpleUploadedFile("bien-ban.pdf", PDF)]),
    )
    response = officer_client.get(reverse("evidence_download", args=[task.pk, Evidence.objects.get().pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")


@pytest.mark.django_db
def test_a_stored_file_of_another_type_downloads_as_bytes_to_save(officer_client, task, xa_officer):
    # A row written by other means than the upload checks (an import, an old version).
    content = b"<html><script>alert(1)</script></html>"
    stored = default_storage.save("evidence/trang.html", ContentFile(content))
    task_change(
        task=Task.objects.get(pk=task.pk),
        expected_version=1,
        author=xa_officer,
        note="Nhập từ hệ thống cũ",
        evidence=[EvidenceUpload(stored, "trang.html", "text/html", len(content), "0" * 64)],
    )
    response = officer_client.get(reverse("evidence_download", args=[task.pk, Evidence.objects.get().pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"].startswith("sandbox")
