"""The patrol tablet page in headless Chromium: nearest first with a location; the offline
journey (load online, cut the network, record a visit with photos and a finding, see it
unsent, reload offline and keep it, reconnect, the server has it exactly once); a lost answer
resent without a second record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import text

from anwang.platform.clock import today
from anwang.supervision.patrol import planning
from tests.platform import attachment_samples as samples
from tests.platform.browser import DESKTOP, has_horizontal_scroll, login
from tests.tenants.factories import committed


@pytest.fixture(scope="module")
def mine(owner_url: str) -> list[dict[str, Any]]:
    """The demo grid inspector's enterprises this cycle (planned as the daily job does)."""
    with committed(owner_url) as conn:
        planning.plan_cycles(conn, today())
        rows = conn.execute(
            text(
                "select a.tenant_id, e.name, e.lat, e.lon from patrol_assignment a"
                " join patrol_cycle c on c.id = a.cycle_id join enterprise e on e.id = a.tenant_id"
                " join app_user u on u.id = a.inspector_user_id"
                " where u.username = 'grid' and c.starts_on <= :d and c.ends_on >= :d"
                " and e.lat is not null order by a.tenant_id"
            ),
            {"d": today()},
        ).mappings()
        found = [dict(r) for r in rows]
    assert len(found) >= 2, "the demo grid inspector has enterprises to visit"
    return found


@pytest.fixture
def tablet(browser: Browser, mine: list[dict[str, Any]]) -> Iterator[BrowserContext]:
    """A tablet standing at the last enterprise of the list, location allowed."""
    here = mine[-1]
    context = browser.new_context(
        viewport=DESKTOP,
        locale="zh-CN",
        geolocation={"latitude": here["lat"], "longitude": here["lon"], "accuracy": 15},
        permissions=["geolocation"],
    )
    yield context
    context.close()


def stored(owner_url: str, key: str) -> dict[str, int]:
    with committed(owner_url) as conn:
        row = conn.execute(
            text("""
            select count(*) as visits,
                   coalesce(sum((select count(*) from hazard h where h.tenant_id = v.tenant_id
                                 and h.patrol_visit_id = v.id)), 0) as hazards,
                   coalesce(sum((select count(*) from attachment a where a.tenant_id = v.tenant_id
                                 and a.subject_table = 'patrol_visit' and a.subject_id = v.id)), 0)
                     as photos
            from patrol_visit v where v.idempotency_key = cast(:k as uuid)
            """),
            {"k": key},
        ).one()
    return {"visits": int(row.visits), "hazards": int(row.hazards), "photos": int(row.photos)}


def open_page(page: Page, base: str) -> None:
    login(page, base, "grid")
    assert page.url == f"{base}/inspector"
    # The service worker installs, takes the page, and the page is loaded once more through
    # it (as a tablet does on its next visit), so the cached copy is this user's page.
    assert page.evaluate("async () => !!(await navigator.serviceWorker.ready).active")
    page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")
    expect(page.locator("#sync-state")).to_contain_text("均已发送")


RENDERED_AT = "JSON.parse(document.getElementById('patrol-data').textContent).rendered_at"
# The idempotency key of the visit saved last, read from the tablet's own store.
LAST_SAVED_KEY = """() => new Promise((done, fail) => {
  const open = indexedDB.open("anwang-patrol");
  open.onerror = () => fail(open.error);
  open.onsuccess = () => {
    const all = open.result.transaction("visits").objectStore("visits").getAll();
    all.onsuccess = () => done(all.result.sort((a, b) => (a.saved_at < b.saved_at ? -1 : 1)).pop().key);
  };
})"""


