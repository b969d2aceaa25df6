"""The shell pages in a real browser: each demo login lands on its own page and sees its
own data (and nothing outside its scope), on desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tests.platform.browser import (
    WALL,
    has_horizontal_scroll,
    login,
)

pytestmark = pytest.mark.browser


def number(page: Page, selector: str) -> int:
    found = re.search(r"\d+", page.locator(selector).inner_text())
    assert found, selector
    return int(found.group())


def scope_of(owner_db: Connection, username: str) -> str:
    return owner_db.execute(
        text(
            "select j.path::text from gov_membership g join app_user u on u.id = g.user_id"
            " join jurisdiction j on j.id = g.jurisdiction_id where u.username = :u"
        ),
        {"u": username},
    ).scalar_one()


def count_under(owner_db: Connection, path: str, kind: str = "enterprise") -> int:
    return owner_db.execute(
        text(
            "select count(*) from enterprise"
            " where kind = :k and jurisdiction_path <@ cast(:p as ltree)"
        ),
        {"k": kind, "p": path},
    ).scalar_one()


def names(owner_db: Connection, where: str, **params: object) -> list[str]:
    return list(
        owner_db.execute(text(f"select name from enterprise where {where} order by id"), params)
        .scalars()
        .all()
    )


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("boss", "/enterprise"),
        ("safety", "/enterprise"),
        ("worker", "/enterprise"),
        ("grid", "/inspector"),
        ("town", "/bureau"),
        ("bureau", "/bureau"),
        ("city", "/bureau"),
        ("zhifa", "/enforcement"),
        ("command", "/command"),
        ("edu", "/sector"),
        ("health", "/sector"),
    ],
)
def test_each_login_lands_on_its_shell(page: Page, base: str, username: str, path: str) -> None:
    login(page, base, username)
    assert page.url == base + path
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("form[action='/logout'] button")).to_be_visible()
    page.goto(base + "/")
    assert page.url == base + path


def test_enterprise_sees_its_profile_and_people_but_no_other_tenant(
    page: Page, base: str, owner_db: Connection
) -> None:
    mine = owner_db.execute(
        text(
            "select e.id, e.name, e.credit_code from enterprise e join tenant_membership m"
            " on m.tenant_id = e.id join app_user u on u.id = m.user_id where u.username = 'boss'"
        )
    ).one()
    people = names_of_members(owner_db, mine.id)
    login(page, base, "boss")
    expect(page.locator("h1")).to_have_text(mine.name)
    body = page.locator("body").inner_text()
    assert mine.credit_code in body
    for person in people:
        assert person in body
    # The home page opens with the alarms, then the numbers, then the profile and people.
    expect(page.locator("#alarms")).to_be_visible()
    expect(page.locator("#profile")).to_contain_text(mine.credit_code)
    expect(page.locator("#members")).to_contain_text(people[0])
    others = names(owner_db, "id <> :i", i=mine.id)
    assert others and not [n for n in others if n in body]


def names_of_members(owner_db: Connection, tenant_id: int) -> list[str]:
    return list(
        owner_db.execute(
            text(
                "select u.display_name from tenant_membership m join app_user u"
                " on u.id = m.user_id where m.tenant_id = :t"
            ),
            {"t": tenant_id},
        )
        .scalars()
        .all()
    )


def test_grid_inspector_lists_exactly_the_grid(page: Page, base: str, owner_db: Connection) -> None:
    grid = scope_of(owner_db, "grid")
    inside = names(
        owner_db, "kind = 'enterprise' and jurisdiction_path <@ cast(:p as ltree)", p=grid
    )
    outside = names(owner_db, "not jurisdiction_path <@ cast(:p as ltree)", p=grid)
    login(page, base, "grid")
    assert number(page, "#n-enterprises") == len(inside) > 0
    body = page.locator("#enterprises").inner_text()
    assert all(n in body for n in inside)
    assert not [n for n in outside if n in body]


def test_town_officer_sees_only_the_town(page: Page, base: str, owner_db: Connection) -> None:
    town = scope_of(owner_db, "town")
    login(page, base, "town")
    assert number(page, "#n-enterprises") == count_under(owner_db, town)
    assert number(page, "#n-sites") == count_under(owner_db, town, "public_site")
    elsewhere = names(
        owner_db, "kind = 'enterprise' and not jurisdiction_path <@ cast(:p as ltree)", p=town
    )[0]
    assert elsewhere not in page.locator("body").inner_text()
    search(page, elsewhere)
    expect(page.locator("#enterprise-results")).to_contain_text("没有找到符合条件的企业")
    # Neither can a hand-made link reach outside the scope.
    outside = owner_db.execute(
        text(
            "select path::text from jurisdiction where level = 'town'"
            " and path <> cast(:p as ltree) limit 1"
        ),
        {"p": town},
    ).scalar_one()
    response = page.goto(f"{base}/bureau?under={outside}")
    assert response is not None and response.status == 404
    expect(page.locator(".error-card")).to_contain_text("不在您的管辖范围内")


def search(page: Page, q: str) -> None:
    """Type into the live search and wait for the htmx swap to finish."""
    with page.expect_response(lambda r: "/enterprises?" in r.url or "/parties?" in r.url):
        page.fill("input[name=q]", q)
    page.wait_for_load_state("networkidle")


def test_bureau_live_search_filters_and_drills_down(
    page: Page, base: str, owner_db: Connection
) -> None:
    district = scope_of(owner_db, "bureau")
    login(page, base, "bureau")
    assert number(page, "#n-enterprises") == count_under(owner_db, district)
    rows = page.locator("#enterprise-results tbody tr")
    before = rows.count()
    target = names(
        owner_db, "kind = 'enterprise' and jurisdiction_path <@ cast(:p as ltree)", p=district
    )[-1]
    search(page, target)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(target)
    assert before > 1
    search(page, "")
    expect(rows).to_have_count(before)
    # Drill down: a town's own numbers, with the way back.
    first_town = page.locator("#children tbody a").first
    town_name = first_town.inner_text()
    first_town.click()
    page.wait_for_url(re.compile(r"/bureau\?under="))
    expect(page.locator("h1")).to_contain_text(town_name)
    town = owner_db.execute(
        text("select path::text from jurisdiction where name = :n and path <@ cast(:d as ltree)"),
        {"n": town_name, "d": district},
    ).scalar_one()
    assert number(page, "#n-enterprises") == count_under(owner_db, town)


def test_city_officer_sees_the_whole_city(page: Page, base: str, owner_db: Connection) -> None:
    login(page, base, "city")
    assert number(page, "#n-enterprises") == count_under(owner_db, scope_of(owner_db, "city"))


def test_enforcement_finds_a_party_by_credit_code(
    page: Page, base: str, owner_db: Connection
) -> None:
    party = owner_db.execute(
        text(
            "select name, credit_code, legal_representative from enterprise"
            " where kind = 'enterprise' and legal_representative <> ''"
            " and jurisdiction_path <@ cast(:p as ltree) order by id limit 1"
        ),
        {"p": scope_of(owner_db, "zhifa")},
    ).one()
    login(page, base, "zhifa")
    search(page, party.credit_code)
    results = page.locator("#party-results")
    expect(results).to_contain_text(party.name)
    expect(results).to_contain_text(party.legal_representative)


def test_sector_sees_only_its_sector(page: Page, base: str, owner_db: Connection) -> None:
    login(page, base, "health")
    scope = scope_of(owner_db, "health")
    own = names(owner_db, "sector = 'health' and jurisdiction_path <@ cast(:p as ltree)", p=scope)
    assert number(page, "#n-sites") == len(own) > 0
    body = page.locator("body").inner_text()
    assert all(n in body for n in own)
    assert "医院" in body
    assert not [n for n in names(owner_db, "sector <> 'health'") if n in body]


def test_command_wall_screen(browser: Browser, base: str, owner_db: Connection) -> None:
    context = browser.new_context(viewport=WALL)
    page = context.new_page()
    login(page, base, "command")
    scope = scope_of(owner_db, "command")
    assert number(page, "#n-enterprises") == count_under(owner_db, scope)
    assert number(page, "#n-sites") == count_under(owner_db, scope, "public_site")
    panel = page.locator("#panel")
    assert panel.get_attribute("hx-trigger") == "every 60s"
    assert page.locator(".towns .bars li").count() > 0
    # The whole wall fits the screen without scrolling.
    assert page.evaluate("document.documentElement.scrollHeight") <= WALL["height"]
    refreshed = page.request.get(base + "/command/panel")
    assert refreshed.status == 200 and 'id="panel"' in refreshed.text()
    context.close()


def test_wrong_password_keeps_the_username(page: Page, base: str) -> None:
    login(page, base, "safety", "not-the-password")
    expect(page.locator(".alert")).to_have_text("用户名或密码错误")
    expect(page.locator("input[name=username]")).to_have_value("safety")
    assert page.url == base + "/login"


def test_a_page_for_another_kind_of_user_is_refused(page: Page, base: str) -> None:
    login(page, base, "worker")
    response = page.goto(base + "/bureau")
    assert response is not None and response.status == 403
    expect(page.locator(".error-card")).to_contain_text("没有权限")


def test_logout_ends_the_session(browser: Browser, page: Page, base: str) -> None:
    login(page, base, "boss")
    cookies = page.context.cookies()
    assert any(c["name"] == "anwang_session" for c in cookies)
    page.click("form[action='/logout'] button")
    page.wait_for_url(base + "/login")
    # The old cookie, replayed from elsewhere, is worthless now.
    replay = browser.new_context()
    replay.add_cookies(cookies)  # type: ignore[arg-type]
    again = replay.new_page()
    again.goto(base + "/enterprise")
    assert again.url.startswith(base + "/login")
    replay.close()


def test_htmx_posts_carry_the_csrf_token(page: Page, base: str) -> None:
    login(page, base, "worker")
    page.evaluate("htmx.ajax('POST', '/logout', {swap: 'none'})")
    page.wait_for_load_state("networkidle")
    page.goto(base + "/enterprise")
    assert page.url.startswith(base + "/login"), "the htmx POST was refused"


@pytest.mark.parametrize("username", ["boss", "grid", "town", "zhifa", "edu", "command"])
def test_phone_width_has_no_horizontal_scrolling(phone: Page, base: str, username: str) -> None:
    phone.goto(base + "/login")
    assert not has_horizontal_scroll(phone)
    login(phone, base, username)
    expect(phone.locator("h1")).to_be_visible()
    assert not has_horizontal_scroll(phone)
