"""Files for the attachment tests, made here with Pillow, pypdf, openpyxl and zipfile: real
photos with EXIF, pixel bombs, PDFs, Office files, and things only pretending to be them."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from openpyxl import Workbook
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational
from pypdf import PdfWriter

RED, BLUE = (220, 20, 20), (20, 20, 220)


def photo_with_exif(
    *,
    size: tuple[int, int] = (400, 300),
    orientation: int = 6,
    taken: str | None = "2026:05:01 10:20:30",
    offset: str | None = None,
    lat: tuple[float, float, float, str] | None = (31, 27, 36.0, "N"),
    lon: tuple[float, float, float, str] | None = (121, 6, 0.0, "E"),
    fmt: str = "JPEG",
) -> bytes:
    """A photo as a camera stores it: top half red, bottom half blue in sensor orientation,
    with the orientation, time, GPS and camera make in its EXIF."""
    w, h = size
    im = Image.new("RGB", size, BLUE)
    im.paste(RED, (0, 0, w, h // 2))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "AnwangTestCam"
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    if taken:
        ifd[ExifTags.Base.DateTimeOriginal] = taken
    if offset:
        ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if lat:
        gps[ExifTags.GPS.GPSLatitudeRef] = lat[3]
        gps[ExifTags.GPS.GPSLatitude] = tuple(IFDRational(v) for v in lat[:3])
    if lon:
        gps[ExifTags.GPS.GPSLongitudeRef] = lon[3]
        gps[ExifTags.GPS.GPSLongitude] = tuple(IFDRational(v) for v in lon[:3])
    out = io.BytesIO()
    im.save(out, fmt, exif=exif, quality=95)
    return out.getvalue()


def png_with_alpha_and_text(size: tuple[int, int] = (120, 80)) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    im = Image.new("RGBA", size, (0, 128, 0, 128))
    info = PngInfo()
    info.add_text("Author", "AnwangSecretAuthor")
    out = io.BytesIO()
    im.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A few hundred bytes declaring `width` × `height` RGB pixels (2.7 GB decoded at
    30000 × 30000): only refusing it from the header keeps the server alive."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def fake_image() -> bytes:
    return "这不是图片，只是改了扩展名的文本文件。\n".encode() * 20


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def exe() -> bytes:
    """The start of a Windows executable (MZ header, DOS stub)."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"This program cannot be run in DOS mode."
        + b"\0" * 400
    )


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/>'
    "</Types>"
)
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _word(main: str, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _DOCX_TYPES.format(main=main))
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>安全生产责任书</w:t></w:r></w:p></w:body></w:document>",
        )
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def docx() -> bytes:
    return _word(_DOCX_MAIN)


def docm() -> bytes:
    """A macro-enabled Word file: a zip with Office parts, refused all the same."""
    return _word(_DOCM_MAIN, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "not an office file")
    return out.getvalue()


def xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["风险点", "防控要求", "检查频次", "检查结果"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def has_exif(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as im:
        return bool(im.getexif()) or "exif" in im.info or b"Exif\0\0" in data
