"""Registering an enterprise and opening its record, in a real browser: the form refuses bad
input without losing what was typed, the record shows its history, and scope still rules.

The live server writes to the run's shared test database, so every record made here has a
name and credit code of its own."""

from __future__ import annotations

import random
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.registry.credit_code import check_character
from tests.platform.browser import (
    has_horizontal_scroll,
    login,
)

pytestmark = pytest.mark.browser

FORM = "/bureau/enterprises/new"
BAD_CODE = "913205851234567890"  # its check character should be 8


def unique_code() -> str:
    """A valid credit code no other test (nor the seed, in all likelihood) uses."""
    first17 = "91320585" + "".join(random.choice("0123456789") for _ in range(9))
    return first17 + check_character(first17)


def unique_name() -> str:
    return f"太仓市测试{random.randrange(10**8):08d}精密机械有限公司"


def user(owner_db: Connection, username: str) -> tuple[str, str]:
    """The display name and jurisdiction path of a government login."""
    row = owner_db.execute(
        text(
            "select u.display_name, j.path::text from app_user u"
            " join gov_membership g on g.user_id = u.id"
            " join jurisdiction j on j.id = g.jurisdiction_id where u.username = :u"
        ),
        {"u": username},
    ).one()
    return row[0], row[1]


def a_grid_in(owner_db: Connection, path: str) -> tuple[int, str]:
    row = owner_db.execute(
        text(
            "select id, name from jurisdiction where level = 'grid'"
            " and path <@ cast(:p as ltree) order by code limit 1"
        ),
        {"p": path},
    ).one()
    return int(row[0]), str(row[1])


