"""Sector sites in headless Chromium: the education bureau's officer registers a school (a
wrong credit code is refused with the form kept), gives it a risk point assessed by LEC, and
finds it on /sector with its colour; the health commission's officer does not see it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.platform.browser import has_horizontal_scroll, login
from tests.supervision.sites_support import credit_code, unique_name

pytestmark = pytest.mark.browser


def test_education_registers_a_school_and_gives_it_a_risk_point(
    base: str, signed_in: Callable[[str], Page]
) -> None:
    name = unique_name("太仓市测试实验小学")
    code = credit_code()
    edu = signed_in("edu")
    assert edu.url == f"{base}/sector"
    edu.get_by_role("link", name="登记场所").click()
    expect(edu.get_by_role("heading", name="登记场所")).to_be_visible()
    expect(edu.locator("#f-site_type option")).to_have_text(["学校"])

    edu.fill("#f-name", name)
    edu.fill("#f-credit_code", code[:17] + ("0" if code[17] != "0" else "1"))
    edu.select_option("#f-jurisdiction_id", label="城厢镇第1网格")
    edu.fill("#f-address", "太仓市城厢镇县府街1号")
    edu.get_by_role("button", name="登记").click()
    expect(edu.locator("#e-credit_code")).to_contain_text("校验位")
    expect(edu.locator("#f-name")).to_have_value(name)

    edu.fill("#f-credit_code", code)
    edu.get_by_role("button", name="登记").click()
    expect(edu.get_by_role("heading", name=name)).to_be_visible()
    expect(edu.locator(".site-notice")).to_contain_text("已登记")

    form = edu.locator("#new-point")
    form.locator("#f-name").fill("学生食堂燃气灶具")
    form.locator("#f-kind").select_option("equipment")
    form.locator("#f-location").fill("食堂操作间")
    form.get_by_label("火灾").check()
    form.locator("#f-m_engineering").fill("安装燃气泄漏报警装置\n设置紧急切断阀")
    form.locator("#f-m_management").fill("班后关闭总阀")
    expect(form.locator("[data-direct-level]")).to_be_visible()
    form.locator("#f-method").select_option("lec")
    expect(form.locator("[data-direct-level]")).to_be_hidden()
    form.locator("#f-lec_l").select_option("6")
    form.locator("#f-lec_e").select_option("6")
    form.locator("#f-lec_c").select_option("7")
    expect(form.locator('[data-score="lec"]')).to_have_text("D = 252")
    form.get_by_role("button", name="添加风险点").click()

    row = edu.locator("#points tr[data-point='学生食堂燃气灶具']")
    expect(row).to_contain_text("较大风险")
    expect(edu.locator("[data-top-level]")).to_have_text("较大风险")

    edu.goto(f"{base}/sector?q={name}")
    listed = edu.locator("#sites tbody tr")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("较大风险")
    expect(listed.locator(".c-orange")).to_have_text("1")

    health = signed_in("health")
    health.goto(f"{base}/sector?q={name}")
    expect(health.locator("#sites tbody tr")).to_have_count(0)


def test_the_site_pages_fit_a_phone(phone: Page, base: str) -> None:
    login(phone, base, "edu")
    assert not has_horizontal_scroll(phone)
    phone.locator("#sites .items a.item-name").first.click()
    expect(phone.locator("#points")).to_be_visible()
    assert not has_horizontal_scroll(phone)
