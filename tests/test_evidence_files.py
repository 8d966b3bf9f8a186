import hashlib
import io
import unicodedata
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils import translation
from PIL import Image

from tasks_app.evidence_files import DEFAULT_MAX_BYTES, inspect_upload, max_bytes, sanitise_filename
from tests.evidence_samples import DOCX, EXCEL_MAIN, PDF, WORD_MAIN, XLSX, ooxml, pdf_of_size


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def zipped(*names: str, member_size: int = 4) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, b"x" * member_size)
    return out.getvalue()


WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rejection(upload) -> ValidationError:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        inspect_upload(upload)
    assert upload.tell() == 0
    return caught.value


@pytest.fixture
def default_limit(settings):
    del settings.EVIDENCE_MAX_BYTES


@pytest.mark.parametrize(
    ("content", "name", "expected_name", "content_type"),
    [
        (PDF, "Biên bản nghiệm thu.pdf", "Biên_bản_nghiệm_thu.pdf", "application/pdf"),
        (image("PNG"), "ảnh hiện trường.png", "ảnh_hiện_trường.png", "image/png"),
        (image("JPEG"), "IMG_0001.JPEG", "IMG_0001.jpg", "image/jpeg"),
        (DOCX, "báo cáo.docx", "báo_cáo.docx", WORD),
        (XLSX, "số liệu.xlsx", "số_liệu.xlsx", EXCEL),
        # The name lies; the content decides, and the name is corrected.
        (image("PNG"), "ảnh.pdf", "ảnh.png", "image/png"),
        (PDF, "báo cáo.PDF.exe", "báo_cáo.PDF.pdf", "application/pdf"),
        (XLSX, "bảng tính", "bảng_tính.xlsx", EXCEL),
    ],
)
def test_it_accepts_allowed_types_by_content(content, name, expected_name, content_type):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    inspected = inspect_upload(upload)
    assert inspected.name == expected_name
    assert inspected.content_type == content_type
    assert inspected.extension == expected_name.rsplit(".", 1)[1]
    assert inspected.size == len(content)
    assert inspected.sha256 == hashlib.sha256(content).hexdigest()
    assert upload.tell() == 0
    assert upload.read() == content


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00\x03\x00" + b"\x00" * 120 + b"This program cannot be run in DOS mode", "setup.pdf"),
        (b"<!doctype html><script>alert(1)</script>", "trang.pdf"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.png"),
        (image("GIF"), "anim.jpg"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "cu.doc"),
        (b"just some text\n", "ghi chu.txt"),
        (zipped("a.txt", "b/c.csv"), "tai lieu.zip"),
        (zipped("word/document.xml"), "no-content-types.docx"),
        (zipped("[Content_Types].xml", "ppt/presentation.xml"), "slides.docx"),
        # A main part its content types do not declare.
        (ooxml("xl/workbook.xml", WORD_MAIN), "mislabelled.xlsx"),
        # A self-extracting archive: a program with a zip appended.
        (b"MZ" + b"\x00" * 62 + DOCX, "installer.docx"),
    ],
)
def test_it_rejects_other_types_whatever_their_name(content, name):
    error = rejection(SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert error.code == "unsupported_type"
    assert "is not a PDF, Word (docx), Excel (xlsx), JPEG or PNG file" in error.messages[0]


def test_it_reads_an_upload_spooled_to_disk():
    # Django spools uploads over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file.
    content = ooxml("xl/workbook.xml", EXCEL_MAIN, "xl/media/image1.png", member_size=1_000_000)
    with TemporaryUploadedFile("số liệu.xlsx", "application/zip", len(content), None) as upload:
        upload.write(content)
        inspected = inspect_upload(upload)
        assert (inspected.extension, inspected.size) == ("xlsx", len(content))
        assert inspected.sha256 == hashlib.sha256(content).hexdigest()
        assert upload.tell() == 0


def test_the_message_names_the_file_by_its_sanitised_name():
    error = rejection(SimpleUploadedFile("thư mời & lịch.pdf", b"<html></html>"))
    assert error.messages[0].startswith("“thư_mời_lịch.pdf” is not a PDF")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (image("PNG")[:60], "cut.png"),
        (image("PNG")[:-5], "no-end.png"),
        (image("JPEG")[:-40], "cut.jpg"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "fake.png"),
        (b"\xff\xd8\xff\xe0" + b"junk" * 50, "fake.jpg"),
        (DOCX[:-30], "cut.docx"),
        (b"PK\x03\x04" + b"\x00" * 200, "broken.xlsx"),
    ],
)
def test_it_rejects_damaged_files(content, name):
    error = rejection(SimpleUploadedFile(name, content))
    assert error.code == "corrupt"
    assert error.messages == [f"“{name}” is damaged or incomplete and cannot be opened."]


