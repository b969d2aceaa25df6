"""Supervision orders in headless Chromium: the district officer lists a major hazard for
supervision 挂牌督办 from the list of unlisted major hazards, the enterprise's safety manager
finds it (on the orders page and on the hazard's own page) and answers it, and the officer
closes it — refused first without a reason while the hazard is still being rectified."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.platform.browser import has_horizontal_scroll
from tests.supervision.orders_support import in_days
from tests.tenants.factories import committed, tenant_of


@pytest.fixture
def major_hazard(owner_url: str) -> Iterator[tuple[int, str]]:
    """A major hazard of the demo enterprise being rectified (five implementations done,
    reported to the bureau); its orders are removed afterwards."""
    title = f"液氨储罐区泄漏报警失效{uuid.uuid4().hex[:4]}"
    with committed(owner_url) as conn:
        hazard_id = int(
            conn.execute(
                text(
                    "insert into hazard (tenant_id, source, tier, state, title, description,"
                    " deadline, plan, five_implementations, reported_to_bureau_at)"
                    " values (:t, 'report', 'major', 'rectifying', :title,"
                    " '储罐区两台泄漏报警器失效', :d, '更换报警器并联锁喷淋',"
                    ' \'{"responsibility": "安全副总", "measures": "更换报警器",'
                    ' "funds": "8万元", "emergency_plan": "氨泄漏专项预案"}\', now())'
                    " returning id"
                ),
                {"t": tenant_of(conn, "boss"), "title": title, "d": in_days(30)},
            ).scalar_one()
        )
    yield hazard_id, title
    with committed(owner_url) as conn:
        conn.execute(text("delete from supervision_order where hazard_id = :h"), {"h": hazard_id})


def test_a_major_hazard_listed_answered_and_closed(
    signed_in: Callable[[str], Page], base: str, major_hazard: tuple[int, str]
) -> None:
    hazard_id, title = major_hazard
    deadline = in_days(20)

    # The district officer finds it among the unlisted major hazards and lists it.
    officer = signed_in("bureau")
    officer.goto(f"{base}/orders")
    officer.get_by_role("link", name="挂牌督办一览").click()
    row = officer.locator(f"#unlisted tr[data-hazard='{hazard_id}']")
    expect(row).to_contain_text("整改中")
    row.get_by_role("link", name="挂牌督办").click()
    expect(officer.get_by_role("heading", name="重大隐患挂牌督办")).to_be_visible()
    expect(officer.get_by_label("挂牌督办（县（区）级）")).to_be_checked()
    officer.get_by_label("办理期限").fill(deadline.isoformat())
    officer.get_by_label("督办要求").fill("五日内报送整改进展，月底前完成报警器更换")
    officer.get_by_role("button", name="确定下达").click()
    expect(officer.get_by_role("status")).to_have_text("已下达督办。")
    order_url = officer.url.split("?")[0]
    order_id = int(order_url.rsplit("/", 1)[1])
    expect(officer.locator(".od-listed").first).to_have_text("县（区）级挂牌督办")
    expect(officer.locator("[data-status]").first).to_have_text("待办理")
    expect(officer.locator("#facts")).to_contain_text(title)
    assert not has_horizontal_scroll(officer)
    # Listed now: it left the unlisted table and shows among the listings.
    officer.goto(f"{base}/orders/listed")
    expect(officer.locator(f"#listed tr[data-order='{order_id}']")).to_contain_text("县（区）级")
    expect(officer.locator(f"#unlisted tr[data-hazard='{hazard_id}']")).to_have_count(0)

    # The safety manager sees it under 督办整改 and on the hazard's own page, and answers.
    safety = signed_in("safety")
    safety.goto(f"{base}/enterprise/hazards/{hazard_id}")
    expect(safety.locator("#supervision-orders")).to_contain_text("挂牌督办")
    safety.get_by_role("link", name="督办整改").click()
    safety.locator(f"tr[data-order='{order_id}'] a").click()
    expect(safety.locator("#facts")).to_contain_text("五日内报送整改进展")
    safety.get_by_label("答复内容").fill("已采购新报警器，预计下周安装并联锁喷淋系统")
    safety.get_by_role("button", name="提交答复").click()
    expect(safety.get_by_role("status")).to_have_text("已答复。")
    expect(safety.locator("[data-status]").first).to_have_text("已答复")
    expect(safety.locator(".od-no-actions")).to_have_text("已答复，等待下达单位审核。")

    # The officer reads the answer; closing needs a reason while the hazard is open.
    officer.goto(order_url)
    expect(officer.locator(".od-response")).to_contain_text("已采购新报警器")
    officer.get_by_role("button", name="办结").click()
    expect(officer.locator("#act-close .ff-error")).to_contain_text("隐患尚未销号（当前：整改中）")
    expect(officer.locator("[data-status]").first).to_have_text("已答复")
    officer.get_by_label("办结意见").fill("企业已落实五落实，转入日常跟踪")
    officer.get_by_role("button", name="办结").click()
    expect(officer.get_by_role("status")).to_have_text("已办结。")
    expect(officer.locator("[data-status]").first).to_have_text("已办结")
    steps = officer.locator("#timeline .tl-item")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("下达督办")
    expect(steps.nth(1)).to_contain_text("答复")
    expect(steps.nth(1)).to_contain_text("隐患当时状态：整改中")
    expect(steps.nth(2)).to_contain_text("企业已落实五落实")
    # Delisted: the hazard is back among the unlisted major hazards.
    officer.goto(f"{base}/orders/listed")
    expect(officer.locator(f"#unlisted tr[data-hazard='{hazard_id}']")).to_have_count(1)
    # And the enterprise sees the order closed.
    safety.goto(f"{base}/enterprise/orders/{order_id}")
    expect(safety.locator("[data-status]").first).to_have_text("已办结")
    assert re.search(r"/enterprise/orders/\d+$", safety.url)
