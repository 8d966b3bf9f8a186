"""The OpenAPI description (drf-spectacular, with drf-standardized-errors' error shapes):
the token scheme, and the error bodies of the statuses this API adds (412, 422, 428)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_standardized_errors.openapi import AutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers

from tasks_app.api.pagination import PagePagination, SyncCursorPagination


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tasks_app.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            # Made per request, in its language, with the page's own address.
            "description": gettext(
                "Authorization: Bearer nq57_…, with a token you create on the “API tokens” page of the "
                "web app (%(path)s, in the user menu): read-only or read-write, or for the daily feed, "
                "and with an expiry. See docs/api.md."
            )
            % {"path": reverse("api_tokens")},
        }


class _Error(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse428Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = _Error(many=True)  # type: ignore[assignment]  # the body's "errors", not Serializer.errors


class ChangeSinceSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    at = serializers.DateTimeField()
    author = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    note = serializers.CharField()
    changes = serializers.DictField(child=serializers.ListField())


class ErrorResponse412Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = _Error(many=True)  # type: ignore[assignment]  # the body's "errors", not Serializer.errors
    current_version = serializers.IntegerField()
    etag = serializers.CharField()
    changes_since = ChangeSinceSerializer(many=True)


class ErrorResponse422Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = _Error(many=True)  # type: ignore[assignment]  # the body's "errors", not Serializer.errors


# The statuses a view lists in `precondition_statuses` are documented on its writes only.
EXTRA_ERROR_SERIALIZERS = {
    "412": ErrorResponse412Serializer,
    "422": ErrorResponse422Serializer,
    "428": ErrorResponse428Serializer,
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ApiAutoSchema(AutoSchema):
    def _should_add_error_response(self, responses: dict, status_code: str) -> bool:
        if status_code in EXTRA_ERROR_SERIALIZERS:
            return (
                self.method in WRITE_METHODS
                and status_code in getattr(self.view, "write_error_statuses", ())
                and status_code not in responses
            )
        return super()._should_add_error_response(responses, status_code)

    def _get_extra_validation_errors(self) -> dict[str, set[str]]:
        # A list's page_size outside its bounds answers 400 (pagination.strict_page_size).
        extra: dict[str, set[str]] = super()._get_extra_validation_errors()
        paginator = self._get_paginator()
        # (A view that pages by hand, as the feed, names page_size among its parameters.)
        named = any(getattr(p, "name", None) == "page_size" for p in self.get_override_parameters())
        if (
            self.method == "GET"
            and (self._is_list_view() or named)
            and isinstance(paginator, (PagePagination, SyncCursorPagination))
        ):
            extra.setdefault("page_size", set()).add("invalid")
        return extra

    def _get_error_response_serializer(self, status_code: str) -> Any:
        return EXTRA_ERROR_SERIALIZERS.get(status_code) or super()._get_error_response_serializer(status_code)
