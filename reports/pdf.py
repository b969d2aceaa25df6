"""The shared PDF renderer: Jinja templates of reports/templates/ printed on A4 by WeasyPrint
in the Noto CJK faces (serif for documents, sans for cards and tables).

Documents never fetch anything from the network: only data: URIs and files inside
reports/templates/ may be referenced (QR codes and images are embedded as data: URIs)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
import segno

from anwang.platform.clock import cn_date

TEMPLATES = Path(__file__).parent / "templates"


def chinese_date(value: date | datetime | None) -> str:
    """2026年11月24日 (a datetime is shown in China time); blank when there is none."""
    return cn_date(value, missing="")


def qr_data_uri(text: str, *, scale: int = 4) -> str:
    """A QR code of `text` as an SVG data: URI, for <img src> in a template."""
    qr = segno.make(text, error="m")
    return qr.svg_data_uri(scale=scale, border=2)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn_date"] = chinese_date
    env.globals["qr_data_uri"] = qr_data_uri
    return env


_ENV = _environment()


def _url_fetcher() -> Any:
    """A fetcher serving data: URIs and files under reports/templates/, refusing the rest
    (a refusal stops the rendering: a document never silently loses a part)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                path = Path(url.removeprefix("file://").split("?")[0]).resolve()
                if path.is_relative_to(TEMPLATES.resolve()) and path.is_file():
                    return super().fetch(url, headers)
            elif url.startswith("data:"):
                return super().fetch(url, headers)
            raise FatalURLFetchingError(f"文档不可引用外部资源：{url[:80]}")

    return LocalOnly(fail_on_errors=True)


def render_html(template: str, context: Mapping[str, Any]) -> str:
    """The HTML of a template of reports/templates/ (for previews and tests)."""
    return _ENV.get_template(template).render(**context)


def render_pdf_html(html: str) -> bytes:
    """Print an HTML string on A4. Without its own @page rule the page is A4 with 15 mm margins,
    and text falls back to Noto Serif CJK SC."""
    from weasyprint import CSS, HTML

    base = CSS(string=BASE_CSS)
    document = HTML(string=html, base_url=TEMPLATES.as_uri() + "/", url_fetcher=_url_fetcher())
    return document.write_pdf(stylesheets=[base])  # type: ignore[no-any-return]


def render_pdf(template: str, context: Mapping[str, Any]) -> bytes:
    """Render a Jinja template of reports/templates/ with `context` and print it on A4.

    Templates may extend "base.html" (serif, A4, page numbers) and use the filter `cn_date`
    and the global `qr_data_uri(text)`."""
    return render_pdf_html(render_html(template, context))


# Applied before the document's own styles, so a template can override any of it.
BASE_CSS = """
@page { size: A4; margin: 15mm; }
html { font-family: "Noto Serif CJK SC", "Noto Serif CJK", serif; font-size: 11pt;
       line-height: 1.5; color: #000; }
"""


def attachment_header(filename: str) -> str:
    """A Content-Disposition value that keeps a Chinese file name (RFC 6266 / 5987)."""
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode() or "document.pdf"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def embed_image(data: bytes, mime: str) -> str:
    """Bytes as a data: URI for <img src> (photos of a record, seals)."""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
