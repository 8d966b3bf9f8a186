"""Writes to IdempotentRequest: the answers kept for POSTs sent with an Idempotency-Key."""

from typing import Any

from django.db import transaction

from tasks_app.models import IdempotentRequest, User


def idempotency_claim(
    *, user: User, key: str, method: str, path: str, request_hash: str
) -> IdempotentRequest:
    """Take the key for the request being answered, inside the caller's transaction.

    The row is inserted first, before the write it guards: a concurrent request with the
    same key then waits on the unique (user, key) index until this transaction ends, and
    fails with IntegrityError if it committed. Raises IntegrityError (in its own savepoint,
    so the caller's transaction stays usable) when the key is already taken."""
    with transaction.atomic():
        return IdempotentRequest.objects.create(
            user=user, key=key, method=method, path=path, request_hash=request_hash, status_code=0
        )


def idempotency_record(
    *, claim: IdempotentRequest, status_code: int, body: Any, location: str = ""
) -> IdempotentRequest:
    """Keep the answer given to the claimed request, to give it again to a repeat."""
    claim.status_code = status_code
    claim.response_body = body
    claim.location = location
    claim.save(update_fields=["status_code", "response_body", "location"])
    return claim
