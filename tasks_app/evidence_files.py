"""Checks on the evidence files that officials attach to task updates: the type comes from
the content, never from the name or the browser; the size is capped; the name is cleaned.

The type is checked by hand rather than with a first-bytes signature library: a docx and
an xlsx are both zip files, and only the zip's central directory, at the end of the file,
tells them apart from each other and from any other zip. Signature libraries only guess.
"""

import hashlib
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageFile

from tasks_app.evidence_pdf import PDF_HEADER, check_pdf, damaged_file_error

if TYPE_CHECKING:
    from tasks_app.models import Evidence, IndicatorEvidence

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS: tuple[str, ...] = ("pdf", "docx", "xlsx", "jpg", "png")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
DEFAULT_STEM = "minh-chung"
MAX_STEM_LENGTH = 100

_MB = 1024 * 1024
# How much of the start of a file is looked at for signatures and for markup.
_SNIFF_WINDOW = 1024
# Windows (MZ), Linux (ELF) and macOS (Mach-O, both byte orders and fat) programs.
_PROGRAM_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
# The tags browsers look for when they guess that content is a page. Office files and PDFs
# compress their XML, and pictures hold pixels, so none of these turn up at their start.
_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)[\s/>]", re.IGNORECASE
)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
# A zip must start with a local file header: a program with a zip appended (a self-extracting
# archive) also opens with zipfile, which finds the central directory from the end.
_ZIP_SIGNATURE = b"PK\x03\x04"
# The main part of each allowed package, and the content type [Content_Types].xml gives it:
# a macro-enabled document (docm, xlsm) or a template has another.
_OOXML_MAIN_PARTS = {
    "docx": ("word/document.xml", b"wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", b"spreadsheetml.sheet.main+xml"),
}
_CONTENT_TYPES_PART = "[Content_Types].xml"
_CONTENT_TYPES_MAX_BYTES = 256 * 1024
# Macros (VBA projects) and ActiveX controls, declared as content types or present as parts.
_MACRO_MARKERS = re.compile(rb"macroEnabled|vbaProject|vbaData|activeX", re.IGNORECASE)
_MACRO_PARTS = re.compile(r"(?:^|/)(?:vbaProject\.bin|vbaData\.xml|activeX/)", re.IGNORECASE)
# An extension is a short ASCII suffix with a letter in it, so "v1.2" keeps its ".2".
_EXTENSION = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}")


@dataclass(frozen=True)
class InspectedFile:
    name: str
    content_type: str
    extension: str
    size: int
    sha256: str


def max_bytes() -> int:
    return getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES)


def inspect_upload(upload: UploadedFile) -> InspectedFile:
    """Size, hash and type of an upload, or a ValidationError saying what is wrong with it.

    The upload is read in chunks and left at position 0, ready to be saved.
    """
    limit = max_bytes()
    display_name = _display_name(upload.name or "")
    digest = hashlib.sha256()
    head = b""
    size = 0
    try:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                # Stop reading; the size the upload reports is only used to word the message.
                shown = max(size, upload.size or 0)
                raise ValidationError(
                    _("“%(name)s” is %(size)s MB; files may be at most %(limit)s MB."),
                    code="too_large",
                    params={"name": display_name, "size": _megabytes(shown), "limit": _megabytes(limit)},
                )
            digest.update(chunk)
            if len(head) < _SNIFF_WINDOW:
                head += chunk[: _SNIFF_WINDOW - len(head)]
        if size == 0:
            raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": display_name})
        upload.seek(0)
        extension = _detect_extension(head, upload, display_name)
    finally:
        upload.seek(0)
    return InspectedFile(
        name=sanitise_filename(upload.name or "", extension),
        content_type=CONTENT_TYPES[extension],
        extension=extension,
        size=size,
        sha256=digest.hexdigest(),
    )


def sanitise_filename(name: str, extension: str) -> str:
    """A safe display name: the base name only, Vietnamese letters kept, spaces as
    underscores, and the extension replaced by `extension`."""
    stem, _old_extension = _clean_parts(name)
    return f"{stem or DEFAULT_STEM}.{extension}"


def _clean_parts(name: str) -> tuple[str, str]:
    """The cleaned stem and the cleaned original extension ("" if none) of a client's file name."""
    name = re.split(r"[/\\]", name)[-1]
    # NFC first: a Mac sends "ệ" as "e" plus two combining marks, which are not word characters.
    name = unicodedata.normalize("NFC", name)
    # Category C holds control and format characters, among them U+202E, the right-to-left
    # override that makes "anh<U+202E>gpj.exe" display as "anhexe.jpg".
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    stem, dot, extension = name.rpartition(".")
    if not dot or not _EXTENSION.fullmatch(extension):
        stem, extension = name, ""
    stem = re.sub(r"\s+", "_", stem.strip())
    stem = re.sub(r"[^\w.-]", "_", stem)
    stem = re.sub(r"([_.-])\1+", r"\1", stem)
    stem = stem.strip("._-")[:MAX_STEM_LENGTH].rstrip("._-")
    return stem, extension.lower()


