"""What a PDF may load while WeasyPrint lays it out: the app's own static files and media,
read straight from disk, and nothing else.

WeasyPrint's own fetcher opens any URL a document names (http, https, ftp, data, file
anywhere on the disk). The reports' HTML escapes every user's text, so no task title or
note can add an <img> or a stylesheet; this fetcher is the second wall: if some text ever
reached the HTML unescaped, it still could not make the server fetch a URL (a request to
an internal service) or read a file outside these folders (/etc/passwd as a stylesheet).
A refused resource is left out and the PDF renders without it.

data: URIs of images are served too: they fetch and read nothing, and the reports' state
icons are SVG data URIs (reports/templatetags/report_pdf.py). An SVG may name further
resources; WeasyPrint 70 asks this same fetcher for them."""

import logging
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# What the reports load (fonts) and what a template may reasonably add (a stylesheet,
# a logo). By extension, so a file's type never depends on the machine's mime tables.
# PostScript and EPS are absent on purpose: WeasyPrint 70 stopped rendering EPS after
# CVE-2026-55073, and a file of those types is refused before WeasyPrint sees it.
CONTENT_TYPES = {
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
IMAGE_TYPES = {content_type for content_type in CONTENT_TYPES.values() if content_type.startswith("image/")}
# A PostScript file renamed to an allowed extension is still refused: its first bytes
# tell ("%!PS", or the binary header of a DOS EPS file).
POSTSCRIPT_STARTS = (b"%!PS", b"\xc5\xd0\xd3\xc6")


class RefusedResource(ValueError):
    """The document named something the PDF may not load. WeasyPrint catches it, logs a
    warning and renders without the resource."""


def own_files_roots() -> list[Path]:
    """The folders a PDF may read: the app's static files (source and collected) and the
    media folder, as they are set now (tests and benchmarks move MEDIA_ROOT)."""
    folders: list[str | Path] = []
    for entry in settings.STATICFILES_DIRS:
        folders.append(entry[1] if isinstance(entry, tuple | list) else entry)
    folders += [settings.STATIC_ROOT, settings.MEDIA_ROOT]
    return [Path(folder).resolve() for folder in folders if folder]


class OwnFilesFetcher(URLFetcher):
    """Serves file: URLs inside `roots` (the real path, symbolic links followed, must lie
    inside one), of a type in CONTENT_TYPES; refuses every other URL without opening it."""

    def __init__(self, roots: Iterable[Path] | None = None):
        # Only data: ever reaches WeasyPrint's own opener (after the checks below); the
        # protocols and redirects are closed there as well, in case a later version calls it.
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.roots = [Path(root).resolve() for root in (own_files_roots() if roots is None else roots)]

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        try:
            return self._served(url, headers)
        except RefusedResource as refused:
            logger.warning("PDF resource refused: %s (%s)", url[:120], refused)
            raise

    def _served(self, url: str, headers) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            content_type = url[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()
            if content_type not in IMAGE_TYPES:
                raise RefusedResource(f"a data: URI of type {content_type or 'none'!r}: images only")
            response = super().fetch(url, headers)  # urllib's data: decoder, no I/O
            try:
                body = response.read()
            finally:
                response.close()
        else:
            path = self._own_file(url)
            with path.open("rb") as file:
                body = file.read()
            url, content_type = path.as_uri(), CONTENT_TYPES[path.suffix.lower()]
        if body.startswith(POSTSCRIPT_STARTS):
            raise RefusedResource("PostScript content")
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def _own_file(self, url: str) -> Path:
        """The resolved path `url` names, if the PDF may read it."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise RefusedResource(f"scheme {parts.scheme or 'none'!r}: only the app's own files")
        if parts.netloc not in ("", "localhost"):
            raise RefusedResource("a file on another host")
        raw = url2pathname(unquote(parts.path))
        if ".." in Path(raw).parts:
            raise RefusedResource("a path with '..'")
        try:
            path = Path(raw).resolve(strict=True)
        except (OSError, RuntimeError) as error:
            raise RefusedResource("no such file") from error
        if not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedResource("outside the static and media folders")
        if not path.is_file():
            raise RefusedResource("not a file")
        if path.suffix.lower() not in CONTENT_TYPES:
            raise RefusedResource(f"type {path.suffix or 'none'!r} not allowed")
        return path
