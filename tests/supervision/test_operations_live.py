"""The supervising view lists what is under way now and what starts later today, and not what
has ended (finished, cancelled, or never started before its permit ran out); a permit still
marked under way after its end is listed apart as overrun. The page shows the same, by kind,
and finds past permits by date."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from anwang.platform.clock import CHINA
from tests.api import PASSWORD, token
from tests.supervision.operations_support import TOWN, enterprise_in, insert_operation, permit_no
from tests.tenants.factories import committed


@dataclass(frozen=True)
class Board:
    numbers: dict[str, str]  # role of the permit → its number
    ids: list[int]
    later_today: bool  # whether a permit could be placed later today (not near midnight)


@pytest.fixture(scope="module")
def board(owner_url: str) -> Iterator[Board]:
    now = datetime.now(UTC)
    midnight = (now.astimezone(CHINA) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    to_midnight = midnight - now
    spec = {
        # role: (kind, grade, status, start from now, hours)
        "active": ("hot_work", "second", "active", timedelta(hours=-1), 5),
        "open": ("lifting", "third", "reported", timedelta(minutes=-30), 3),
        # started within the clock-skew allowance, a minute before its window opens
        "early": ("hot_work", "first", "active", timedelta(minutes=2), 1),
        "overrun": ("confined_space", None, "active", timedelta(hours=-5), 2),
        "finished": ("hot_work", "first", "finished", timedelta(hours=-3), 2),
        "cancelled": ("work_at_height", "second", "cancelled", timedelta(hours=-2), 4),
        "expired": ("lifting", "first", "reported", timedelta(hours=-6), 1),
        "tomorrow": ("work_at_height", "first", "reported", to_midnight + timedelta(hours=9), 2),
    }
    later = to_midnight > timedelta(minutes=20)
    if later:
        spec["later"] = ("hot_work", "first", "reported", to_midnight / 2, 0.1)
    numbers, ids = {}, []
    with committed(owner_url) as conn:
        tenant = enterprise_in(conn, TOWN)
        for role, (kind, grade, status, starts, hours) in spec.items():
            numbers[role] = permit_no(f"LIVE-{role}")
            ids.append(
                insert_operation(
                    conn, tenant, kind=kind, grade=grade, status=status, starts=starts,
                    hours=hours, number=numbers[role],
                )
            )  # fmt: skip
    yield Board(numbers, ids, later)
    with committed(owner_url) as conn:
        conn.execute(text("delete from dangerous_operation where id = any(:i)"), {"i": ids})


def test_the_live_api_lists_under_way_and_later_today_not_the_ended(
    client: TestClient, board: Board
) -> None:
    r = client.get("/api/v1/dangerous-operations/live", headers=token(client, "town"))
    assert r.status_code == 200, r.text
    live = r.json()
    under = {o["permit_no"] for o in live["under_way"]}
    later = {o["permit_no"] for o in live["later_today"]}
    over = {o["permit_no"] for o in live["overrun"]}
    n = board.numbers
    assert {n["active"], n["open"], n["early"]} <= under
    assert n["overrun"] in over and n["overrun"] not in under
    for ended in ("finished", "cancelled", "expired", "tomorrow"):
        assert n[ended] not in under | later | over, ended
    if board.later_today:
        assert n["later"] in later
    phases = {o["permit_no"]: o["phase"] for o in live["under_way"] + live["overrun"]}
    assert (phases[n["active"]], phases[n["open"]], phases[n["overrun"]]) == (
        "active",
        "open",
        "overrun",
    )
    assert live["counts"]["hot_work"] >= 1 and live["counts"]["lifting"] >= 1

    # Another town sees none of them.
    other = client.get("/api/v1/dangerous-operations/live", headers=token(client, "town320585101"))
    seen = {
        o["permit_no"]
        for part in ("under_way", "later_today", "overrun")
        for o in other.json()[part]
    }
    assert not seen & set(n.values())


def test_the_past_is_found_by_date(client: TestClient, board: Board) -> None:
    town = token(client, "town")
    today = datetime.now(CHINA).date()
    r = client.get(
        f"/api/v1/dangerous-operations?view=past&on={today.isoformat()}&limit=500", headers=town
    )
    found = {o["permit_no"] for o in r.json()["items"]}
    n = board.numbers
    assert n["cancelled"] in found  # its window spans now
    if (datetime.now(UTC) - timedelta(hours=1)).astimezone(CHINA).date() == today:
        assert n["finished"] in found  # ended an hour ago, today
    assert n["active"] not in found
    r = client.get(
        f"/api/v1/dangerous-operations?view=all&on={(today - timedelta(days=400)).isoformat()}",
        headers=town,
    )
    assert not {o["permit_no"] for o in r.json()["items"]} & set(n.values())


@pytest.fixture
def town_pages(owner_url: str) -> Iterator[TestClient]:
    from anwang.platform.web.app import create_app

    with TestClient(create_app()) as c:
        c.get("/login")
        r = c.post(
            "/login",
            data={"username": "town", "password": PASSWORD, "next": ""},
            headers={"x-csrftoken": c.cookies["anwang_csrf"]},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        yield c


def test_the_live_page_shows_the_same(town_pages: TestClient, board: Board) -> None:
    r = town_pages.get("/operations/live")
    assert r.status_code == 200
    page = r.text
    n = board.numbers
    assert n["active"] in page and n["open"] in page and n["overrun"] in page
    for ended in ("finished", "expired", "tomorrow"):
        # Ended permits of today may show in the search below, never in the live tables.
        live_part = page.split('id="history"')[0]
        assert n[ended] not in live_part, ended
    assert "超时未关闭" in page and "危险作业实时监管" in page
    assert '<svg class="op-map"' in page
    detail = town_pages.get(f"/operations/live/{board.ids[0]}")
    assert detail.status_code == 200 and n["active"] in detail.text
    # An id of another area answers 404, not 403.
    assert town_pages.get("/operations/live/999999999").status_code == 404