def _display_name(name: str) -> str:
    stem, extension = _clean_parts(name)
    stem = stem or DEFAULT_STEM
    return f"{stem}.{extension}" if extension else stem


def _megabytes(size: int) -> str:
    # Rounded up, so a file one byte over 10 MB does not read as "10.0 MB".
    tenths = math.ceil(size * 10 / _MB)
    return number_format(tenths / 10, decimal_pos=0 if tenths % 10 == 0 else 1)


def _detect_extension(head: bytes, fp: IO[bytes], display_name: str) -> str:
    if _MARKUP.search(head):
        # A web page or script that also passes as another type (a polyglot) could render
        # as a page wherever a browser guesses the type from the content.
        raise _unsupported(display_name)
    if PDF_HEADER.match(head):
        check_pdf(fp, display_name)
        return "pdf"
    if head.startswith(_PNG_SIGNATURE):
        _verify_image(fp, "PNG", display_name)
        return "png"
    if head.startswith(_JPEG_SIGNATURE):
        _verify_image(fp, "JPEG", display_name)
        return "jpg"
    if head.startswith(_ZIP_SIGNATURE):
        extension = _ooxml_extension(fp, display_name)
        if extension:
            return extension
    if b"%PDF-" in head and not head.startswith(_PROGRAM_SIGNATURES):
        # PDF readers tolerate bytes before the header; a file that needs that tolerance
        # could be anything, so it is refused with a way to make a clean copy.
        raise ValidationError(
            _(
                "“%(name)s” has extra data before the start of the PDF. Open it and print it to PDF "
                "again (Print, then “Save as PDF”), then attach the new file."
            ),
            code="pdf_lead_in",
            params={"name": display_name},
        )
    raise _unsupported(display_name)


def _unsupported(display_name: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(name)s” is not a PDF, Word (docx), Excel (xlsx), JPEG or PNG file. "
            "The type is checked from the file's content."
        ),
        code="unsupported_type",
        params={"name": display_name},
    )


@contextmanager
def _truncation_is_an_error() -> Iterator[None]:
    """WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when it is imported
    (it renders what it can of a damaged picture); a truncated upload must still fail."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _verify_image(fp: IO[bytes], pillow_format: str, display_name: str) -> None:
    try:
        with Image.open(fp, formats=[pillow_format]) as image:
            if pillow_format == "JPEG":
                # Pillow's verify() does nothing for JPEG; decoding at 1/8 scale reads every
                # scan and finds truncation, in a small fraction of the full image's memory.
                image.draft(None, (1, 1))
                with _truncation_is_an_error():
                    image.load()
            else:
                image.verify()
    # Pillow reports damaged input as OSError, SyntaxError, ValueError, struct.error and
    # more, and a decompression bomb as its own error: all mean the file cannot be used.
    except Exception as error:
        raise _corrupt(display_name) from error


def _ooxml_extension(fp: IO[bytes], display_name: str) -> str | None:
    """ "docx" or "xlsx" from the zip's list of names and its declared content types, or
    None for any other zip. A macro-enabled document (docm, xlsm) is refused.

    Only the small [Content_Types].xml is extracted, capped, so a zip bomb costs no more
    than reading the directory and that one part.
    """
    try:
        with zipfile.ZipFile(fp) as archive:
            names = set(archive.namelist())
            if _CONTENT_TYPES_PART not in names:
                return None
            if archive.getinfo(_CONTENT_TYPES_PART).file_size > _CONTENT_TYPES_MAX_BYTES:
                raise _corrupt(display_name)
            with archive.open(_CONTENT_TYPES_PART) as part:
                content_types = part.read(_CONTENT_TYPES_MAX_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as error:
        raise _corrupt(display_name) from error
    if _MACRO_MARKERS.search(content_types) or any(_MACRO_PARTS.search(n) for n in names):
        raise ValidationError(
            _(
                "“%(name)s” contains macros (program code), which evidence may not carry. Open it and "
                "save it as an ordinary Word document (.docx) or Excel workbook (.xlsx), then attach "
                "that file."
            ),
            code="macros",
            params={"name": display_name},
        )
    found = [
        ext
        for ext, (part, content_type) in _OOXML_MAIN_PARTS.items()
        if part in names and content_type in content_types
    ]
    return found[0] if len(found) == 1 else None


_corrupt = damaged_file_error


def evidence_file_response(evidence: "Evidence | IndicatorEvidence") -> FileResponse:
    """An evidence file as a download (the task page's link and the API's): always an
    attachment, never something the browser renders. 404 when the file is missing."""
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Only the types the upload check gives; anything else (a row written by other means)
    # goes out as bytes to save, never as something a browser would render.
    content_type = evidence.content_type
    if content_type not in CONTENT_TYPES.values():
        content_type = "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=content_type
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, it runs no script and has no access to the app's origin.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
