"""Dangerous operations in headless Chromium: the enterprise's safety manager reports a hot-work
permit (a window beyond the 8-hour limit is refused with everything typed kept), starts it,
and the town officer sees it under way on the supervising page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from anwang.platform.clock import CHINA

pytestmark = pytest.mark.browser


def local(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")


def test_safety_manager_reports_hot_work_and_the_town_sees_it_live(
    base: str, signed_in: Callable[[str], Page]
) -> None:
    number = f"DH-{uuid.uuid4().hex[:8]}"
    safety = signed_in("safety")
    safety.goto(f"{base}/enterprise/operations")
    safety.get_by_role("link", name="报备危险作业").click()
    expect(safety.get_by_role("heading", name="报备危险作业")).to_be_visible()

    safety.select_option("#f-kind", "hot_work")
    safety.select_option("#f-grade", "hot_work:first")
    expect(safety.locator("[data-limit-hint]")).to_contain_text("8 小时")
    # Lifting has its own grades and no gas analysis.
    safety.select_option("#f-kind", "lifting")
    expect(safety.locator("[data-gas]")).to_be_hidden()
    expect(safety.locator("#f-grade option[value='hot_work:first']")).to_be_hidden()
    safety.select_option("#f-kind", "hot_work")
    safety.select_option("#f-grade", "hot_work:first")
    expect(safety.locator("[data-gas]")).to_be_visible()

    start = datetime.now(CHINA) + timedelta(minutes=1)
    safety.fill("#f-permit_no", number)
    safety.fill("#f-location", "二号车间反应釜R-102")
    safety.fill("#f-content", "更换法兰，管道焊接")
    safety.fill("#f-supervisor", "张监护")
    safety.fill("#f-operators", "王焊工、李焊工")
    safety.fill("#f-valid_from", local(start))
    safety.fill("#f-valid_to", local(start + timedelta(hours=10)))  # beyond 8 h
    safety.fill("#f-gas_o2", "20.8")
    safety.fill("#f-gas_flammable", "0")
    safety.fill("#f-gas_tested_at", local(datetime.now(CHINA)))
    safety.fill("#f-gas_tester", "钱分析")
    safety.get_by_role("button", name="提交报备").click()

    expect(safety.locator("#e-valid_to")).to_contain_text("8小时")
    expect(safety.locator("#f-permit_no")).to_have_value(number)
    expect(safety.locator("#f-grade")).to_have_value("hot_work:first")

    safety.fill("#f-valid_to", local(start + timedelta(hours=6)))
    safety.get_by_role("button", name="提交报备").click()
    expect(safety.locator(".op-notice")).to_contain_text(number)

    safety.get_by_role("link", name=f"动火作业 {number}").click()
    safety.get_by_role("button", name="开始作业").click()
    expect(safety.locator(".op-notice")).to_contain_text("已开始作业")
    expect(safety.locator(".page-sub [data-phase]")).to_have_text("作业中")

    town = signed_in("town")
    town.goto(f"{base}/operations/live")
    row = town.locator(f"#under-way tr[data-permit='{number}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text("动火")
    expect(row).to_contain_text("作业中")
    expect(row).to_contain_text("剩余")
    assert int(town.locator("[data-kind-count='hot_work']").inner_text().rstrip("项")) >= 1
    row.get_by_role("link", name=number).click()
    expect(town.locator(".op-fields")).to_contain_text("张监护")
    expect(town.locator(".op-fields")).to_contain_text("氧含量 20.8%")

    # Another town's officer does not see it.
    other = signed_in("town320585101")
    other.goto(f"{base}/operations/live")
    expect(other.locator(f"tr[data-permit='{number}']")).to_have_count(0)
