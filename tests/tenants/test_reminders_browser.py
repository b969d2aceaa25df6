"""The boss's home page and a QR scan in a real browser, on desktop and phone widths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.platform.browser import has_horizontal_scroll, login
from tests.tenants.factories import committed, make_risk_point, make_unit, make_user
from tests.tenants.test_reminders_scan import fresh_tenant, make_certificate, make_equipment

pytestmark = pytest.mark.browser


@pytest.fixture
def boss(owner_url: str) -> dict[str, object]:
    """A fresh enterprise with 2 red, 1 orange, 0 yellow and 3 blue risk points, an expired
    licence (alarm), equipment due for inspection (reminder) and a hazard-overdue alarm."""
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    with committed(owner_url) as conn:
        t = fresh_tenant(conn, "扫码测试企业")
        shop = make_unit(conn, t, "焊接车间")
        for i, level in enumerate(("major", "major", "significant", "low", "low", "low")):
            make_risk_point(conn, t, shop, f"焊接风险{i}", level)
        point = make_risk_point(conn, t, shop, "氩弧焊烟尘中毒风险", "significant",
                                measures=(("ppe", "佩戴防尘口罩"),))  # fmt: skip
        make_certificate(conn, t, today - timedelta(days=2))
        make_equipment(conn, t, shop, name="储气罐", next_inspection_on=today + timedelta(days=9))
        conn.execute(
            text("insert into alarm (tenant_id, kind, severity, subject_table, subject_id,"
                 " org_unit_id, message, due_on, raised_at) values (:t, 'hazard_overdue',"
                 " 'alarm', 'hazard', 424242, :u, '隐患整改逾期：焊机接地线破损', :d,"
                 " now() - interval '1 hour')"),
            {"t": t, "u": shop, "d": today - timedelta(days=1)},
        )  # fmt: skip
        token = conn.execute(
            text("select qr_token from risk_point where id = :i"), {"i": point}
        ).scalar_one()
        return {"user": make_user(conn, t, "boss", "扫码老板"), "point": point, "token": token,
                "tenant": t}  # fmt: skip


def run_scan(owner_url: str) -> None:
    """The daily job, as the system principal, over every tenant."""
    from anwang.platform.db import principal_session
    from anwang.platform.principal import SYSTEM
    from anwang.tenants.reminders.scan import scan

    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    with principal_session(SYSTEM) as session:
        scan(session, today)


def check_home(page: Page, boss: dict[str, object]) -> None:
    alarms = page.locator("#alarms")
    expect(alarms).to_be_visible()
    expect(alarms.locator(".alarm")).to_have_count(3)
    # Alarms (both severities 'alarm') before the reminder; the newest alarm first.
    items = alarms.locator(".alarm")
    expect(items.nth(0)).to_contain_text("证照已过期：安全生产许可证")
    expect(items.nth(1)).to_contain_text("隐患整改逾期：焊机接地线破损")
    expect(items.nth(2)).to_contain_text("设备即将到期检验：储气罐")
    expect(page.locator("#n-alarms")).to_have_text("2")
    expect(page.locator("#n-reminders")).to_have_text("1")
    # The alarms come first on the page, above the numbers.
    top_alarms = alarms.bounding_box()
    top_numbers = page.locator("#numbers").bounding_box()
    assert top_alarms and top_numbers and top_alarms["y"] < top_numbers["y"]
    for colour, n in (("red", 2), ("orange", 2), ("yellow", 0), ("blue", 3)):
        expect(page.locator(f"#n-risk-{colour}")).to_have_text(str(n))
    expect(page.locator("#n-risk-total")).to_have_text("7")
    expect(page.locator(".fc-bar .fc-seg")).to_have_count(3)
    expect(page.locator("#n-certificates-due")).to_contain_text("1")
    expect(page.locator("#n-equipment-due")).to_contain_text("1")
    expect(page.locator("#members")).to_contain_text("扫码老板")


def test_boss_home_desktop(page: Page, base: str, boss: dict[str, object], owner_url: str) -> None:
    run_scan(owner_url)
    login(page, base, str(boss["user"]))
    assert page.url == base + "/enterprise"
    check_home(page, boss)


def test_boss_home_phone(phone: Page, base: str, boss: dict[str, object], owner_url: str) -> None:
    run_scan(owner_url)
    login(phone, base, str(boss["user"]))
    check_home(phone, boss)
    assert not has_horizontal_scroll(phone)
    # The manager acknowledges the reminder from the phone; it leaves the list.
    phone.locator(".alarm").nth(2).get_by_role("button", name="已知悉").click()
    phone.wait_for_url(base + "/enterprise#alarms")
    expect(phone.locator("#alarms .alarm")).to_have_count(2)
    phone.goto(base + "/enterprise/reminders")
    expect(phone.locator("#certificates")).to_contain_text("安全生产许可证")
    expect(phone.locator("#equipment")).to_contain_text("储气罐")
    assert not has_horizontal_scroll(phone)


def test_phone_scans_a_risk_point(phone: Page, base: str, boss: dict[str, object]) -> None:
    phone.goto(f"{base}/q/{boss['token']}")
    # Not signed in yet: the login page, and back to the code's page afterwards.
    assert phone.url.startswith(base + "/login")
    phone.fill("input[name=username]", str(boss["user"]))
    phone.fill("input[name=password]", "anwang123")
    with phone.expect_navigation():
        phone.click("button[type=submit]")
    assert phone.url == f"{base}/q/{boss['token']}"
    expect(phone.locator("h1")).to_have_text("氩弧焊烟尘中毒风险")
    start = phone.get_by_role("link", name="开始检查")
    expect(start).to_be_visible()
    assert start.get_attribute("href") == f"/enterprise/checks/start?risk_point_id={boss['point']}"
    box = start.bounding_box()
    assert box and box["height"] >= 44  # a thumb-sized button
    expect(phone.locator(".risk-card")).to_contain_text("佩戴防尘口罩")
    assert not has_horizontal_scroll(phone)


def test_label_sheet_prints_on_a4(page: Page, base: str, boss: dict[str, object]) -> None:
    login(page, base, str(boss["user"]))
    page.goto(f"{base}/enterprise/qr/labels?kind=risk_point")
    expect(page.locator(".label")).to_have_count(7)
    expect(page.locator(".label svg").first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".labels-bar")).to_be_hidden()
