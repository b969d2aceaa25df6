"""The check pages in headless Chromium: a worker on a phone opens today's task, marks the
items (one not ok, with a note), submits with the phone's position, and sees the task done."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from tests.platform.browser import PHONE, has_horizontal_scroll, login
from tests.tenants.factories import (
    committed,
    make_risk_point,
    make_unit,
    make_user,
    tenant_of,
    user_id,
)
from tests.tenants.test_checks_api import make_task

POSITION = {"latitude": 31.4577, "longitude": 121.1065, "accuracy": 20}


@pytest.fixture
def located_phone(browser: Browser) -> Iterator[Page]:
    """A phone whose owner lets the page read its position."""
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        geolocation=POSITION,
        permissions=["geolocation"],
    )
    yield context.new_page()
    context.close()


def test_worker_checks_todays_task_on_a_phone(
    base: str, owner_url: str, located_phone: Page
) -> None:
    page = located_phone
    tag = uuid.uuid4().hex[:6]
    name = f"冲压岗每日排查清单{tag}"
    with committed(owner_url) as c:
        t = tenant_of(c, "boss")
        workshop = make_unit(c, t, f"冲压车间{tag}")
        post = make_unit(c, t, f"冲压岗{tag}", "post", parent_id=workshop)
        worker = make_user(c, t, "worker", "冲压工")
        c.execute(
            text(
                "insert into staff (tenant_id, name, org_unit_id, user_id)"
                " values (:t, '冲压工', :u, :uid)"
            ),
            {"t": t, "u": post, "uid": user_id(c, worker)},
        )
        press = make_risk_point(
            c, t, post, f"冲压机{tag}",
            measures=(("engineering", "双手按钮完好"), ("ppe", "佩戴防护手套")),
        )  # fmt: skip
        checklist = int(
            c.execute(
                text(
                    "insert into checklist (tenant_id, org_unit_id, name, kind, frequency)"
                    " values (:t, :u, :n, 'routine', 'daily') returning id"
                ),
                {"t": t, "u": post, "n": name},
            ).scalar_one()
        )
        c.execute(
            text(
                "insert into checklist_item (tenant_id, checklist_id, risk_point_id,"
                " control_measure_id, content, sort)"
                " select :t, :c, :rp, m.id, :rpname || '：' || m.content, m.sort"
                " from control_measure m where m.risk_point_id = :rp"
            ),
            {"t": t, "c": checklist, "rp": press, "rpname": f"冲压机{tag}"},
        )
        items = list(
            c.execute(
                text("select id from checklist_item where checklist_id = :c order by sort"),
                {"c": checklist},
            ).scalars()
        )
        task = make_task(c, t, checklist, post)

    login(page, base, worker)
    page.goto(f"{base}/enterprise/tasks")
    card = page.locator(f"li.task[data-task='{task}']")
    expect(card).to_contain_text(name)
    expect(card).to_contain_text("待检查")
    assert not has_horizontal_scroll(page)

    card.get_by_role("link", name="开始检查").click()
    expect(page).to_have_url(re.compile(rf"/enterprise/tasks/{task}/check$"))
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("#geo-status")).to_contain_text("已记录检查位置")
    assert not has_horizontal_scroll(page)

    page.locator(f"#item-{items[0]} .choice-ok").click()
    page.locator(f"#item-{items[1]} .choice-not_ok").click()
    expect(page.locator(f"#item-{items[1]}")).to_have_class(re.compile("is-not_ok"))
    page.fill(f"input[name='n-{items[1]}']", "防护手套破损未更换")
    with page.expect_navigation():
        page.get_by_role("button", name="提交检查结果").click()

    expect(page).to_have_url(re.compile(r"/enterprise/checks/\d+\?saved=1$"))
    expect(page.locator(".notice.saved")).to_contain_text("任务已完成")
    expect(page.locator(".notice.saved")).to_contain_text("1 项不符合已登记为隐患")
    expect(page.locator(".result.is-not_ok")).to_contain_text("防护手套破损未更换")
    assert not has_horizontal_scroll(page)
    check_id = int(re.search(r"/checks/(\d+)", page.url).group(1))  # type: ignore[union-attr]

    page.goto(f"{base}/enterprise/tasks")
    done = page.locator(f"li.task[data-task='{task}']")
    expect(done).to_contain_text("已完成")
    expect(done.get_by_role("link", name="查看检查记录")).to_be_visible()

    # Opening the done task again says so plainly, with no form.
    page.goto(f"{base}/enterprise/tasks/{task}/check")
    expect(page.locator(".alert")).to_contain_text("已完成检查，不能重复提交")
    expect(page.locator("form.check-form")).to_have_count(0)

    with committed(owner_url) as c:
        row = c.execute(
            text(
                "select k.checked_by, k.lat, k.lon, k.accuracy_m, t.status,"
                " (select count(*) from check_result r where r.check_id = k.id"
                "  and r.result = 'not_ok' and r.hazard_id is not null) as hazards"
                " from inspection_check k join inspection_task t on t.id = k.task_id"
                " where k.id = :k"
            ),
            {"k": check_id},
        ).one()
        assert row.checked_by == user_id(c, worker)
    assert (round(row.lat, 4), round(row.lon, 4)) == (31.4577, 121.1065)
    assert row.accuracy_m == 20 and row.status == "done" and row.hazards == 1