def test_it_rejects_an_empty_file():
    error = rejection(SimpleUploadedFile("trống.pdf", b""))
    assert error.code == "empty"
    assert error.messages == ["“trống.pdf” is empty."]


def test_the_default_limit_is_ten_megabytes(default_limit):
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024
    assert max_bytes() == 10 * 1024 * 1024


def test_a_file_of_exactly_ten_megabytes_is_accepted(default_limit):
    content = pdf_of_size(10 * 1024 * 1024)
    assert inspect_upload(SimpleUploadedFile("lớn.pdf", content)).size == 10 * 1024 * 1024


def test_a_file_one_byte_over_ten_megabytes_is_rejected(default_limit):
    content = PDF + b"0" * (10 * 1024 * 1024 + 1 - len(PDF))
    error = rejection(SimpleUploadedFile("lớn.pdf", content))
    assert error.code == "too_large"
    assert error.messages == ["“lớn.pdf” is 10.1 MB; files may be at most 10 MB."]


def test_the_limit_comes_from_settings_and_reading_stops_once_past_it(settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    assert max_bytes() == 1000

    class CountingUpload(SimpleUploadedFile):
        chunks_read = 0

        def chunks(self, chunk_size=None):
            # An in-memory upload yields itself whole; a temporary file on disk comes in pieces.
            self.seek(0)
            while chunk := self.read(100):
                self.chunks_read += 1
                yield chunk

    upload = CountingUpload("dài.pdf", PDF + b"0" * 100_000)
    assert rejection(upload).code == "too_large"
    assert upload.chunks_read == 11
    assert inspect_upload(SimpleUploadedFile("vừa.pdf", pdf_of_size(1000))).size == 1000


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("Biên bản nghiệm thu.pdf", "pdf", "Biên_bản_nghiệm_thu.pdf"),
        (unicodedata.normalize("NFD", "Biên bản.docx"), "docx", "Biên_bản.docx"),
        ("báo cáo.PDF.exe", "pdf", "báo_cáo.PDF.pdf"),
        ("../../etc/passwd", "png", "passwd.png"),
        ("..\\..\\Windows\\evil.exe", "jpg", "evil.jpg"),
        (".htaccess", "png", "htaccess.png"),
        ("ảnh\u202egpj.exe", "png", "ảnhgpj.png"),
        ("a\x00b\nc\td.pdf", "pdf", "abcd.pdf"),
        ("báo   cáo (bản cuối)!!.docx", "docx", "báo_cáo_bản_cuối.docx"),
        ("kế hoạch v1.2", "pdf", "kế_hoạch_v1.2.pdf"),
        ("--..__tệp__..--.xlsx", "xlsx", "tệp.xlsx"),
        ("...", "pdf", "minh-chung.pdf"),
        ("", "xlsx", "minh-chung.xlsx"),
        ("???.jpg", "jpg", "minh-chung.jpg"),
    ],
)
def test_sanitise_filename(name, extension, expected):
    assert sanitise_filename(name, extension) == expected


def test_sanitise_filename_caps_the_stem_at_100_characters():
    assert sanitise_filename("ệ" * 300 + ".pdf", "pdf") == "ệ" * 100 + ".pdf"


def test_a_truncated_jpeg_is_refused_even_after_weasyprint_is_imported():
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    error = rejection(SimpleUploadedFile("cut.jpg", image("JPEG")[:-40]))
    assert error.code == "corrupt"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as WeasyPrint wants it
