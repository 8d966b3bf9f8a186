import unicodedata
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict


class IgnoreBrowserLanguageMiddleware:
    """Vietnamese first: the interface language is LANGUAGE_CODE unless the user chose
    another with the language switch (a cookie). Many officials' phones are set to
    English; that alone must not switch a Vietnamese government tool to English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NormaliseInputMiddleware:
    """Every text a user sends reaches the app composed (NFC): query strings, form fields
    and uploaded file names. Some phones and pasted text send "ế" decomposed (NFD); stored
    as is, it would look the same and compare different (search, uniqueness, sorting)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = _composed(request.GET)
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            try:
                request.POST = _composed(request.POST)
                files = request.FILES
            except OSError:  # an unreadable body: left to the CSRF check to refuse, as before
                return self.get_response(request)
            for upload in (f for name in files for f in files.getlist(name)):
                if upload.name and not unicodedata.is_normalized("NFC", upload.name):
                    upload.name = unicodedata.normalize("NFC", upload.name)
        return self.get_response(request)


def _composed(query: QueryDict) -> QueryDict:
    pairs = list(query.lists())
    if all(_is_nfc(key) and all(_is_nfc(v) for v in values) for key, values in pairs):
        return query
    composed = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in pairs:
        composed.setlist(unicodedata.normalize("NFC", key), [unicodedata.normalize("NFC", v) for v in values])
    composed._mutable = False
    return composed


def _is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)
