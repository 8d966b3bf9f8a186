"""Real evidence files made on the spot: a PDF that pypdf writes, Office packages with the
content types Word and Excel declare. The upload checks parse them as a reader would."""

import io
import zipfile

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject, TextStringObject

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def pdf_writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def pdf_bytes(writer: PdfWriter | None = None) -> bytes:
    out = io.BytesIO()
    (writer or pdf_writer()).write(out)
    return out.getvalue()


def pdf_of_size(size: int) -> bytes:
    """A valid one-page PDF of exactly `size` bytes."""

    def padded(length: int) -> bytes:
        # In a stream, as a scan's pictures are: pypdf skips a stream's bytes by its /Length.
        writer = pdf_writer()
        stream = StreamObject()
        stream.set_data(b"0" * length)
        writer.root_object[NameObject("/Padding")] = writer._add_object(stream)
        return pdf_bytes(writer)

    # The padding moves the xref, whose offset is written in as many digits as it needs.
    length = size - len(padded(0))
    while len(content := padded(length)) != size:
        length += size - len(content)
    return content


PDF = pdf_bytes()


def pdf_with_open_action_script() -> bytes:
    writer = pdf_writer()
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.launchURL('http://attacker.example/');"),
        }
    )
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return pdf_bytes(writer)


def pdf_with_document_script() -> bytes:
    """A script in the document's /Names /JavaScript tree, run when the file opens."""
    writer = pdf_writer()
    script = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1);")}
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("start"), writer._add_object(script)])}
    )
    writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    return pdf_bytes(writer)


def pdf_with_embedded_file() -> bytes:
    writer = pdf_writer()
    writer.add_attachment("setup.exe", b"MZ\x90\x00 a program")
    return pdf_bytes(writer)


def content_types(*overrides: tuple[str, str]) -> bytes:
    parts = "".join(f'<Override PartName="/{name}" ContentType="{kind}"/>' for name, kind in overrides)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{parts}</Types>"
    ).encode()


def ooxml(main_part: str, main_type: str, *extra: str, member_size: int = 4) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types((main_part, main_type)))
        archive.writestr("_rels/.rels", b"<Relationships/>")
        archive.writestr(main_part, b"<x/>")
        for name in extra:
            archive.writestr(name, b"x" * member_size)
    return out.getvalue()


DOCX = ooxml("word/document.xml", WORD_MAIN)
XLSX = ooxml("xl/workbook.xml", EXCEL_MAIN, "xl/worksheets/sheet1.xml")
