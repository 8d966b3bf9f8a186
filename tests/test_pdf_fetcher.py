"""The PDF loads the app's own static files and media and nothing else: no URL a document
names is fetched, no file outside those folders is read, and the PDF still renders."""

import datetime
import io
import logging
import socketserver
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from nq57.celery import app as celery_app
from reports.documents.pdf import FONT_DIR, pdf_from_html
from reports.documents.pdf_fetcher import OwnFilesFetcher, RefusedResource
from reports.models import ReportKind, ReportStatus
from tasks_app.models import TaskStatus
from tests.test_reports import WEEK, at, generate, pdf_fonts, pdf_text, record

A4_WIDTH_PT = 595.28
A6 = "@page { size: A6 }"  # a stylesheet whose effect shows in the PDF: the page's width


class _Recorder(socketserver.BaseRequestHandler):
    def handle(self):
        request = self.request.recv(4096)
        self.server.requests.append(request.split(b"\r\n", 1)[0].decode(errors="replace"))
        self.request.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def listener():
    """A server on the loopback that records every request it gets (none, we expect)."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def media(settings, tmp_path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    settings.MEDIA_ROOT = str(folder)
    return folder


def page_width(data: bytes) -> float:
    return float(PdfReader(io.BytesIO(data)).pages[0].mediabox.width)


def test_urls_in_a_document_are_never_fetched_and_the_pdf_still_renders(listener):
    base = f"http://127.0.0.1:{listener.server_address[1]}"
    svg_naming_the_server = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' width="9" height="9">'
        f'<image xlink:href="{base}/in-svg.png" width="9" height="9"/></svg>'
    )
    html = f"""<!doctype html><html><head>
