"""The shared PDF renderer prints Chinese on A4 in the Noto CJK faces and fetches nothing."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from weasyprint.urls import FatalURLFetchingError

from anwang.reports import pdf as pdf_module
from anwang.reports.pdf import attachment_header, chinese_date, render_pdf_html

SAMPLE = """{% extends "base.html" %}
{% block body %}
<h1>{{ title }}</h1>
<p class="sans">检查日期：{{ day | cn_date }}</p>
{% endblock %}"""


def _fonts(reader: pypdf.PdfReader) -> set[str]:
    names: set[str] = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).replace("-", ""))
    return names


def test_html_string_prints_chinese_on_a4_in_serif_cjk() -> None:
    pdf = render_pdf_html("<h1>责令限期整改指令书</h1><p>（太）应急责改〔2026〕12号</p>")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "责令限期整改指令书" in text
    assert "〔2026〕12号" in text
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert any("NotoSerifCJK" in name for name in _fonts(reader))


def test_template_with_base_autoescapes_and_numbers_pages() -> None:
    # A template of the renderer's own environment that extends base.html, as report
    # templates do (kept here rather than among the production templates).
    template = pdf_module._ENV.from_string(SAMPLE)
    pdf = render_pdf_html(template.render(title="<b>现场检查记录</b>", day=date(2026, 11, 24)))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "<b>现场检查记录</b>" in text  # escaped, shown as typed
    assert "2026年11月24日" in text
    assert "第 1 页 共 1 页" in text
    assert any("NotoSansCJK" in name for name in _fonts(reader))


def test_external_resources_are_not_fetched() -> None:
    with pytest.raises(FatalURLFetchingError):
        render_pdf_html('<img src="http://127.0.0.1:9/x.png"><p>正文</p>')


def test_chinese_date_and_download_name() -> None:
    assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"
    assert chinese_date(None) == ""
    header = attachment_header("岗位风险告知卡.pdf")
    assert "filename*=UTF-8''%E5%B2%97" in header
