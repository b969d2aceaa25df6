"""What kind of document a file is, from its bytes (magic numbers and, for Office files, the
package's declared parts), never from its name or the browser's Content-Type."""

from __future__ import annotations

import io
import zipfile

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: "pdf", DOCX: "docx", XLSX: "xlsx", JPEG: "jpg", PNG: "png"}

# The main part each Office type must declare in [Content_Types].xml. Macro-enabled variants
# (docm, xlsm) declare other types and are refused.
_MAIN_PARTS = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_MACROS = b"vbaProject"
# [Content_Types].xml is a few KiB; a larger one is not something Word or Excel wrote.
_MAX_CONTENT_TYPES = 256 * 1024

NOT_A_DOCUMENT = "文件类型不支持：请上传 PDF、Word（.docx）、Excel（.xlsx）或 JPEG、PNG 图片"


def sniff(data: bytes) -> str | None:
    """The content type of a supported document, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


def _office(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            try:
                info = z.getinfo("[Content_Types].xml")
            except KeyError:
                return None
            if info.file_size > _MAX_CONTENT_TYPES:
                return None
            names = set(z.namelist())
            declared = z.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, NotImplementedError, ValueError):
        return None
    if _MACROS in declared or any("vbaProject" in n for n in names):
        return None
    for content_type, main_part in _MAIN_PARTS.items():
        if main_part in declared:
            return content_type
    return None