def submit(page: Page) -> int:
    """Send the registration form; the status of the POST's own response."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(FORM)
    ) as response:
        page.click(".reg-form button[type=submit]")
    page.wait_for_load_state()
    return response.value.status


def error_of(page: Page, field: str) -> str:
    return page.locator(f"#e-{field}").inner_text()


def test_register_refuses_bad_input_keeps_it_then_registers(
    page: Page, base: str, owner_db: Connection
) -> None:
    officer, town = user(owner_db, "town")
    grid_id, grid_name = a_grid_in(owner_db, town)
    name, code, address = unique_name(), unique_code(), "太仓市城厢镇测试路8号"
    login(page, base, "town")
    page.click("a:has-text('登记企业')")
    page.wait_for_url(base + FORM)
    expect(page.locator("h1")).to_have_text("登记企业")

    # A wrong check character: refused with the code's own message, nothing typed is lost.
    page.fill("#f-name", name)
    page.fill("#f-credit_code", BAD_CODE)
    page.select_option("#f-industry", "化工")
    page.select_option("#f-scale", "medium")
    page.select_option("#f-jurisdiction_id", str(grid_id))
    page.fill("#f-address", address)
    page.fill("#f-legal_representative", "王测试")
    assert submit(page) == 400
    assert "校验位" in error_of(page, "credit_code")
    expect(page.locator("#f-credit_code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-name")).to_have_value(name)
    expect(page.locator("#f-address")).to_have_value(address)
    expect(page.locator("#f-legal_representative")).to_have_value("王测试")
    expect(page.locator("#f-credit_code")).to_have_value(BAD_CODE)
    expect(page.locator("#f-industry")).to_have_value("化工")
    expect(page.locator("#f-scale")).to_have_value("medium")
    expect(page.locator("#f-jurisdiction_id")).to_have_value(str(grid_id))

    # Corrected (in lower case, as people type it), with the optional numbers left empty.
    page.fill("#f-credit_code", code.lower())
    page.click(".reg-form button[type=submit]")
    page.wait_for_url(re.compile(r"/bureau/enterprises/\d+\?created=1$"))
    expect(page.locator(".notice.success")).to_contain_text("已登记")
    expect(page.locator("h1")).to_have_text(name)
    profile = page.locator("#profile")
    expect(profile).to_contain_text(code)
    expect(profile).to_contain_text(f"城厢镇 / {grid_name}")
    expect(profile).to_contain_text("中型")

    saved = owner_db.execute(
        text("select id, name, jurisdiction_id, lon, lat from enterprise where credit_code = :c"),
        {"c": code},
    ).one()
    assert (saved.name, saved.jurisdiction_id, saved.lon, saved.lat) == (
        name,
        grid_id,
        None,
        None,
    )
    assert page.url.endswith(f"/bureau/enterprises/{saved.id}?created=1")

    # One 新建 entry, by the officer, at the time the database recorded.
    at = owner_db.execute(
        text("select at from audit_event where table_name = 'enterprise' and row_key = :k"),
        {"k": str(saved.id)},
    ).scalar_one()
    local = at.astimezone(ZoneInfo("Asia/Shanghai"))
    entries = page.locator("#history .tl-item")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("新建")
    expect(entries.first).to_contain_text(officer)
    expect(entries.first).to_contain_text(
        f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    )

    # The same code again: a conflict shown at the code, with every value kept.
    page.goto(base + FORM)
    page.fill("#f-name", name + "分厂")
    page.fill("#f-credit_code", code)
    page.select_option("#f-industry", "电子")
    page.select_option("#f-jurisdiction_id", str(grid_id))
    page.fill("#f-address", address)
    page.fill("#f-lat", "31.45")
    assert submit(page) == 409
    assert error_of(page, "credit_code") == "该统一社会信用代码已登记"
    expect(page.locator("#f-name")).to_have_value(name + "分厂")
    expect(page.locator("#f-credit_code")).to_have_value(code)
    expect(page.locator("#f-industry")).to_have_value("电子")
    expect(page.locator("#f-jurisdiction_id")).to_have_value(str(grid_id))
    expect(page.locator("#f-address")).to_have_value(address)
    expect(page.locator("#f-lat")).to_have_value("31.45")
    assert (
        owner_db.execute(
            text("select count(*) from enterprise where name = :n"), {"n": name + "分厂"}
        ).scalar_one()
        == 0
    )

    # The new enterprise is in the bureau's search, and its name leads to its record.
    page.goto(base + "/bureau")
    with page.expect_response(lambda r: "/bureau/enterprises?" in r.url):
        page.fill("input[name=q]", name)
    page.wait_for_load_state("networkidle")
    rows = page.locator("#enterprise-results tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("a", has_text=name).click()
    page.wait_for_url(base + f"/bureau/enterprises/{saved.id}")
    expect(page.locator(".notice.success")).to_have_count(0)


def test_form_messages_for_missing_and_malformed_fields(page: Page, base: str) -> None:
    login(page, base, "bureau")
    page.goto(base + FORM)
    page.fill("#f-credit_code", "91320585")
    page.fill("#f-lon", "东经121度")
    assert submit(page) == 400
    assert error_of(page, "name") == "请填写企业名称"
    assert "应为18位" in error_of(page, "credit_code")
    assert error_of(page, "industry") == "请选择所属行业"
    assert error_of(page, "jurisdiction_id") == "请选择所属网格"
    assert error_of(page, "lon") == "经度应为数字"
    expect(page.locator("#e-lat")).to_have_count(0)
    expect(page.locator("#f-lon")).to_have_value("东经121度")
    # The cursor waits in the first field to fix.
    expect(page.locator("#f-name")).to_be_focused()


def test_the_grid_list_is_the_officers_scope(page: Page, base: str, owner_db: Connection) -> None:
    _, town = user(owner_db, "town")
    inside = owner_db.execute(
        text(
            "select id::text from jurisdiction where level = 'grid' and path <@ cast(:p as ltree)"
        ),
        {"p": town},
    ).scalars()
    login(page, base, "town")
    page.goto(base + FORM)
    offered = page.locator("#f-jurisdiction_id option:not([value=''])")
    assert sorted(offered.evaluate_all("os => os.map(o => o.value)")) == sorted(inside)
    expect(page.locator("#f-jurisdiction_id optgroup")).to_have_attribute("label", "城厢镇")


def test_town_officer_cannot_open_another_towns_enterprise(
    page: Page, base: str, owner_db: Connection
) -> None:
    _, town = user(owner_db, "town")

    def one(where: str) -> tuple[int, str]:
        row = owner_db.execute(
            text(f"select id, name from enterprise where {where} order by id limit 1"),
            {"p": town},
        ).one()
        return int(row[0]), str(row[1])

    mine = one("jurisdiction_path <@ cast(:p as ltree)")
    theirs = one("not jurisdiction_path <@ cast(:p as ltree)")
    login(page, base, "town")
    response = page.goto(f"{base}/bureau/enterprises/{mine[0]}")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text(mine[1])
    response = page.goto(f"{base}/bureau/enterprises/{theirs[0]}")
    assert response is not None and response.status == 404
    expect(page.locator(".error-card")).to_be_visible()
    assert theirs[1] not in page.locator("body").inner_text()


def test_grid_inspector_opens_a_record_from_the_list(page: Page, base: str) -> None:
    login(page, base, "grid")
    first = page.locator("#enterprises tbody a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/bureau/enterprises/\d+$"))
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("#history .tl-item").first).to_contain_text("系统/初始化数据")


def test_enterprise_user_is_refused_the_form(page: Page, base: str) -> None:
    login(page, base, "boss")
    response = page.goto(base + FORM)
    assert response is not None and response.status == 403
    expect(page.locator(".error-card")).to_contain_text("没有权限")


def test_form_and_record_fit_a_phone(phone: Page, base: str) -> None:
    login(phone, base, "town")
    phone.goto(base + FORM)
    assert not has_horizontal_scroll(phone)
    phone.fill("#f-name", unique_name())
    phone.fill("#f-credit_code", BAD_CODE)
    assert submit(phone) == 400
    expect(phone.locator("#e-credit_code")).to_be_visible()
    assert not has_horizontal_scroll(phone)
    phone.goto(base + "/bureau")
    phone.locator("#enterprise-results .items a").first.click()
    phone.wait_for_url(re.compile(r"/bureau/enterprises/\d+$"))
    assert not has_horizontal_scroll(phone)
