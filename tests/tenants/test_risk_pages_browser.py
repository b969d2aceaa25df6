"""The safety manager, in a real browser, creates a risk point, is told what to fix when the
LEC boxes are incomplete (nothing typed is lost), assesses it with LEC, sees its colour, and
downloads its notice card; the list shows the point under its colour; phones do not scroll
sideways."""

from __future__ import annotations

import io
import random
import re

import pypdf
import pytest
from playwright.sync_api import Page, expect

from tests.platform.browser import has_horizontal_scroll, login
from tests.tenants.factories import committed, make_unit, tenant_of

pytestmark = pytest.mark.browser


def test_safety_manager_creates_assesses_and_prints(page: Page, base: str, owner_url: str) -> None:
    tag = f"{random.randrange(10**6):06d}"
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        dept = make_unit(conn, t, f"浏览器生产部{tag}", "department")
        shop = make_unit(conn, t, f"浏览器冲压车间{tag}", "workshop", dept)
    name = f"浏览器冲床{tag}"
    login(page, base, "safety")
    page.goto(f"{base}/enterprise/risks")
    page.get_by_role("link", name="新建风险点").click()
    page.select_option("#f-org_unit_id", str(shop))
    page.fill("#f-name", name)
    page.check("input[name=accident_types][value=machinery]")
    page.check("input[name=hazard_factors][value=thing]")
    page.fill("#f-m_engineering", "光电保护装置有效\n双手操作按钮完好")
    page.fill("#f-m_emergency", "夹手时立即按下急停按钮")
    page.select_option("#f-inspection_frequency", "shift")
    page.fill("#f-responsible_name", "张师傅")
    page.click("button:has-text('保存')")
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator(".band")).to_contain_text("未评价")
    detail = page.url.split("?")[0]

    # LEC without C: refused beside the box, the chosen values kept, nothing assessed
    page.select_option("#f-method", "lec")
    page.select_option("#f-lec_l", "6")
    page.select_option("#f-lec_e", "6")
    page.click("button:has-text('提交评价')")
    expect(page.locator("#e-lec_c")).to_contain_text("请选择")
    expect(page.locator("#f-lec_l")).to_have_value("6")
    expect(page.locator("#f-lec_e")).to_have_value("6")
    expect(page.locator(".band")).to_contain_text("未评价")

    page.select_option("#f-lec_c", "7")
    expect(page.locator("[data-score=lec]")).to_have_text("D = 252")
    page.click("button:has-text('提交评价')")
    band = page.locator(".band")
    expect(band).to_contain_text("较大风险")
    expect(band).to_have_attribute("data-colour", "orange")
    assert band.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(232, 117, 12)"
    expect(page.locator(".fields")).to_contain_text("部门级")
    expect(page.locator(".fields")).to_contain_text(f"浏览器生产部{tag}")
    expect(page.locator("#history tbody tr")).to_have_count(1)
    expect(page.locator("#history")).to_contain_text("L=6 E=6 C=7")

    href = page.locator("a[data-card]").get_attribute("href")
    assert href and re.fullmatch(r"/enterprise/risks/\d+/card\.pdf", href)
    response = page.context.request.get(f"{base}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    words = "".join(reader.pages[0].extract_text().split())
    assert name in words and "较大风险" in words and "光电保护装置有效" in words

    page.goto(f"{base}/enterprise/risks?org_unit_id={dept}&level=orange")
    expect(page.locator("table.table")).to_contain_text(name)
    expect(page.locator(".stat.lv-orange .stat-num")).to_have_text("1")
    assert detail.endswith(href.removesuffix("/card.pdf"))


def test_risk_pages_fit_a_phone(phone: Page, base: str, owner_url: str) -> None:
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        unit = make_unit(conn, t, "手机车间", "workshop")
    login(phone, base, "safety")
    for path in (
        "/enterprise/risks",
        f"/enterprise/risks/new?org_unit_id={unit}",
        "/enterprise/risks/import",
        "/enterprise/risks/settings",
    ):
        phone.goto(f"{base}{path}")
        assert not has_horizontal_scroll(phone), path
    phone.goto(f"{base}/enterprise/risks/new?org_unit_id={unit}")
    phone.fill("#f-name", "手机配电箱")
    phone.select_option("#f-method", "ls")
    phone.select_option("#f-ls_l", "2")
    phone.select_option("#f-ls_s", "2")
    phone.click("button:has-text('保存')")
    expect(phone.locator(".band")).to_contain_text("低风险")
    expect(phone.locator(".band")).to_have_attribute("data-colour", "blue")
    assert not has_horizontal_scroll(phone)
