"""Supervision orders through HTTP: issued, answered and closed over the API; visible up the
chain (the district reads the town's order, the neighbouring town gets 404), the enterprise
reads and answers only its own, a sector department only its sector's; refusals in Chinese
with 400, 403, 404 and 409; the pages render for each kind of user."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from tests.api import page_login
from tests.api import token as new_token
from tests.supervision.orders_support import City, city_of, in_days
from tests.tenants.factories import committed, make_user

PREFIX = f"接口测试{uuid.uuid4().hex[:6]}"
_TOKENS: dict[str, dict[str, str]] = {}


def token(client: TestClient, username: str) -> dict[str, str]:
    """One API token per account for the module (hashing a password takes a while)."""
    if username not in _TOKENS:
        _TOKENS[username] = new_token(client, username)
    return _TOKENS[username]


@pytest.fixture(scope="module")
def c(owner_url: str) -> Iterator[City]:
    with committed(owner_url) as conn:
        city = city_of(conn)
    yield city
    # The orders these tests committed go with them (their titles carry the module's prefix).
    with committed(owner_url) as conn:
        conn.execute(
            text("delete from supervision_order where title like :p and parent_id is not null"),
            {"p": f"{PREFIX}%"},
        )
        conn.execute(text("delete from supervision_order where title like :p"), {"p": f"{PREFIX}%"})


@pytest.fixture(scope="module")
def logins(owner_url: str, c: City) -> dict[str, str]:
    """Usernames beyond the demo's: the neighbouring town's officer, another enterprise's
    safety manager."""
    with committed(owner_url) as conn:
        other_town = conn.execute(
            text(
                "select u.username from gov_membership m join app_user u on u.id = m.user_id"
                " where m.jurisdiction_id = :t and m.role = 'officer' order by u.id limit 1"
            ),
            {"t": c.other_town_id},
        ).scalar_one()
        other_firm = make_user(conn, c.other_tenant, "safety_manager", name="其他企业安全员")
    return {"other_town": str(other_town), "other_firm": other_firm}


def major_hazard(owner_url: str, tenant: int, state: str = "rectifying") -> int:
    with committed(owner_url) as conn:
        return int(
            conn.execute(
                text(
                    "insert into hazard (tenant_id, source, tier, state, title, deadline)"
                    " values (:t, 'report', 'major', :s, :title, :d) returning id"
                ),
                {"t": tenant, "s": state, "title": f"{PREFIX}重大隐患", "d": in_days(40)},
            ).scalar_one()
        )


def issue(client: TestClient, who: str, **kw: Any) -> Any:
    body = {
        "subject": "task",
        "title": f"{PREFIX}督办",
        "requirement": "限期整改",
        "deadline": in_days(10).isoformat(),
        **kw,
    }
    return client.post("/api/v1/orders", json=body, headers=token(client, who))


def test_issued_answered_and_closed(client: TestClient, c: City) -> None:
    r = issue(client, "town", subject="enterprise", tenant_id=c.tenant)
    assert r.status_code == 201, r.text
    o = r.json()
    assert (o["status"], o["overdue"], o["tenant_id"]) == ("issued", False, c.tenant)
    boss = token(client, "safety")
    mine = client.get("/api/v1/orders", headers=boss).json()
    assert o["id"] in {i["id"] for i in mine["items"]}
    r = client.post(f"/api/v1/orders/{o['id']}/respond", json={"text": "已整改完毕"}, headers=boss)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["allowed_actions"]) == ("responded", [])
    r = client.post(f"/api/v1/orders/{o['id']}/close", json={}, headers=token(client, "town"))
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "closed"
    assert [e["action"] for e in done["events"]] == ["issue", "respond", "close"]
    assert done["events"][1]["action_name"] == "答复"
    events = client.get(f"/api/v1/orders/{o['id']}/events", headers=boss).json()
    assert [e["action"] for e in events] == ["issue", "respond", "close"]
    # the page's timeline: one step per event, each badged by the status it led to
    page_login(client, "town")
    timeline = client.get(f"/orders/{o['id']}").text.split('class="timeline od-timeline"')[1]
    badges = re.findall(r'<span class="badge (\w+)">', timeline.split("</ol>")[0])
    assert badges == ["info", "suspended", "active"]


def test_visible_up_the_chain_and_not_beside_it(
    client: TestClient, c: City, logins: dict[str, str]
) -> None:
    o = issue(client, "town", target_jurisdiction_id=c.grid_id).json()
    for who in ("bureau", "city", "grid"):
        assert (
            client.get(f"/api/v1/orders/{o['id']}", headers=token(client, who)).status_code == 200
        )
    other = token(client, logins["other_town"])
    r = client.get(f"/api/v1/orders/{o['id']}", headers=other)
    assert r.status_code == 404
    assert r.json()["detail"] == "督办不存在或您无权查看"
    assert (
        client.post(
            f"/api/v1/orders/{o['id']}/close", json={"text": "越权"}, headers=other
        ).status_code
        == 404
    )
    listed = client.get("/api/v1/orders?box=all&limit=500", headers=other).json()
    assert o["id"] not in {i["id"] for i in listed["items"]}
    # The district sees it in the whole jurisdiction, not among what it issued or received.
    bureau = token(client, "bureau")
    for box, expected in (("all", True), ("issued", False), ("received", False)):
        ids = {
            i["id"]
            for i in client.get(f"/api/v1/orders?box={box}&limit=500", headers=bureau).json()[
                "items"
            ]
        }
        assert (o["id"] in ids) is expected, box
    # The grid received it; the town issued it.
    grid_ids = {
        i["id"]
        for i in client.get(
            "/api/v1/orders?box=received&limit=500", headers=token(client, "grid")
        ).json()["items"]
    }
    assert o["id"] in grid_ids
    town_ids = {
        i["id"]
        for i in client.get(
            "/api/v1/orders?box=issued&limit=500", headers=token(client, "town")
        ).json()["items"]
    }
    assert o["id"] in town_ids


def test_passed_down_over_the_api(client: TestClient, c: City) -> None:
    top = issue(client, "bureau", target_jurisdiction_id=c.town_id).json()
    town = token(client, "town")
    r = client.post(
        f"/api/v1/orders/{top['id']}/forward",
        json={"target_jurisdiction_id": c.grid_id, "title": f"{PREFIX}转办"},
        headers=town,
    )
    assert r.status_code == 201, r.text
    child = r.json()
    assert (child["parent_id"], child["target_jurisdiction_id"]) == (top["id"], c.grid_id)
    assert child["allowed_actions"] == ["close"]  # the town issued it
    parent = client.get(f"/api/v1/orders/{top['id']}", headers=token(client, "bureau")).json()
    assert [k["id"] for k in parent["children_rows"]] == [child["id"]]
    assert parent["children"] == 1 and parent["children_closed"] == 0
    # Only the receiver passes it on.
    r = client.post(
        f"/api/v1/orders/{top['id']}/forward",
        json={"target_jurisdiction_id": c.grid_id},
        headers=token(client, "bureau"),
    )
    assert r.status_code == 403


def test_the_enterprise_reads_and_answers_only_its_own(
    client: TestClient, c: City, logins: dict[str, str]
) -> None:
    o = issue(client, "town", subject="enterprise", tenant_id=c.tenant).json()
    about = issue(client, "bureau", subject="enterprise", tenant_id=c.tenant,
                  target_jurisdiction_id=c.town_id).json()  # fmt: skip
    other = token(client, logins["other_firm"])
    assert client.get(f"/api/v1/orders/{o['id']}", headers=other).status_code == 404
    assert (
        client.post(
            f"/api/v1/orders/{o['id']}/respond", json={"text": "冒名答复"}, headers=other
        ).status_code
        == 404
    )
    safety = token(client, "safety")
    assert client.get(f"/api/v1/orders/{about['id']}", headers=safety).status_code == 404
    worker = token(client, "worker")
    r = client.post(f"/api/v1/orders/{o['id']}/respond", json={"text": "收到"}, headers=worker)
    assert r.status_code == 403
    assert "主要负责人" in r.json()["detail"]
    # An enterprise neither issues nor closes.
    assert issue(client, "boss", subject="enterprise", tenant_id=c.tenant).status_code == 403
    assert (
        client.post(
            f"/api/v1/orders/{o['id']}/close", json={"text": "自行办结"}, headers=safety
        ).status_code
        == 403
    )


def test_sector_orders_stay_in_the_sector(client: TestClient, c: City) -> None:
    o = issue(client, "edu", subject="enterprise", tenant_id=c.school)
    assert o.status_code == 201, o.text
    oid = o.json()["id"]
    assert o.json()["sector"] == "education"
    assert client.get(f"/api/v1/orders/{oid}", headers=token(client, "health")).status_code == 404
    health_ids = {
        i["id"]
        for i in client.get("/api/v1/orders?limit=500", headers=token(client, "health")).json()[
            "items"
        ]
    }
    assert oid not in health_ids
    # The district's emergency bureau reads it (its jurisdiction) but takes no step on it.
    bureau = token(client, "bureau")
    seen = client.get(f"/api/v1/orders/{oid}", headers=bureau)
    assert seen.status_code == 200 and seen.json()["allowed_actions"] == []
    r = client.post(f"/api/v1/orders/{oid}/close", json={"text": "越权"}, headers=bureau)
    assert r.status_code == 403


def test_refusals_in_chinese(client: TestClient, owner_url: str, c: City) -> None:
    r = issue(
        client, "town", subject="enterprise", tenant_id=c.tenant, deadline=in_days(-1).isoformat()
    )
    assert r.status_code == 400
    assert r.json()["detail"] == "办理期限须晚于今天"
    h = major_hazard(owner_url, c.tenant)
    first = issue(client, "bureau", subject="hazard", kind="listed", hazard_id=h)
    assert first.status_code == 201, first.text
    assert first.json()["listing_level"] == "district"
    again = issue(client, "city", subject="hazard", kind="listed", hazard_id=h)
    assert again.status_code == 409
    assert again.json()["detail"] == "该隐患已挂牌督办，请勿重复挂牌"
    assert client.get("/api/v1/orders?box=nope", headers=token(client, "town")).status_code == 400
    r = client.post(
        f"/api/v1/orders/{first.json()['id']}/close", json={}, headers=token(client, "bureau")
    )
    assert r.status_code == 400
    assert "隐患尚未销号" in r.json()["detail"]


def test_listings_and_unlisted_major_hazards(client: TestClient, owner_url: str, c: City) -> None:
    listed_h = major_hazard(owner_url, c.tenant)
    unlisted_h = major_hazard(owner_url, c.tenant)
    o = issue(client, "bureau", subject="hazard", kind="listed", hazard_id=listed_h).json()
    body = client.get("/api/v1/orders/listed", headers=token(client, "bureau")).json()
    [row] = [r for r in body["listed"] if r["id"] == o["id"]]
    assert (row["listing_level"], row["hazard_state"], row["overdue"]) == (
        "district",
        "rectifying",
        False,
    )
    assert row["issuer_name"].endswith("应急管理局")
    unlisted = {r["id"] for r in body["unlisted"]}
    assert unlisted_h in unlisted and listed_h not in unlisted
    # The enterprise has no such list.
    assert client.get("/api/v1/orders/listed", headers=token(client, "boss")).status_code == 403


# --- the pages render for each kind of user -----------------------------------------------


def test_pages_render(client: TestClient, owner_url: str, c: City) -> None:
    h = major_hazard(owner_url, c.tenant)
    o = issue(client, "bureau", subject="hazard", kind="listed", hazard_id=h).json()
    page_login(client, "bureau")
    for url, needle in (
        ("/orders?box=all", o["title"]),
        ("/orders?box=escalated", "逾期升级"),
        ("/orders/listed", "未挂牌的重大隐患"),
        (f"/orders/{o['id']}", "办理过程"),
        (f"/orders/hazards/{c.tenant}/{h}", "督办情况"),
        ("/orders/new", "下达督办"),
        (f"/orders/new?hazard_id={h}", "已挂牌督办"),
        (f"/orders/new?tenant_id={c.tenant}", "涉及企业"),
        ("/orders/enterprise-options?q=a", "<select"),
    ):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        assert needle in r.text, url
    assert client.get(f"/orders/hazards/{c.other_tenant}/{h}").status_code == 404
    # the government view of a major hazard shows its five implementations 五落实
    with committed(owner_url) as conn:
        conn.execute(
            text("update hazard set five_implementations = :f where tenant_id = :t and id = :h"),
            {
                "f": json.dumps({"funds": "专项资金五万元", "measures": "更换吊钩"}),
                "t": c.tenant,
                "h": h,
            },
        )
    page = client.get(f"/orders/hazards/{c.tenant}/{h}").text
    assert "资金落实" in page and "专项资金五万元" in page and "时限落实" in page
    page_login(client, "safety")
    for url, needle in (
        ("/enterprise/orders", o["title"]),
        (f"/enterprise/orders/{o['id']}", "答复内容"),
        (f"/enterprise/orders/on-hazard/{h}", o["title"]),
    ):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        assert needle in r.text, url
    assert client.get("/orders").status_code == 403
    page_login(client, "grid")
    assert client.get("/orders").status_code == 200
    assert "下达督办" not in client.get("/orders").text


def test_a_refused_form_keeps_what_was_typed(client: TestClient, c: City) -> None:
    page_login(client, "bureau")
    r = client.post(
        "/orders/new",
        data={
            "subject": "task",
            "kind": "order",
            "title": f"{PREFIX}汛期排查",
            "target": "",
            "requirement": "逐家排查低洼厂房",
            "deadline": "",
        },
        headers={"x-csrftoken": client.cookies["anwang_csrf"]},
        follow_redirects=False,
    )
    assert r.status_code == 400
    assert f'value="{PREFIX}汛期排查"' in r.text
    assert "逐家排查低洼厂房" in r.text
    assert "请选择办理期限" in r.text and "请选择督办对象" in r.text
    r = client.post(
        "/orders/new",
        data={
            "subject": "task",
            "kind": "order",
            "title": f"{PREFIX}汛期排查",
            "target": str(c.town_id),
            "deadline": in_days(7).isoformat(),
        },
        headers={"x-csrftoken": client.cookies["anwang_csrf"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert re.fullmatch(r"/orders/\d+\?done=issue", r.headers["location"])


def test_passed_down_from_the_pages(client: TestClient, c: City) -> None:
    """The town forwards the district's task to its grid, the grid inspector to an enterprise
    found by name; each step lands on the new order."""
    top = issue(client, "bureau", target_jurisdiction_id=c.town_id).json()

    def act(order_id: int, action: str, **data: str) -> Any:
        return client.post(
            f"/orders/{order_id}/actions/{action}",
            data=data,
            headers={"x-csrftoken": client.cookies["anwang_csrf"]},
            follow_redirects=False,
        )

    page_login(client, "town")
    assert "向下转办" in client.get(f"/orders/{top['id']}").text
    r = act(top["id"], "forward", target="", tenant_id="")
    assert r.status_code == 400 and "请选择督办对象" in r.text
    r = act(top["id"], "forward", target=str(c.grid_id), requirement="网格内逐家排查")
    assert r.status_code == 303, r.text
    mid = int(r.headers["location"].split("?")[0].rsplit("/", 1)[1])
    page_login(client, "grid")
    page = client.get(f"/orders/{mid}").text
    assert "网格内逐家排查" in page and "或直接督办企业" in page
    name = client.get(f"/api/v1/orders/{mid}", headers=token(client, "grid")).json()
    assert name["parent_id"] == top["id"]
    r = act(mid, "forward", target="", tenant_id=str(c.tenant))
    assert r.status_code == 303, r.text
    low = int(r.headers["location"].split("?")[0].rsplit("/", 1)[1])
    got = client.get(f"/api/v1/orders/{low}", headers=token(client, "safety")).json()
    assert (got["parent_id"], got["tenant_id"], got["allowed_actions"]) == (
        mid,
        c.tenant,
        ["respond"],
    )