def record_visit(page: Page, tenant: int, finding: str, located: bool = True) -> str:
    """Fill and save a visit of `tenant`; returns its idempotency key (from the outbox)."""
    page.click("[data-tab=cycle]")
    item = page.locator(f".pt-item[data-tenant='{tenant}']")
    item.locator(".pt-start").click()
    expect(page.locator("#visit")).to_be_visible()
    expect(page.locator("#checkin-info")).to_contain_text("已定位" if located else "位置不记录")
    checks = page.locator(".pt-check")
    for i in range(checks.count()):
        checks.nth(i).locator("input[value=ok]").check()
    checks.nth(0).locator("input[value=not_ok]").check()
    checks.nth(0).locator(".pt-note").fill("隐患台账缺少十月份记录")
    photo = samples.photo_with_exif(size=(400, 300))
    page.set_input_files(
        "#v-photos", files=[{"name": "门口.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    expect(page.locator("#v-photos-info")).to_contain_text("1 张")
    page.click("#add-finding")
    page.locator(".pt-finding .f-title").fill(finding)
    page.locator(".pt-finding .f-photos").set_input_files(
        files=[{"name": "问题.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.fill("#v-note", "企业安全员陪同")
    page.click("#save-visit")
    expect(page.locator("#visit")).to_be_hidden()
    return str(page.evaluate(LAST_SAVED_KEY))


def test_the_list_puts_the_nearest_first_and_check_in_measures_the_distance(
    tablet: BrowserContext, base: str, mine: list[dict[str, Any]]
) -> None:
    page = tablet.new_page()
    login(page, base, "grid")
    page.click("[data-tab=cycle]")
    page.click("#sort-near")
    expect(page.locator("#sort-note")).to_contain_text("按距离")
    first = page.locator(".pt-item").first
    expect(first).to_have_attribute("data-tenant", str(mine[-1]["tenant_id"]))
    expect(first.locator(".pt-distance")).to_contain_text("0 米")
    first.locator(".pt-start").click()
    expect(page.locator("#checkin-info")).to_contain_text("距企业登记位置 0 米")
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet held upright
    assert not has_horizontal_scroll(page)
    page.click("#cancel-visit")
    assert not has_horizontal_scroll(page)
    expect(page.locator("#patrol-list")).to_be_visible()


def test_offline_visit_is_kept_then_sent_exactly_once(
    tablet: BrowserContext, base: str, owner_url: str, mine: list[dict[str, Any]]
) -> None:
    page = tablet.new_page()
    open_page(page, base)
    tenant = mine[0]["tenant_id"]

    online_copy = page.evaluate(RENDERED_AT)
    tablet.set_offline(True)
    expect(page.locator("#net-state")).to_contain_text("离线")
    key = record_visit(page, tenant, "配电柜前堆放杂物")
    expect(page.locator("#unsent-count")).to_have_text("1")
    expect(page.locator("#outbox-list")).to_contain_text(mine[0]["name"])
    expect(page.locator("#last-error")).to_contain_text("网络不可用")
    expect(page.locator(f".pt-item[data-tenant='{tenant}'] .pt-status")).to_have_text(
        "已保存，待发送"
    )
    assert stored(owner_url, key)["visits"] == 0

    # Sending again while offline, and reloading the page offline, keep the visit queued.
    page.click("#send-now")
    expect(page.locator("#outbox-list")).to_contain_text("已尝试发送 2 次")
    page.reload()
    expect(page.locator("h1")).to_contain_text("巡查")
    assert page.evaluate(RENDERED_AT) == online_copy, "the page came from the tablet's cache"
    expect(page.locator("#net-state")).to_contain_text("的副本")
    expect(page.locator("#unsent-count")).to_have_text("1")
    expect(page.locator(f"#outbox-list li[data-key='{key}']")).to_be_visible()
    expect(page.locator("#sync-state")).to_contain_text("尚未发送")
    assert stored(owner_url, key)["visits"] == 0

    # The network is back: the page sends it by itself, once.
    tablet.set_offline(False)
    expect(page.locator("#unsent-count")).to_have_text("0", timeout=15000)
    expect(page.locator(f"#sent-list li[data-key='{key}']")).to_contain_text("已推送隐患 1 条")
    expect(page.locator("#sync-state")).to_contain_text("均已发送")
    assert stored(owner_url, key) == {"visits": 1, "hazards": 1, "photos": 1}
    expect(page.locator("#send-now")).to_be_hidden()
    page.reload()
    expect(page.locator(f".pt-item[data-tenant='{tenant}'] .pt-status")).to_have_text("已巡查")
    assert stored(owner_url, key) == {"visits": 1, "hazards": 1, "photos": 1}


def test_a_lost_answer_is_resent_without_a_second_record(
    browser: Browser, base: str, owner_url: str, mine: list[dict[str, Any]]
) -> None:
    # Service workers blocked here so the test can cut the answer on its way back.
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", service_workers="block")
    try:
        page = context.new_page()
        login(page, base, "grid")
        lost: list[int] = []

        def drop_answer(route: Any) -> None:
            response = route.fetch()  # the server receives and stores the visit …
            lost.append(response.status)
            route.abort("connectionreset")  # … and the tablet never hears back

        page.route("**/inspector/visits", drop_answer)
        key = record_visit(page, mine[1]["tenant_id"], "消防通道上锁", located=False)
        expect(page.locator("#outbox-list")).to_contain_text("网络不可用")
        assert lost == [201]
        assert stored(owner_url, key)["visits"] == 1  # stored, though the tablet does not know
        page.unroute("**/inspector/visits")
        page.click("#send-now")
        expect(page.locator("#unsent-count")).to_have_text("0")
        expect(page.locator(f"#sent-list li[data-key='{key}']")).to_be_visible()
        assert stored(owner_url, key) == {"visits": 1, "hazards": 1, "photos": 1}
    finally:
        context.close()
