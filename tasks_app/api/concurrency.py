"""Optimistic concurrency and idempotency for the API's writes.

- A task's ETag comes from its version. A write must send it in If-Match (428 without it);
  a stale one answers 412 with the task's current version and what changed since, unless
  only notes and files were added since (they change nothing a write edits, as in the web
  form: tasks_app.actions.tasks.check_version).
- A POST may carry an Idempotency-Key. The first request with a key is answered and its
  answer kept, in the same transaction as its write; a repeat with the same body gets the
  kept answer and writes nothing; the same key with another body answers 422.
"""

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.actions.idempotency import idempotency_claim, idempotency_record
from tasks_app.actions.tasks import StaleTaskVersion, check_version
from tasks_app.api.errors import IdempotencyKeyReused, PreconditionFailed, PreconditionRequired
from tasks_app.api.serializers.tasks import change_since
from tasks_app.models import IdempotentRequest, Task, User

IDEMPOTENCY_KEY_MAX_LENGTH = 255
_ETAG = re.compile(r'^(?:W/)?"task-(\d{1,20})-v(\d{1,10})"$')


# --- ETags and If-Match -------------------------------------------------------------------


def etag_for(task_id: int, version: int) -> str:
    return f'"task-{task_id}-v{version}"'


def task_etag(task: Task) -> str:
    return etag_for(task.pk, task.version)


def etag_matches(header: str | None, task: Task) -> bool:
    """If-None-Match: does any of the client's ETags name the task's current version?"""
    if not header:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or any(_version_in(tag, task) == task.version for tag in tags)


def _version_in(tag: str, task: Task) -> int | None:
    found = _ETAG.match(tag)
    if found is None or int(found[1]) != task.pk:
        return None
    return int(found[2])


def stale_error(conflict: StaleTaskVersion) -> PreconditionFailed:
    current = conflict.current
    return PreconditionFailed(
        extra={
            "current_version": current.version,
            "etag": task_etag(current),
            "changes_since": [change_since(update) for update in conflict.since],
        }
    )


def expected_version(request: Request, task: Task) -> int:
    """The version the client last read, from If-Match: 428 when missing, 412 when it is
    not the task's (unless only notes and files came since)."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    versions = [_version_in(tag.strip(), task) for tag in header.split(",")]
    known = [version for version in versions if version is not None]
    if not known:
        raise stale_error(StaleTaskVersion(task))
    version = max(known)
    try:
        check_version(task, version)
    except StaleTaskVersion as conflict:
        raise stale_error(conflict) from None
    return version


# --- Idempotency-Key ----------------------------------------------------------------------

# The header as the schema documents it, for every POST that honours it.
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=gettext_lazy(
        "A key of the client's choosing (a UUID): sent again with the same request, it gets the first "
        "answer and nothing is written twice."
    ),
)


def request_digest(request: Request) -> str:
    """What makes two requests "the same": method, path, media type and parsed body.

    The parsed body rather than the raw bytes, because a client that retries a multipart
    upload draws a new boundary each time; files count by name and content (SHA-256)."""
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict: form fields and files
        items = []
        for name, values in data.lists():
            for value in values:
                items.append([name, _file_digest(value) if hasattr(value, "chunks") else str(value)])
        body = json.dumps(sorted(items), ensure_ascii=False)
    else:
        body = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    text = "\n".join([request.method or "", request.path, media_type, body])
    return hashlib.sha256(text.encode()).hexdigest()


def _file_digest(upload: Any) -> str:
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return f"file:{upload.name}:{upload.size}:{sha.hexdigest()}"


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationError(
            {"Idempotency-Key": [_("An Idempotency-Key has 1 to 255 characters.")]}, code="invalid"
        )
    return key


def _replay(stored: IdempotentRequest, digest: str) -> Response:
    if stored.request_hash != digest:
        raise IdempotencyKeyReused()
    headers = {"Idempotent-Replayed": "true"}
    if isinstance(stored.response_body, dict) and stored.response_body.get("etag"):
        headers["ETag"] = stored.response_body["etag"]
    if stored.location:
        headers["Location"] = stored.location
    return Response(stored.response_body, status=stored.status_code, headers=headers)


def _kept(user: User, key: str) -> IdempotentRequest | None:
    return IdempotentRequest.objects.filter(user=user, key=key).first()


def idempotent(request: Request, user: User, write: Callable[[], Response]) -> Response:
    """Answer with `write()`, once per Idempotency-Key (when the request has one).

    `write` runs inside the transaction that claims the key, so the kept answer and the
    write commit together. Only successful answers (2xx) are kept: a refused request wrote
    nothing, and may be corrected and sent again with the same key. An exception from
    `write` rolls the claim back with everything else."""
    key = idempotency_key(request)
    if key is None:
        return write()
    digest = request_digest(request)
    for _attempt in range(2):
        stored = _kept(user, key)
        if stored is not None:
            return _replay(stored, digest)
        try:
            return _write_once(request, user, key, digest, write)
        except _KeyTaken:
            continue  # a concurrent request with this key committed first: give its answer
    raise IdempotencyKeyReused()  # taken, yet gone: only a deletion in between does this


def _write_once(
    request: Request, user: User, key: str, digest: str, write: Callable[[], Response]
) -> Response:
    try:
        with transaction.atomic():
            try:
                claim = idempotency_claim(
                    user=user,
                    key=key,
                    method=request.method or "",
                    path=request.path[:500],
                    request_hash=digest,
                )
            except IntegrityError:
                raise _KeyTaken from None
            response = write()
            if not 200 <= response.status_code < 300:
                raise _NotKept(response)
            body = json.loads(JSONRenderer().render(response.data) or b"null")
            idempotency_record(
                claim=claim,
                status_code=response.status_code,
                body=body,
                location=response.get("Location", ""),
            )
            return response
    except _NotKept as refused:
        return refused.response


class _NotKept(Exception):
    def __init__(self, response: Response):
        self.response = response


class _KeyTaken(Exception):
    pass
