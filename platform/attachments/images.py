"""Photos checked by content with Pillow: size limits before decoding, EXIF time and GPS read
out, orientation applied, then re-encoded so no metadata of the original survives."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from anwang.platform.clock import CHINA
from anwang.platform.errors import DomainError

# Clocks of phones in China: a DateTimeOriginal without an offset is Beijing time.
FORMATS = {"JPEG", "PNG", "WEBP"}
LONG_SIDE = 2560
THUMB_SIDE = 320
QUALITY = 85

NOT_AN_IMAGE = "文件不是有效的图片（支持 JPEG、PNG、WebP）"


def too_many_pixels(max_pixels: int) -> str:
    return f"图片像素过大（超过 {max_pixels // 10_000} 万像素），请压缩后再上传"


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str
    width: int
    height: int
    taken_at: datetime | None
    lat: float | None
    lon: float | None


def process(
    data: bytes,
    *,
    max_pixels: int,
    output: str = "JPEG",
    long_side: int = LONG_SIDE,
) -> Photo:
    """Check, read and re-encode an uploaded image; raises DomainError on anything else.

    `output` is JPEG for photos; documents that are PNG scans stay PNG (sharp text)."""
    # Pillow's own guard on every image it opens in this process; with the explicit check
    # below, the size is refused from the header, before a single pixel is decoded.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise DomainError(NOT_AN_IMAGE, field="file")
            _check_pixels(probe.size, max_pixels)
            probe.verify()  # structure and checksums (PNG CRCs) without decoding
        with Image.open(io.BytesIO(data)) as im:
            _check_pixels(im.size, max_pixels)
            exif = im.getexif()
            taken_at = _taken_at(exif)
            lat, lon = _gps(exif)
            if im.format == "JPEG":
                # Decode a JPEG at a reduced scale when it is larger than we keep anyway.
                im.draft("RGB", (long_side, long_side))
            upright = ImageOps.exif_transpose(im)
            upright.load()
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise DomainError(too_many_pixels(max_pixels), field="file") from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as e:
        # Not an image, truncated, corrupt, or a format Pillow cannot decode.
        raise DomainError(NOT_AN_IMAGE, field="file") from e

    upright = _flatten(upright, keep_alpha=output == "PNG")
    upright.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh image carries no EXIF, XMP, ICC or text chunks: nothing is passed to save().
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    if output == "PNG":
        clean.save(out, "PNG", optimize=True)
        content_type = "image/png"
    else:
        clean.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
        content_type = "image/jpeg"
    return Photo(out.getvalue(), content_type, clean.width, clean.height, taken_at, lat, lon)


def thumbnail(data: bytes, side: int = THUMB_SIDE) -> bytes:
    """A small JPEG of a stored image (already checked and stripped when it was stored)."""
    with Image.open(io.BytesIO(data)) as im:
        if im.format == "JPEG":
            im.draft("RGB", (side, side))
        im.load()
        small = _flatten(im, keep_alpha=False)
        small.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue()


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise DomainError(NOT_AN_IMAGE, field="file")
    if width * height > max_pixels:
        raise DomainError(too_many_pixels(max_pixels), field="file")


def _flatten(im: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """RGB (or RGBA for PNG output); transparency goes onto white, as a page would show it."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        if keep_alpha:
            return rgba
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return im.convert("RGB") if im.mode != "RGB" else im.copy()


def _taken_at(exif: Image.Exif) -> datetime | None:
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    raw = ifd.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not isinstance(raw, str):
        return None
    try:
        naive = datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # cameras write '0000:00:00 00:00:00' and worse
    offset = ifd.get(ExifTags.Base.OffsetTimeOriginal) or ifd.get(ExifTags.Base.OffsetTime)
    tz = _offset(offset) if isinstance(offset, str) else None
    return naive.replace(tzinfo=tz or CHINA)


def _offset(text: str) -> timezone | None:
    text = text.strip("\x00 ")
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def _gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    """Decimal degrees (WGS84, what phones record) from degrees/minutes/seconds and the
    N/S/E/W references; (None, None) when absent or nonsense."""
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    if lat is None or lon is None or not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        return None, None
    if lat == 0 and lon == 0:
        return None, None  # what some devices write when they had no fix
    return round(lat, 7), round(lon, 7)


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if any(v != v or v < 0 for v in (d, m, s)) or m >= 60 or s >= 60:  # v != v: NaN
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    decimal = d + m / 60 + s / 3600
    return -decimal if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative else decimal
