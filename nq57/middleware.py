from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class IgnoreBrowserLanguageMiddleware:
    """Vietnamese first: the interface language is LANGUAGE_CODE unless the user chose
    another with the language switch (a cookie). Many officials' phones are set to
    English; that alone must not switch a Vietnamese government tool to English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
