"""The command-centre wall `/command`: its figures are the stored roll-up figures of the
centre's own place and the dangerous operations under way now; a centre of another scope sees
none of this one's; at 1920×1080 the four-colour bar, the patrol coverage and the trend fit
on one screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from playwright.sync_api import Browser, expect
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.principal import Principal
from anwang.supervision.command.pages import wall_data
from anwang.supervision.command.repository import areas_at_level
from anwang.supervision.rollups import service
from anwang.supervision.rollups.refresh import rebuild_all
from anwang.supervision.rollups.schemas import FigureSet, PlaceFigures
from tests.aio import run_as
from tests.api import page_login, token
from tests.platform.browser import WALL, has_horizontal_scroll, login
from tests.supervision.operations_support import (
    OTHER_TOWN,
    TOWN,
    enterprise_in,
    insert_operation,
    permit_no,
)
from tests.supervision.support import gov_principal
from tests.tenants.factories import committed

KINDS = ("confined_space", "hot_work", "lifting", "work_at_height")


@pytest.fixture(scope="module")
def wall(owner_url: str) -> Iterator[dict[str, str]]:
    """The figures rebuilt and committed for the app to read, and permits in the demo town:
    two under way now and one overrun; their numbers by role."""
    spec = {
        "active": ("hot_work", "second", "active", timedelta(hours=-1), 4),
        "open": ("lifting", "third", "reported", timedelta(minutes=-30), 3),
        "overrun": ("confined_space", None, "active", timedelta(hours=-5), 2),
    }
    numbers = {role: permit_no(f"WALL-{role}") for role in spec}
    with committed(owner_url) as conn:
        rebuild_all(conn)
        tenant = enterprise_in(conn, TOWN)
        for role, (kind, grade, status, starts, hours) in spec.items():
            insert_operation(conn, tenant, kind=kind, grade=grade, status=status, starts=starts,
                             hours=hours, number=numbers[role])  # fmt: skip
    yield numbers
    with committed(owner_url) as conn:
        conn.execute(
            text("delete from dangerous_operation where permit_no = any(:n)"),
            {"n": list(numbers.values())},
        )


def shown(html: str, element_id: str) -> str:
    """The text of the element with `element_id` (its tags dropped)."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:div|b|span)>', html, re.S)
    assert found, element_id
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def headline(x: FigureSet) -> dict[str, str]:
    """What the wall's tiles and risk card must read for the figures `x`."""
    return {
        "n-enterprises": str(x.enterprises),
        "n-sites": str(x.sites),
        "rectification-rate": pct(x.rectification_rate),
        "n-found": str(x.hazards_found),
        "n-closed": str(x.hazards_closed),
        "n-overdue": str(x.hazards_overdue),
        "n-open": str(x.hazards_open),
        "n-major": str(x.major_open),
        "n-major-overdue": str(x.major_overdue),
        "n-listed": str(x.listed_open),
        "n-listed-overdue": str(x.listed_overdue),
        "n-risk-points": str(x.risk_points_total),
        **{f"n-colour-{c}": str(x.colours[c]) for c in ("red", "orange", "yellow", "blue", "none")},
    }


def figures_of(app_url: str, p: Principal, under: str = "") -> PlaceFigures:
    return run_as(app_url, p, lambda db: service.place_figures(db, p, under))


def test_the_panel_shows_the_roll_up_figures_and_the_operations_under_way(
    client: TestClient, wall: dict[str, str], owner_db: Connection, app_url: str
) -> None:
    centre = gov_principal(owner_db, "command")
    f = figures_of(app_url, centre)
    page_login(client, "command")
    r = client.get("/command/panel")
    assert r.status_code == 200, r.text
    html = r.text
    assert {k: shown(html, k) for k in headline(f.figures)} == headline(f.figures)
    assert "统计更新于" in shown(html, "refreshed")
    for kind in ("grid", "town"):
        current = f.figures.patrol[kind].current
        block = re.search(rf'id="patrol-{kind}".*?</li>', html, re.S)
        assert block, kind
        assert pct(current.coverage) in block.group()
        assert f'data-missed="{kind}">{current.missed}<' in block.group()

    # One row per area with that area's own figures.
    rows = re.findall(r'<li data-path="([^"]+)">(.*?)</li>', html, re.S)
    assert rows
    for path, row in rows:
        assert path.startswith(f.place.path + ".")
        y = figures_of(app_url, centre, path).figures
        enterprises, rate, overdue, major, _ = re.findall(r'class="num[^"]*">([^<]*)<', row)
        assert (int(enterprises), int(overdue), int(major)) == (
            y.enterprises,
            y.hazards_overdue,
            y.major_open,
        ), path
        assert not rate or rate == pct(y.rectification_rate)

    # The operations under way are those the live view lists, by kind; overrun apart.
    live = client.get("/api/v1/dangerous-operations/live", headers=token(client, "command"))
    assert live.status_code == 200, live.text
    under_way = live.json()["under_way"]
    for kind in KINDS:
        assert shown(html, f"n-op-{kind}") == str(sum(o["kind"] == kind for o in under_way))
    assert shown(html, "n-operations") == str(len(under_way))
    assert shown(html, "n-operations-overrun") == str(len(live.json()["overrun"]))
    numbers = {o["permit_no"] for o in under_way}
    assert {wall["active"], wall["open"]} <= numbers and wall["overrun"] not in numbers


