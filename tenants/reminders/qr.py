"""QR codes 二维码 for equipment, posts and risk points: the code holds the absolute URL of
`/q/{token}`, which opens the thing's card on a phone (after login, inside the tenant)."""

from __future__ import annotations

import io

import segno

LABEL_KINDS: dict[str, str] = {"risk_point": "风险点", "equipment": "设备", "post": "岗位"}
MAX_LABELS = 300  # one print job; about 25 A4 sheets


def scan_url(base_url: str, token: str) -> str:
    """The URL a code carries: the site's own base (as the phone will reach it) + /q/token."""
    return f"{base_url.rstrip('/')}/q/{token}"


def make(url: str) -> segno.QRCode:
    # Level M survives a scuffed label on a machine; the URL stays short enough for version ≤ 5.
    return segno.make(url, error="m", micro=False)


def svg(url: str, *, scale: int = 4) -> str:
    """The code as an inline <svg> element (no XML declaration), black on white."""
    out = io.BytesIO()
    make(url).save(
        out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, nl=False,
        svgclass="qr", lineclass=None, title="二维码",
    )  # fmt: skip
    return out.getvalue().decode()


def data_uri(url: str, *, scale: int = 4) -> str:
    """The code as an SVG data: URI (for <img src>, and for the PDF printer)."""
    return make(url).svg_data_uri(scale=scale, border=2)
