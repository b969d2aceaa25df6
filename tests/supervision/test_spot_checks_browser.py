"""A spot check in headless Chromium: the town's officer narrows the population and sees the
live count change, draws one enterprise with a chosen seed, finds the draw verified, reviews
the enterprise's hazard with its before/after photos, records a failed item (which becomes a
hazard) and the overall verdict, publishes, and finds the result in the published list."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect
from sqlalchemy import text

from anwang.platform.clock import today
from anwang.supervision.spot_checks import sampling
from tests.api import PASSWORD
from tests.platform.browser import login
from tests.supervision.spot_checks_support import active_ids, delete_draws, delete_hazard
from tests.supervision.support import gov_principal
from tests.tenants.factories import committed, tenant_of

pytestmark = pytest.mark.browser


def jpeg(colour: str) -> bytes:
    im = Image.new("RGB", (640, 480), "white")
    ImageDraw.Draw(im).rectangle((80, 60, 560, 420), fill=colour)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


@dataclass(frozen=True)
class Scene:
    title: str  # of the draw
    hazard_title: str
    hazard_id: int
    tenant: int
    enterprise: str
    seed: int
    grid_path: str
    grid_count: int
    town_count: int


@pytest.fixture
def scene(base: str, owner_url: str) -> Iterator[Scene]:
    """boss's enterprise has a hazard fixed on the spot, with a before and an after photo
    (uploaded through the API of the running server); the seed draws that enterprise."""
    hazard_title = f"除尘器积灰-{uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/api/v1/auth/token", json={"username": "boss", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['token']}"}

        def upload(colour: str) -> int:
            files = {"file": (f"{colour}.jpg", jpeg(colour), "image/jpeg")}
            r = http.post("/api/v1/attachments/photos", files=files, headers=headers)
            assert r.status_code == 201, r.text
            return int(r.json()["id"])

        r = http.post(
            "/api/v1/hazards",
            json={"title": hazard_title, "photo_ids": [upload("orange")]},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        hazard_id = int(r.json()["id"])
        r = http.post(
            f"/api/v1/hazards/{hazard_id}/actions/fix_on_spot",
            json={"measure": "当班清理积灰", "photo_ids": [upload("green")]},
            headers=headers,
        )
        assert r.status_code == 200, r.text
    with committed(owner_url) as conn:
        town = gov_principal(conn, "town")
        grid = gov_principal(conn, "grid")
        assert town.scope and grid.scope and town.user_id
        tenant = tenant_of(conn, "boss")
        enterprise = conn.execute(
            text("select name from enterprise where id = :t"), {"t": tenant}
        ).scalar_one()
        population = active_ids(conn, town.scope)
        grid_count = len(active_ids(conn, grid.scope))
    seed = next(
        s
        for s in range(10_000)
        if sampling.draw(population, s, 1, [town.user_id]).sample == (tenant,)
    )
    s = Scene(
        f"浏览器抽查-{uuid.uuid4().hex[:6]}",
        hazard_title,
        hazard_id,
        tenant,
        enterprise,
        seed,
        grid.scope,
        grid_count,
        len(population),
    )
    yield s
    with committed(owner_url) as conn:
        ids = [
            int(i)
            for (i,) in conn.execute(
                text("select id from spot_check where title = :t"), {"t": s.title}
            )
        ]
        delete_draws(conn, ids)
        delete_hazard(conn, tenant, hazard_id)


def _loaded(page: Page, selector: str) -> bool:
    return bool(page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0"))


def test_officer_draws_reviews_with_photos_and_publishes(
    base: str, page: Page, scene: Scene
) -> None:
    login(page, base, "town")
    page.goto(f"{base}/spot-checks")
    expect(page.locator("h1")).to_have_text("线上抽查")
    expect(page.locator("#population-size")).to_have_text(str(scene.town_count))
    # Narrowing the population updates the live count.
    page.select_option("#f-under", scene.grid_path)
    expect(page.locator("#population-size")).to_have_text(str(scene.grid_count))
    page.select_option("#f-under", "")
    expect(page.locator("#population-size")).to_have_text(str(scene.town_count))

    page.fill("#f-title", scene.title)
    page.check("input[name=size_mode][value=count]")
    page.fill("#f-sample_size", "1")
    # Only the officer herself in the checker pool.
    for box in page.locator("input[name=checker_ids]").all():
        if box.get_attribute("value") != str(gov_id(page)):
            box.uncheck()
    page.fill("#f-review_to", today().isoformat())
    page.click(".sc-advanced summary")
    page.fill("#f-seed", str(scene.seed))
    with page.expect_navigation():
        page.click("#draw button[type=submit]")

    expect(page.locator("h1")).to_have_text(scene.title)
    expect(page.locator("#seed")).to_have_text(str(scene.seed))
    expect(page.locator("#verification")).to_contain_text("复核一致")
    expect(page.locator("#sc-status")).to_have_text("检查中")
    with page.expect_navigation():
        page.click(f"#targets a:has-text('{scene.enterprise}')")

    # The hazard of the period with its before and after photos.
    record = page.locator(f"li[data-item=rectification][data-subject='{scene.hazard_id}']")
    expect(record).to_contain_text(scene.hazard_title)
    before = f"li[data-subject='{scene.hazard_id}'] img[alt^=整改前]"
    after = f"li[data-subject='{scene.hazard_id}'] img[alt^=整改后]"
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)",
        arg=f"{before}, {after}",
    )
    assert _loaded(page, before) and _loaded(page, after)

    # A failed item, passed on to the enterprise as a hazard.
    options = record.locator("[data-fail-only]")
    expect(options).to_be_hidden()
    record.locator("summary").click()
    expect(options).to_be_visible()  # 不合格 is the choice the box opens with
    record.locator("input[type=radio][value=pass]").check()
    expect(options).to_be_hidden()
    record.locator("input[type=radio][value=fail]").check()
    expect(options).to_be_visible()
    record.locator("textarea[name=note]").fill("整改后照片与整改前不是同一位置")
    record.locator("select[name=action]").select_option("hazard")
    with page.expect_navigation():
        record.locator("button:has-text('保存结论')").click()
    expect(page.locator(".notice.success")).to_have_text("已保存检查结论。")
    record = page.locator(f"li[data-item=rectification][data-subject='{scene.hazard_id}']")
    expect(record.locator(".sc-decided")).to_contain_text("不合格")
    expect(record.locator(".sc-decided")).to_contain_text("已登记隐患")
    expect(record.locator(".sc-verdict-bar")).to_have_count(0)  # passed on: it stays

    # One click passes a self-check.
    check = page.locator("li[data-item=self_check]").first
    with page.expect_navigation():
        check.locator("button.sc-pass").click()
    expect(page.locator("li[data-item=self_check]").first.locator(".sc-decided")).to_contain_text(
        "合格"
    )

    # The overall verdict; a failure needs its reason.
    overall = page.locator("#overall")
    overall.locator("input[name=verdict][value=fail]").check()
    with page.expect_navigation():
        overall.locator("button[type=submit]").click()
    expect(page.locator("#overall [role=alert]")).to_have_text("不合格时请写明主要问题")
    overall = page.locator("#overall")
    overall.locator("textarea[name=summary]").fill("隐患整改照片弄虚作假")
    with page.expect_navigation():
        overall.locator("button[type=submit]").click()
    expect(page.locator("#overall-badge")).to_have_text("不合格")

    page.click("a:has-text('返回名单')")
    expect(page.locator("#sc-status")).to_have_text("待公布")
    with page.expect_navigation():
        page.click("button:has-text('公布抽查结果')")
    expect(page.locator("#sc-status")).to_have_text("已公布")
    with page.expect_navigation():
        page.click("a:has-text('查看公示')")
    row = page.locator("#published-results tbody tr", has_text=scene.enterprise)
    expect(row).to_contain_text("不合格")
    expect(row).to_contain_text("隐患整改照片弄虚作假")


def gov_id(page: Page) -> int:
    """The signed-in officer's own user id, from the checker list (her name is on the bar)."""
    name = page.locator(".who-name").inner_text().strip()
    label = page.locator("ul.sc-checkers label", has_text=name).first
    return int(label.locator("input").get_attribute("value") or 0)
