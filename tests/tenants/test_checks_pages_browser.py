"""The checklist pages on a desktop: generating lists from the risk points, a special check
whose refused form keeps what was typed, a check refused by the server keeping every choice
and note, and the QR flow's check of one risk point."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.platform.browser import has_horizontal_scroll, login
from tests.tenants.factories import committed, make_risk_point, make_unit, make_user, tenant_of


def test_generate_lists_and_run_a_special_check(base: str, owner_url: str, page: Page) -> None:
    tag = uuid.uuid4().hex[:6]
    with committed(owner_url) as c:
        t = tenant_of(c, "boss")
        workshop = make_unit(c, t, f"焊接车间{tag}")
        make_risk_point(
            c, t, workshop, f"电焊机{tag}", frequency="weekly",
            measures=(("engineering", "接地线可靠"), ("ppe", "佩戴焊接面罩")),
        )  # fmt: skip
        safety = make_user(c, t, "safety_manager", "安全员")

    login(page, base, safety)
    page.goto(f"{base}/enterprise/checklists")
    page.select_option("#g-unit", str(workshop))
    with page.expect_navigation():
        page.get_by_role("button", name="由风险点生成排查清单").click()
    expect(page.locator(".notice.saved")).to_contain_text("新建清单 1 张，新增检查项 2 项")
    with page.expect_navigation():
        page.get_by_role("button", name="由风险点生成排查清单").click()  # again: nothing new
    expect(page.locator(".notice.saved")).to_contain_text("清单已是最新")
    link = page.get_by_role("link", name=f"焊接车间{tag}每周排查清单")
    expect(link).to_have_count(1)

    # A special check: refused without a name, with the typed items kept.
    page.goto(f"{base}/enterprise/checklists/new")
    page.fill("#f-items", "消防通道畅通\n灭火器在有效期内")
    page.select_option("#f-unit", str(workshop))
    with page.expect_navigation():
        page.get_by_role("button", name="创建").click()
    expect(page.locator(".ff.invalid .ff-error")).to_have_text("请填写检查名称")
    expect(page.locator("#f-items")).to_have_value("消防通道畅通\n灭火器在有效期内")
    expect(page.locator("#f-unit")).to_have_value(str(workshop))
    page.fill("#f-name", f"节前专项检查{tag}")
    with page.expect_navigation():
        page.get_by_role("button", name="创建").click()
    expect(page.locator("h1")).to_have_text(f"节前专项检查{tag}")
    expect(page.locator(".item-rows li")).to_have_count(2)

    # Start it; the server refuses a check with an unanswered item and keeps the rest.
    with page.expect_navigation():
        page.get_by_role("link", name="开始检查").click()
    items = page.locator("li.check-item")
    expect(items).to_have_count(2)
    first_id = items.nth(0).get_attribute("id")
    second_id = items.nth(1).get_attribute("id")
    page.locator(f"#{first_id} .choice-not_ok").click()
    page.locator(f"#{first_id} .check-note").fill("通道堆放纸箱")
    page.fill("#f-note", "节前联合检查")
    # As if the browser had not enforced the choice (an old browser, a script): the server does.
    page.evaluate(
        "document.querySelectorAll('input[required]').forEach(e => e.removeAttribute('required'))"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="提交检查结果").click()
    expect(page.locator(f"#{second_id}.invalid .ff-error")).to_contain_text("未选择检查结果")
    expect(page.locator(f"#{first_id} input[value=not_ok]")).to_be_checked()
    expect(page.locator(f"#{first_id} .check-note")).to_have_value("通道堆放纸箱")
    expect(page.locator("#f-note")).to_have_value("节前联合检查")
    with committed(owner_url) as c:
        none_yet = c.execute(
            text(
                "select count(*) from inspection_check k join checklist l on l.id = k.checklist_id"
                " where l.name = :n"
            ),
            {"n": f"节前专项检查{tag}"},
        ).scalar_one()
    assert none_yet == 0

    page.locator(f"#{second_id} .choice-ok").click()
    with page.expect_navigation():
        page.get_by_role("button", name="提交检查结果").click()
    expect(page).to_have_url(re.compile(r"/enterprise/checks/\d+\?saved=1$"))
    expect(page.locator(".notice.saved")).to_contain_text("1 项不符合已登记为隐患")
    expect(page.get_by_role("link", name=re.compile("已登记隐患"))).to_have_count(1)
    assert not has_horizontal_scroll(page)


def test_qr_flow_checks_one_risk_points_items(base: str, owner_url: str, page: Page) -> None:
    tag = uuid.uuid4().hex[:6]
    with committed(owner_url) as c:
        t = tenant_of(c, "boss")
        unit = make_unit(c, t, f"配电房{tag}")
        point = make_risk_point(c, t, unit, f"配电柜{tag}", measures=(("management", "柜门上锁"),))
        bare = make_risk_point(c, t, unit, f"未编清单{tag}")
        worker = make_user(c, t, "worker", "电工")
        cid = int(
            c.execute(
                text(
                    "insert into checklist (tenant_id, org_unit_id, name, kind, frequency)"
                    " values (:t, :u, '配电房每日清单', 'routine', 'daily') returning id"
                ),
                {"t": t, "u": unit},
            ).scalar_one()
        )
        c.execute(
            text(
                "insert into checklist_item (tenant_id, checklist_id, risk_point_id, content)"
                " values (:t, :c, :rp, '配电柜：柜门上锁'), (:t, :c, null, '其他：照明正常')"
            ),
            {"t": t, "c": cid, "rp": point},
        )

    login(page, base, worker)
    page.goto(f"{base}/enterprise/checks/start?risk_point_id={point}")
    expect(page.locator(".page-sub")).to_contain_text(f"风险点：配电柜{tag}")
    expect(page.locator("li.check-item")).to_have_count(1)  # only the point's own items
    page.locator("li.check-item .choice-ok").click()
    with page.expect_navigation():
        page.get_by_role("button", name="提交检查结果").click()
    expect(page.locator(".notice.saved")).to_have_text("检查结果已提交。")

    page.goto(f"{base}/enterprise/checks/start?risk_point_id={bare}")
    expect(page.locator(".error-card")).to_contain_text("还没有排查清单")
