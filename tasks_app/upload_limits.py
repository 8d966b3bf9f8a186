"""Limits on what one request may send, enforced while it arrives rather than after.

Officials upload from phones over weak connections, and a server worker is busy for as
long as a body takes to arrive. So:

- a request that declares (Content-Length) more than REQUEST_MAX_BYTES is answered 413
  before a byte of its body is read (`RequestSizeLimitMiddleware`, placed before anything
  that reads the body);
- while a body is read, `EvidenceLimitsUploadHandler` stops keeping a file once it passes
  EVIDENCE_MAX_BYTES, and stops the whole submission once its files pass
  EVIDENCE_MAX_TOTAL_BYTES or their number passes EVIDENCE_MAX_FILES. What it refused is
  left on the request for the form to report (`upload_refusals`).

A body longer than its declared length is never read past it (Django reads CONTENT_LENGTH
bytes at most), and one without a length is read as empty.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import auth
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.formats import number_format
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tasks_app.evidence_files import max_bytes

_MB = 1024 * 1024
DEFAULT_MAX_TOTAL_BYTES = 30 * _MB
DEFAULT_MAX_FILES = 10
# Room for the form's text fields and the multipart framing around the files.
FORM_FIELDS_ALLOWANCE = 1 * _MB


def max_total_bytes() -> int:
    return getattr(settings, "EVIDENCE_MAX_TOTAL_BYTES", DEFAULT_MAX_TOTAL_BYTES)


def max_files() -> int:
    return getattr(settings, "EVIDENCE_MAX_FILES", DEFAULT_MAX_FILES)


def max_request_bytes() -> int:
    return getattr(settings, "REQUEST_MAX_BYTES", max_total_bytes() + FORM_FIELDS_ALLOWANCE)


def megabytes(size: int) -> str:
    # Rounded up, so a file one byte over 10 MB does not read as "10.0 MB".
    tenths = math.ceil(size * 10 / _MB)
    return number_format(tenths / 10, decimal_pos=0 if tenths % 10 == 0 else 1)


@dataclass(frozen=True)
class UploadRefusal:
    code: str  # "file_too_large", "total_too_large" or "too_many_files"
    message: str

    @property
    def cuts_submission(self) -> bool:
        """Whether the rest of the submission was not read: then none of its files is kept."""
        return self.code != "file_too_large"


def upload_refusals(request: HttpRequest) -> list[UploadRefusal]:
    return getattr(request, "upload_refusals", [])


def too_many_files_message() -> str:
    count = max_files()
    return ngettext(
        "One update may carry at most %(count)s file. Attach the others in another update.",
        "One update may carry at most %(count)s files. Attach the others in another update.",
        count,
    ) % {"count": count}


def total_too_large_message() -> str:
    return _(
        "The files of one update may come to at most %(limit)s MB together. Attach fewer "
        "files at once, and the others in another update."
    ) % {"limit": megabytes(max_total_bytes())}


def file_too_large_message(name: str) -> str:
    return _("“%(name)s” is larger than %(limit)s MB; files may be at most %(limit)s MB.") % {
        "name": name,
        "limit": megabytes(max_bytes()),
    }


class EvidenceLimitsUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts what arrives and passes it on to the next
    handler (memory or a temporary file) only while it is within the limits."""

    def __init__(self, request: HttpRequest | None = None):
        super().__init__(request)
        self.files = 0
        self.total = 0
        self.current = 0

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.files += 1
        self.current = 0
        if self.files > max_files():
            self._refuse("too_many_files", too_many_files_message())
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.current += len(raw_data)
        self.total += len(raw_data)
        if self.total > max_total_bytes():
            self._refuse("total_too_large", total_too_large_message())
            # connection_reset=False: the rest of the body (at most REQUEST_MAX_BYTES) is read
            # and dropped, so the answer reaches a browser that is still sending.
            raise StopUpload(connection_reset=False)
        if self.current > max_bytes():
            assert self.file_name is not None  # new_file named it before its first chunk
            self._refuse("file_too_large", file_too_large_message(self.file_name))
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file

    def _refuse(self, code: str, message: str) -> None:
        if self.request is not None:
            # Left on the request for upload_refusals() (HttpRequest declares no such attribute).
            vars(self.request).setdefault("upload_refusals", []).append(UploadRefusal(code, message))


class RequestSizeLimitMiddleware:
    """Answers 413 to a request that declares a body larger than REQUEST_MAX_BYTES, without
    reading it. Must come before any middleware that reads request.POST or request.FILES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads such a body as empty
        if declared > max_request_bytes():
            return request_too_large(request, declared)
        return self.get_response(request)


def request_too_large(request: HttpRequest, declared: int) -> HttpResponse:
    if not hasattr(request, "user"):
        # This runs before the authentication middleware; the page's header names the user.
        # Lazy, as AuthenticationMiddleware sets it; the stubs type it as the user itself.
        request.user = SimpleLazyObject(lambda: auth.get_user(request))  # type: ignore[assignment]
    context = {
        "size": megabytes(declared),
        "total_limit": megabytes(max_total_bytes()),
        "file_limit": megabytes(max_bytes()),
        "max_files": max_files(),
        "back_url": _form_page(request),
    }
    response = render(request, "413.html", context, status=413)
    # A 4xx answer is not swapped in by htmx; the update form checks sizes before sending.
    return response


def _form_page(request: HttpRequest) -> str:
    """The page the form was on: the task page for a task update, else the start page."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return reverse("home")
    if match.url_name == "task_update":
        return reverse("task_detail", kwargs=match.kwargs)
    return reverse("home")
