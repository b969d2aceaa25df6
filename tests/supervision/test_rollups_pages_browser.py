"""The jurisdiction page `/bureau` in Chromium: a city officer drills city → district → town →
grid → enterprise and back by the breadcrumb, each level showing its own figures; a town
officer cannot open another town."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform import clock
from anwang.supervision.rollups.refresh import rebuild_all
from tests.platform.browser import has_horizontal_scroll, login
from tests.supervision.rollups_support import expected, scope_of
from tests.tenants.factories import committed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def figures(owner_url: str) -> Iterator[None]:
    with committed(owner_url) as conn:
        rebuild_all(conn)
    yield


def number(page: Page, selector: str) -> int:
    found = re.search(r"\d+", page.locator(selector).inner_text())
    assert found, selector
    return int(found.group())


def percent(closed: int, found: int) -> str:
    return f"{100 * closed / found:.1f}%" if found else "—"


def assert_figures(page: Page, owner_db: Connection, path: str) -> None:
    """The page's headline figures are those counted from the records of `path`."""
    want = expected(owner_db, path, clock.today())
    found = sum(v for k, v in want.items() if k.startswith("h_") and not k.endswith("rejected"))
    closed = sum(v for k, v in want.items() if k.startswith("h_") and k.endswith("_closed"))
    assert number(page, "#n-enterprises") == want["enterprises"]
    assert number(page, "#n-sites") == want["sites"]
    assert number(page, "#n-found") == found
    assert number(page, "#n-closed") == closed
    expect(page.locator("#rectification-rate")).to_have_text(percent(closed, found))
    assert number(page, "#n-overdue") == want["hazards_overdue"]
    for colour in ("red", "orange", "yellow", "blue"):
        assert number(page, f"#n-colour-{colour}") == want[f"ent_{colour}"]
    assert number(page, "#n-risk-points") == sum(
        want[f"risk_{lv}"] for lv in ("major", "significant", "general", "low", "unassessed")
    )
    assert number(page, "#n-listed") == want["listed_open"]
    # The trend chart is there, one month label per month.
    expect(page.locator("#trend-chart text.ru-tick")).to_have_count(14)


def path_of(owner_db: Connection, name: str, under: str) -> str:
    return str(
        owner_db.execute(
            text(
                "select path::text from jurisdiction where name = :n and path <@ cast(:u as ltree)"
            ),
            {"n": name, "u": under},
        ).scalar_one()
    )


def test_city_officer_drills_down_to_an_enterprise_and_back(
    page: Page, base: str, owner_db: Connection, figures: None
) -> None:
    city = scope_of(owner_db, "city")
    login(page, base, "city")
    expect(page.locator("h1")).to_contain_text("苏州市")
    expect(page.locator("#refreshed")).to_contain_text("统计更新于")
    assert_figures(page, owner_db, city)
    trail = [city]
    for level in ("区/县", "镇/街道", "网格"):
        header = page.locator("#children thead th").first
        expect(header).to_have_text(level)
        link = page.locator("#children tbody a").first
        name = link.inner_text()
        link.click()
        page.wait_for_url(re.compile(r"/bureau\?under="))
        expect(page.locator("h1")).to_contain_text(name)
        trail.append(path_of(owner_db, name, trail[-1]))
        assert_figures(page, owner_db, trail[-1])
        expect(page.locator(".crumbs li")).to_have_count(len(trail))
    # At the grid: its enterprises and sites, each with its own figures.
    units = page.locator("#units tbody tr")
    assert units.count() == number(page, "#n-enterprises") + number(page, "#n-sites")
    first = page.locator("#units tbody a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/bureau/enterprises/\d+$"))
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("#figures #e-rate")).to_be_visible()
    tenant = int(page.url.rsplit("/", 1)[1])
    found = owner_db.execute(
        text("select count(*) from hazard where tenant_id = :t and state <> 'rejected'"),
        {"t": tenant},
    ).scalar_one()
    assert number(page, "#e-found") == found
    # Back up by the breadcrumb: the town of that grid.
    page.locator(".crumbs a").nth(2).click()
    page.wait_for_url(re.compile(r"/bureau\?under="))
    assert_figures(page, owner_db, trail[2])
    page.locator(".crumbs a").first.click()
    page.wait_for_url(base + "/bureau")
    expect(page.locator("h1")).to_contain_text("苏州市")


def test_town_officer_cannot_open_another_town(
    page: Page, base: str, owner_db: Connection, figures: None
) -> None:
    town = scope_of(owner_db, "town")
    login(page, base, "town")
    assert_figures(page, owner_db, town)
    other = owner_db.execute(
        text(
            "select path::text from jurisdiction where level = 'town'"
            " and path <> cast(:p as ltree) order by code limit 1"
        ),
        {"p": town},
    ).scalar_one()
    for under in (other, other + ".x", scope_of(owner_db, "bureau")):
        response = page.goto(f"{base}/bureau?under={under}")
        assert response is not None and response.status == 404, under
        expect(page.locator(".error-card")).to_contain_text("不在您的管辖范围内")


def test_the_page_fits_a_phone(phone: Page, base: str, figures: None) -> None:
    login(phone, base, "town")
    expect(phone.locator("#trend-chart svg")).to_be_visible()
    assert not has_horizontal_scroll(phone)