def under_way_in(owner_db: Connection, path: str) -> int:
    return int(
        owner_db.execute(
            text(
                "select count(*) from dangerous_operation o join enterprise e on e.id = o.tenant_id"
                " where e.jurisdiction_path <@ cast(:p as ltree) and o.valid_to > now()"
                " and (o.status = 'active' or (o.status = 'reported' and o.valid_from <= now()))"
            ),
            {"p": path},
        ).scalar_one()
    )


def test_a_centre_of_another_scope_sees_none_of_this_ones_figures(
    wall: dict[str, str], owner_db: Connection, app_url: str
) -> None:
    city = gov_principal(owner_db, "command")
    mine = Principal(kind="gov", role="command_centre", scope=TOWN, display_name="城厢镇指挥中心")
    other = Principal(kind="gov", role="command_centre", scope=OTHER_TOWN)

    seen = {
        who: run_as(app_url, p, lambda db, p=p: wall_data(db, p))
        for who, p in (("city", city), ("mine", mine), ("other", other))
    }
    assert seen["other"]["place"].path == OTHER_TOWN
    assert seen["other"]["x"] == figures_of(app_url, city, OTHER_TOWN).figures
    assert seen["other"]["x"] != seen["city"]["x"]
    assert seen["other"]["x"].enterprises < seen["city"]["x"].enterprises
    assert all(a.place.path.startswith(OTHER_TOWN + ".") for a in seen["other"]["areas"])
    # The demo town's permits count for its own centre and the city's, not the other town's.
    assert seen["mine"]["operations"].total == under_way_in(owner_db, TOWN) >= 2
    assert seen["other"]["operations"].total == under_way_in(owner_db, OTHER_TOWN)
    assert seen["city"]["operations"].total >= seen["mine"]["operations"].total

    # Asked for every town of the city, the other town's centre reads figures of its own only.
    towns = run_as(app_url, other, lambda db: areas_at_level(db, city.scope or "", "town"))
    counted = [r["place_path"] for r in towns if r["jurisdiction_id"] is not None]
    assert counted == [OTHER_TOWN] and len(towns) > 1


@pytest.mark.browser
def test_the_wall_fits_a_1920_by_1080_screen(
    browser: Browser, base: str, wall: dict[str, str]
) -> None:
    context = browser.new_context(viewport=WALL, locale="zh-CN")
    page = context.new_page()
    login(page, base, "command")
    assert page.url == base + "/command"
    expect(page.locator("#risk .ru-fc-bar .ru-fc-seg").first).to_be_visible()
    expect(page.locator("#colours li")).to_have_count(4)
    expect(page.locator("#patrol-grid")).to_contain_text("网格员巡查")
    expect(page.locator("#patrol-grid .cov-rate")).to_have_text(re.compile(r"\d+\.\d%|—"))
    expect(page.locator("#trend-chart text.ru-tick")).to_have_count(14)
    expect(page.locator("#operations")).to_contain_text("动火")
    expect(page.locator("#refreshed")).to_contain_text("统计更新于")
    # One screen: no scrolling either way, and no card cut off at the edges.
    assert not has_horizontal_scroll(page)
    assert page.evaluate("document.documentElement.scrollHeight") <= WALL["height"]
    for card in page.locator(".wall-card, .tile").all():
        box = card.bounding_box()
        assert box and box["x"] + box["width"] <= WALL["width"]
        assert box["y"] + box["height"] <= WALL["height"]
    # Every area row is on screen inside its card.
    card = page.locator("#areas").bounding_box()
    last = page.locator("#areas .area-rows li").last.bounding_box()
    assert card and last and last["y"] + last["height"] <= card["y"] + card["height"]
    context.close()