<link rel="stylesheet" href="{base}/link.css">
<link rel="attachment" href="{base}/attachment.txt">
<style>
@import url("{base}/import.css");
@font-face {{ font-family: "Far"; src: url("{base}/font.ttf"); }}
body {{ font-family: "Far"; background: url("{base}/background.png"); }}
li {{ list-style-image: url("{base}/bullet.png"); }}
</style></head><body>
<p>Báo cáo <img src="{base}/img.png" alt=""> <img src="ftp://127.0.0.1:{listener.server_address[1]}/f.png"></p>
<div style="background-image: url('{base}/inline.png')">x</div>
<ul><li>một</li></ul>
<object data="{base}/object.svg" type="image/svg+xml"></object>
<embed src="{base}/embed.svg" type="image/svg+xml">
<svg width="10" height="10"><image href="{base}/svg-image.png" width="10" height="10"/></svg>
<iframe src="{base}/frame.html"></iframe>
<img src="data:image/svg+xml,{quote(svg_naming_the_server)}" alt="">
</body></html>"""

    pdf = pdf_from_html(html)

    assert listener.requests == []
    assert pdf.data.startswith(b"%PDF") and pdf.pages == 1
    assert "Báo cáo" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()


def test_a_pdf_logs_the_refused_resource_but_not_weasyprints_progress_steps(caplog):
    with caplog.at_level(logging.INFO):
        pdf_from_html('<p>x<img src="http://127.0.0.1:9/x.png"></p>')

    assert not [record for record in caplog.records if record.name == "weasyprint.progress"]
    assert any(record.name == "weasyprint" and record.levelno >= logging.WARNING for record in caplog.records)
    assert any(record.name == "reports.documents.pdf_fetcher" for record in caplog.records)


def test_a_stylesheet_in_the_media_folder_is_read(media):
    # The check the refusals below rely on: the same stylesheet inside the folder applies.
    (media / "a6.css").write_text(A6)

    pdf = pdf_from_html(f'<link rel="stylesheet" href="{(media / "a6.css").as_uri()}"><p>x</p>')

    assert page_width(pdf.data) < 300


@pytest.mark.parametrize("how", ["outside", "dot-dot", "symlink", "other host"])
def test_files_outside_the_static_and_media_folders_are_not_read(media, tmp_path, how):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a6.css").write_text(A6)
    (media / "out.css").symlink_to(outside / "a6.css")
    href = {
        "outside": (outside / "a6.css").as_uri(),
        "dot-dot": media.as_uri() + "/../outside/a6.css",
        "symlink": (media / "out.css").as_uri(),
        "other host": "file://127.0.0.1" + str(media / "a6.css"),
    }[how]
    (media / "a6.css").write_text(A6)

    pdf = pdf_from_html(f'<link rel="stylesheet" href="{href}"><p>x</p>')

    assert page_width(pdf.data) == pytest.approx(A4_WIDTH_PT, abs=1)


@pytest.mark.parametrize(
    "name, body",
    [
        ("figure.eps", b"%!PS-Adobe-3.0 EPSF-3.0\n"),
        ("figure.ps", b"%!PS-Adobe-3.0\n"),
        ("renamed.png", b"%!PS-Adobe-3.0 EPSF-3.0\n"),
        ("dos.jpg", b"\xc5\xd0\xd3\xc6" + bytes(28)),
        ("page.html", b"<p>x</p>"),
    ],
)
def test_postscript_and_unlisted_types_are_refused(media, name, body):
    (media / name).write_bytes(body)

    with pytest.raises(RefusedResource):
        OwnFilesFetcher().fetch((media / name).as_uri())


@pytest.mark.parametrize(
    "url",
    [
        "data:text/css,@page{size:A6}",
        "data:,@page{size:A6}",
        "data:application/postscript;base64,JSFQUy1BZG9iZS0zLjA=",
        "data:image/png;base64,JSFQUy1BZG9iZS0zLjA=",  # PostScript, whatever it says
        "http://127.0.0.1:9/x.css",
        "https://127.0.0.1:9/x.css",
        "ftp://127.0.0.1:9/x.css",
        "file:///etc/passwd",
    ],
)
def test_other_schemes_and_places_are_refused_before_opening(url):
    with pytest.raises(RefusedResource):
        OwnFilesFetcher().fetch(url)


def test_the_reports_state_icons_are_served_from_their_data_uris():
    from reports.templatetags.report_pdf import _icon_uri

    response = OwnFilesFetcher().fetch(_icon_uri("red"))

    assert response.content_type == "image/svg+xml"
    assert response.read().startswith(b"<svg")


def test_the_reports_fonts_are_served_with_their_type():
    response = OwnFilesFetcher().fetch((FONT_DIR / "NotoSans-Regular.ttf").as_uri())

    assert response.content_type == "font/ttf"
    assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font


@pytest.fixture
def jobs_in_process():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_a_report_whose_texts_hold_html_fetches_nothing_and_keeps_its_font(
    listener, jobs_in_process, make_task, commune
):
    base = f"http://127.0.0.1:{listener.server_address[1]}"
    start = WEEK.start - datetime.timedelta(days=30)
    task = make_task(
        title=f'Số hóa <img src="{base}/title.png">',
        start_date=start,
        deadline=WEEK.start,
        created_at=at(start),
    )
    record(task, start, TaskStatus.NOT_STARTED, 0)
    record(
        task,
        WEEK.start + datetime.timedelta(days=1),
        TaskStatus.IN_PROGRESS,
        20,
        note=f'<link rel="stylesheet" href="{base}/note.css">Đã khảo sát',
        difficulties=f"<style>@import url({base}/d.css);</style> thiếu máy quét",
    )

    report = generate(ReportKind.COMMUNE_SUMMARY, commune)

    assert listener.requests == []
    assert report.status == ReportStatus.READY, report.error
    assert "thiếu máy quét" in pdf_text(report)
    fonts = pdf_fonts(report)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert {name.split("+", 1)[-1] for name, _ in fonts} <= {
        "Noto-Sans",
        "Noto-Sans-Bold",
        "Noto-Sans-Italic",
    }
