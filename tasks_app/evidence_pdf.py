"""The checks an evidence PDF must pass: it parses as a PDF, it can be read without a
password, and it carries nothing that acts on its own when opened.

Evidence is opened by provincial and central staff on their office computers, so a PDF
that runs a script, launches a program, submits a form or carries a file inside it is
refused outright rather than stored and flagged: a stored file is one download away from
someone's PDF reader. An official's ordinary documents (printed or exported from Word,
scanned on a copier or a phone app) have none of these.

Parsing is bounded: pypdf caps decompression and array and dictionary sizes itself, the
upload is at most EVIDENCE_MAX_BYTES, and the walk below stops after a fixed number of
objects, values, pages and seconds. Any error pypdf raises on a hostile or broken file means the file is
refused with a message, never a server error.
"""

import logging
import re
import time
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# The header every PDF writer puts at byte 0: "%PDF-1.7", "%PDF-2.0".
PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
MAX_PAGES = 2000
MAX_OBJECTS = 100_000
# Direct values (dictionary entries, array items) looked at across all objects.
MAX_VALUES = 1_000_000
# pypdf parses about 2,000 small objects a second (a 100-page document with 50 links a page
# has 5,600) and a megabyte of string a second; a file that takes longer than this is
# refused as too complex rather than waited for. Ordinary files take well under a second.
MAX_SECONDS = 5.0

# Keys that only ever hold something that acts by itself or hides another file:
# scripts (/JS, the document's /JavaScript name tree), additional actions run on opening a
# page or focusing a field (/AA), embedded and attached files, XFA forms (which carry
# scripts), rich media (Flash and 3D with scripts).
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EmbeddedFile", "/XFA", "/RichMedia", "/Launch"}
)
# Action types that run code, open another program or file, or send data somewhere.
_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
        "/Sound",
        "/Movie",
    }
)

# pypdf reports what it repairs in a damaged file as warnings; they say nothing to us.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class _TooComplex(Exception):
    pass


def check_pdf(fp: IO[bytes], display_name: str) -> None:
    """Raise a ValidationError unless `fp` is a readable PDF without active content."""
    try:
        reader = PdfReader(fp, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _refusal(display_name, "encrypted")
        pages = _page_count(reader)
        if pages == 0:
            raise damaged_file_error(display_name)
        if pages > MAX_PAGES or _has_active_content(reader):
            raise _refusal(display_name, "too_complex" if pages > MAX_PAGES else "active_content")
    except ValidationError:
        raise
    except _TooComplex:
        raise _refusal(display_name, "too_complex") from None
    # pypdf's own errors, and what a hostile file makes it raise besides (RecursionError,
    # KeyError, a missing decryption library's DependencyError...), all mean: unusable.
    except Exception as error:
        if _needs_password(error):
            raise _refusal(display_name, "encrypted") from error
        raise damaged_file_error(display_name) from error


def _needs_password(error: Exception) -> bool:
    # pypdf raises FileNotDecryptedError, or DependencyError when AES needs a library.
    return type(error).__name__ in {"FileNotDecryptedError", "DependencyError", "WrongPasswordError"}


def _page_count(reader: PdfReader) -> int:
    # /Count of the page tree is what the file claims; walking the tree is what a reader
    # does, and a tree that loops or is too big is refused before it costs much.
    root = reader.trailer["/Root"].get_object()
    if not isinstance(root, DictionaryObject):  # no catalogue: a damaged file
        return 0
    pages = root[NameObject("/Pages")].get_object()
    if not isinstance(pages, DictionaryObject):  # no page tree: likewise
        return 0
    count = pages.get("/Count", 0)
    if not isinstance(count, int) or count > MAX_PAGES:
        return MAX_PAGES + 1 if isinstance(count, int) else 0
    return len(reader.pages)


def _has_active_content(reader: PdfReader) -> bool:
    """Whether any object in the file holds active content: every object the
    cross-reference lists, reachable from the root or not (a damaged file is repaired
    differently by different readers), and every object referred to, listed or not.
    """
    listed = [
        IndirectObject(number, generation, reader)
        for generation, numbers in reader.xref.items()
        for number in numbers
    ]
    listed += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    values = 0
    deadline = time.monotonic() + MAX_SECONDS
    while stack or listed:
        value = stack.pop() if stack else listed.pop()
        if isinstance(value, IndirectObject):
            key = (value.idnum, value.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_OBJECTS or time.monotonic() > deadline:
                raise _TooComplex
            value = value.get_object()
        values += 1
        if values > MAX_VALUES:
            raise _TooComplex
        if isinstance(value, DictionaryObject):
            if _is_active(value):
                return True
            stack.extend(value.values())
        elif isinstance(value, ArrayObject):
            stack.extend(value)
    return False


def _is_active(dictionary: DictionaryObject) -> bool:
    if any(key in _ACTIVE_KEYS for key in dictionary):
        return True
    if _resolved(dictionary.get("/S")) in _ACTIVE_ACTIONS:
        return True
    # /OpenAction is fine as a destination (open at page 1, fit to width); as an action it
    # may only go to a page in this file.
    action = _resolved(dictionary.get("/OpenAction"))
    return isinstance(action, DictionaryObject) and _resolved(action.get("/S")) != "/GoTo"


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


_MESSAGES = {
    "active_content": gettext_noop(
        "“%(name)s” contains scripts, automatic actions or files attached inside it, which evidence "
        "may not carry. Print it to PDF again (Print, then “Save as PDF”) or scan the paper copy, "
        "and attach the new file."
    ),
    "encrypted": gettext_noop(
        "“%(name)s” is protected with a password, so it cannot be checked or read by others. "
        "Remove the password, or print it to PDF again (Print, then “Save as PDF”), and attach "
        "the new file."
    ),
    "too_complex": gettext_noop(
        "“%(name)s” has more than %(pages)s pages or is too complex to check. Split it into "
        "smaller files and attach them."
    ),
}


def _refusal(display_name: str, code: str) -> ValidationError:
    return ValidationError(
        _(_MESSAGES[code]), code=f"pdf_{code}", params={"name": display_name, "pages": MAX_PAGES}
    )


def damaged_file_error(display_name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is damaged or incomplete and cannot be opened."),
        code="corrupt",
        params={"name": display_name},
    )
