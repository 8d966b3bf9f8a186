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
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageFile

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
# PDF readers accept a header anywhere in the first 1024 bytes, so scanners' output may have some lead-in.
_PDF_HEADER_WINDOW = 1024
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
# A zip must start with a local file header: a program with a zip appended (a self-extracting
# archive) also opens with zipfile, which finds the central directory from the end.
_ZIP_SIGNATURE = b"PK\x03\x04"
_OOXML_MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
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
            if len(head) < _PDF_HEADER_WINDOW:
                head += chunk[: _PDF_HEADER_WINDOW - len(head)]
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
    if b"%PDF-" in head[:_PDF_HEADER_WINDOW]:
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
    raise ValidationError(
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
    """ "docx" or "xlsx" from the zip's list of names, or None for any other zip.

    Nothing is extracted, so a zip bomb costs no more than reading its directory.
    """
    try:
        with zipfile.ZipFile(fp) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise _corrupt(display_name) from error
    if "[Content_Types].xml" not in names or any(n.endswith("vbaProject.bin") for n in names):
        # Not an Office Open XML package, or a macro-enabled one (docm, xlsm).
        return None
    found = [ext for ext, part in _OOXML_MAIN_PARTS.items() if part in names]
    return found[0] if len(found) == 1 else None


def _corrupt(display_name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is damaged or incomplete and cannot be opened."),
        code="corrupt",
        params={"name": display_name},
    )
