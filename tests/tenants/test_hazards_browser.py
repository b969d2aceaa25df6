"""Hazard pages in headless Chromium: a worker reports a hazard with a photo from a phone
(随手拍) and finds it listed; a safety manager confirms one and assigns it, the responsible
person submits the rectification with an after photo, and the boss accepts it — the timeline
shows every step."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from datetime import timedelta

from PIL import Image, ImageDraw
from playwright.sync_api import FilePayload, Page, expect

from anwang.tenants.hazards import service
from tests.platform.browser import has_horizontal_scroll, login
from tests.tenants.factories import committed, make_user, tenant_of, user_id


def jpeg(colour: str = "orange") -> bytes:
    """A real photo-like JPEG."""
    im = Image.new("RGB", (640, 480), "white")
    draw = ImageDraw.Draw(im)
    draw.rectangle((80, 60, 560, 420), fill=colour)
    draw.ellipse((250, 170, 390, 310), fill="navy")
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def photo_file(name: str = "现场.jpg", colour: str = "orange") -> FilePayload:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg(colour)}


def test_worker_reports_a_hazard_with_a_photo_from_a_phone(base: str, phone: Page) -> None:
    title = f"配电箱门未关-{uuid.uuid4().hex[:6]}"
    phone.context.grant_permissions(["geolocation"], origin=base)
    phone.context.set_geolocation({"latitude": 31.4577, "longitude": 121.1065})
    login(phone, base, "worker")
    phone.goto(f"{base}/enterprise/hazards/report")
    expect(phone.locator("h1")).to_have_text("随手拍")
    camera = phone.locator("#f-photos")
    assert camera.get_attribute("accept") == "image/*"
    assert camera.get_attribute("capture") == "environment"
    expect(phone.locator("[data-geo-status]")).to_have_text("已记录当前位置")
    assert not has_horizontal_scroll(phone)

    # A refusal keeps what was typed.
    phone.fill("#f-location", "二号车间配电房")
    phone.click(".hz-report button[type=submit]")
    expect(phone.locator("#e-title")).to_have_text("请填写隐患标题")
    expect(phone.locator("#f-location")).to_have_value("二号车间配电房")

    phone.set_input_files("#f-photos", files=[photo_file()])
    expect(phone.locator('[data-files-for="f-photos"]')).to_have_text("已选择 1 张照片")
    phone.fill("#f-title", title)
    phone.fill("#f-description", "配电箱门敞开，内部带电部分外露")
    with phone.expect_navigation():
        phone.click(".hz-report button[type=submit]")
    assert "/enterprise/hazards?reported=" in phone.url
    expect(phone.locator(".hz-notice")).to_contain_text(title)
    card = phone.locator(".hz-card", has_text=title)
    expect(card).to_be_visible()  # phones see cards, not the table
    expect(card).to_contain_text("已上报")
    expect(phone.locator(".hz-table")).to_be_hidden()
    assert not has_horizontal_scroll(phone)

    card.locator("a").click()
    expect(phone.locator("h1")).to_have_text(title)
    expect(phone.locator("[data-state]")).to_have_text("已上报")
    expect(phone.locator(".field", has_text="位置")).to_contain_text("二号车间配电房")
    expect(phone.locator(".field", has_text="坐标")).to_contain_text("31.45770, 121.10650")
    thumb = phone.locator(".hz-gallery", has_text="整改前").locator("img")
    expect(thumb).to_have_count(1)
    thumb.scroll_into_view_if_needed()
    phone.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=thumb.element_handle())
    expect(phone.locator(".hz-timeline .tl-item")).to_have_count(1)
    expect(phone.locator(".hz-timeline")).to_contain_text("上报")
    assert not has_horizontal_scroll(phone)


def test_confirm_rectify_and_accept_by_another_person(
    base: str, signed_in: Callable[[str], Page], owner_url: str
) -> None:
    with committed(owner_url) as conn:
        tenant = tenant_of(conn, "boss")
        fixer = make_user(conn, tenant, "worker", name=f"整改员{uuid.uuid4().hex[:4]}")
        fixer_id = user_id(conn, fixer)
    title = f"消防通道堵塞-{uuid.uuid4().hex[:6]}"

    worker = signed_in("worker")
    worker.goto(f"{base}/enterprise/hazards/report")
    worker.set_input_files("#f-photos", files=[photo_file()])
    worker.fill("#f-title", title)
    worker.fill("#f-location", "一号仓库北侧")
    with worker.expect_navigation():
        worker.click(".hz-report button[type=submit]")
    worker.locator(".hz-table a", has_text=title).click()
    hazard_url = worker.url
    assert re.search(r"/enterprise/hazards/\d+$", hazard_url)
    # The worker may not confirm it.
    expect(worker.locator("#act-confirm")).to_have_count(0)

    # The safety manager confirms it as a general hazard with a deadline and a responsible
    # person; a first try without a plan comes back with everything kept.
    safety = signed_in("safety")
    safety.goto(hazard_url)
    form = safety.locator("#act-confirm")
    expect(form.locator("input[name=tier][value=general]")).to_be_checked()
    expect(form.locator(".hz-five-form")).to_be_hidden()  # only for a major hazard
    deadline = (service.today() + timedelta(days=7)).isoformat()
    form.locator("select[name=responsible_user_id]").select_option(str(fixer_id))
    form.locator("input[name=deadline]").fill(deadline)
    with safety.expect_navigation():
        form.locator("button[type=submit]").click()
    form = safety.locator("#act-confirm")
    expect(form.locator(".ff-error")).to_have_text("请填写整改方案")
    expect(form.locator("select[name=responsible_user_id]")).to_have_value(str(fixer_id))
    expect(form.locator("input[name=deadline]")).to_have_value(deadline)
    form.locator("textarea[name=plan]").fill("清理杂物，设置禁止堆放标识")
    with safety.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(safety.locator(".hz-notice")).to_have_text("已确认隐患。")
    expect(safety.locator("[data-state]")).to_have_text("已确认")
    expect(safety.locator(".field", has_text="整改方案")).to_contain_text("设置禁止堆放标识")

    # The responsible person starts, then submits the measure with an after photo.
    responsible = signed_in(fixer)
    responsible.goto(hazard_url)
    with responsible.expect_navigation():
        responsible.locator("#act-start button[type=submit]").click()
    expect(responsible.locator("[data-state]")).to_have_text("整改中")
    submit = responsible.locator("#act-submit")
    submit.locator("textarea[name=measure]").fill("已清走杂物并张贴禁止堆放标识")
    responsible.set_input_files("#f-submit-photos", files=[photo_file("整改后.jpg", "green")])
    with responsible.expect_navigation():
        submit.locator("button[type=submit]").click()
    expect(responsible.locator("[data-state]")).to_have_text("待验收")
    # Whoever fixed it cannot accept it.
    expect(responsible.locator("#act-accept")).to_have_count(0)
    expect(responsible.locator(".hz-gallery", has_text="整改后").locator("img")).to_have_count(1)

    # A second person, the boss, accepts it: closed.
    boss = signed_in("boss")
    boss.goto(hazard_url)
    boss.locator("#act-accept textarea[name=note]").fill("通道已畅通，验收合格")
    with boss.expect_navigation():
        boss.locator("#act-accept button[type=submit]").click()
    expect(boss.locator("[data-state]")).to_have_text("已销号")
    steps = boss.locator(".hz-timeline .tl-item")
    expect(steps).to_have_count(5)
    for i, (action, text) in enumerate(
        [
            ("上报", "已上报"),
            ("确认隐患", "已上报 → 已确认"),
            ("开始整改", "已确认 → 整改中"),
            ("提交整改", "整改中 → 待验收"),
            ("验收", "待验收 → 已销号"),
        ]
    ):
        expect(steps.nth(i)).to_contain_text(action)
        expect(steps.nth(i)).to_contain_text(text)
    expect(steps.nth(1)).to_contain_text("判定为一般隐患")
    expect(steps.nth(3)).to_contain_text("整改措施：已清走杂物并张贴禁止堆放标识")
    expect(steps.nth(4)).to_contain_text("验收意见：通道已畅通，验收合格")
    for who in range(5):
        expect(steps.nth(who).locator(".tl-who")).not_to_be_empty()
    expect(boss.locator("#act-accept")).to_have_count(0)
