"""One error shape for every failure (drf-standardized-errors):

    {"type": "validation_error" | "client_error" | "server_error",
     "errors": [{"code": "...", "detail": "...", "attr": "field" | null}]}

plus, for some errors, a key that helps the client recover (a 412 carries the task's
current version and what changed since the client's). Details are in the language of the
request's Accept-Language (Vietnamese unless it asks for English)."""

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import status
from rest_framework.exceptions import APIException, ErrorDetail, ValidationError
from rest_framework.settings import api_settings

# A lost database connection is a moment to wait, not a bug (nq57/errors.py, issue 16).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


class ApiError(APIException):
    """An error with an optional `extra` mapping added beside "type" and "errors"."""

    def __init__(self, detail: Any = None, code: str | None = None, *, extra: dict[str, Any] | None = None):
        super().__init__(detail, code)
        self.extra = extra or {}


class PreconditionRequired(ApiError):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send the task's ETag in an If-Match header, so a change made meanwhile by someone else is not "
        "overwritten."
    )
    default_code = "precondition_required"


class PreconditionFailed(ApiError):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The task changed after you read it. Nothing was saved: read what changed, then send your "
        "update again with the new ETag."
    )
    default_code = "precondition_failed"


class IdempotencyKeyReused(ApiError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "This Idempotency-Key was already used for a different request. Use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class ApiErrorFormatter(ExceptionFormatter):
    def format_error_response(self, error_response: Any) -> Any:
        body = super().format_error_response(error_response)
        extra = getattr(self.exc, "extra", None)
        if extra:
            body.update(extra)
        return body


class DatabaseUnavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _(
        "The database cannot be reached just now. Nothing was saved; try again in a few seconds."
    )
    default_code = "database_unavailable"
    wait = RETRY_AFTER_SECONDS  # sent as Retry-After


class ApiExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DATABASE_UNAVAILABLE):
            return DatabaseUnavailable()
        return super().convert_known_exceptions(exc)


def error_body(*, code: str, detail: str, error_type: str = "client_error") -> dict[str, Any]:
    """The one error shape, for answers made outside a DRF view (a URL that matches no route)."""
    return {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": None}]}


def form_errors(form: forms.BaseForm) -> ValidationError:
    """A Django form's errors as the API's 400, for endpoints that check their input with
    the web app's own forms: one entry per field and message, with the form's codes and
    (translated) words, `attr` the field."""
    detail: dict[str, list[ErrorDetail]] = {}
    for field, errors in form.errors.as_data().items():
        name = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
        detail[name] = [
            ErrorDetail(message, code=error.code or "invalid")
            for error in errors
            for message in error.messages
        ]
    return ValidationError(detail)
