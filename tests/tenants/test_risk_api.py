"""Risk points through the HTTP API: create, assess and reassess (history kept), graded control
with its default and override, red without a leader refused, thresholds from the tenant and the
province, filters and four-colour counts, permissions, and another tenant's point as 404."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from tests.api import token
from tests.tenants.factories import (
    committed,
    company,
    make_manager,
    make_risk_point,
    make_unit,
    make_user,
    other_tenant,
    tenant_of,
)

API = "/api/v1/risk-points"


@pytest.fixture(scope="module")
def tree(owner_url: str) -> dict[str, int]:
    """company → 生产部 (department) → 冲压车间 (workshop) → 冲床岗 (post) in the demo tenant."""
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        root = company(conn, t)
        dept = make_unit(conn, t, "风险API生产部", "department", root)
        shop = make_unit(conn, t, "风险API冲压车间", "workshop", dept)
        post = make_unit(conn, t, "风险API冲床岗", "post", shop)
        other = make_unit(conn, t, "风险API仓储部", "department", root)
    return {"tenant": t, "root": root, "dept": dept, "shop": shop, "post": post, "other": other}


def body(unit: int, **extra: Any) -> dict[str, Any]:
    return {
        "org_unit_id": unit,
        "name": "冲压机",
        "kind": "equipment",
        "hazard_factors": ["thing", "人的因素"],
        "accident_types": ["machinery", "物体打击"],
        "inspection_frequency": "shift",
        "responsible_name": "张三",
        "measures": [
            {"kind": "engineering", "content": "光电保护装置有效"},
            {"kind": "emergency", "content": "立即按下急停按钮"},
        ],
        **extra,
    }


def count(owner_url: str, table: str) -> int:
    with committed(owner_url) as conn:
        return int(conn.execute(text(f"select count(*) from {table}")).scalar_one())


def test_create_with_lec_grades_and_controls_at_workshop(
    client: TestClient, tree: dict[str, int]
) -> None:
    h = token(client, "safety")
    r = client.post(
        API,
        headers=h,
        json=body(tree["post"], assessment={"method": "lec", "l": 3, "e": 6, "c": 7}),
    )
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["score"] == "126" or float(p["score"]) == 126
    assert (p["level"], p["colour"], p["level_name"]) == ("general", "yellow", "一般风险")
    assert p["control_level"] == "workshop" and not p["control_level_overridden"]
    assert p["control_unit_id"] == tree["shop"]  # the nearest workshop above the post
    assert p["hazard_factors"] == ["human", "thing"]  # names become codes, in vocabulary order
    assert p["accident_types"] == ["struck_by_object", "machinery"]
    assert [m["kind"] for m in p["measures"]] == ["engineering", "emergency"]
    assert p["qr_url"] == f"/q/{p['qr_token']}"
    history = client.get(f"{API}/{p['id']}/assessments", headers=h).json()
    assert len(history) == 1
    first = history[0]
    assert first["method"] == "lec" and float(first["l"]) == 3 and float(first["c"]) == 7
    assert first["thresholds"]["major"] == 320 and first["assessed_by_name"]


def test_reassessment_keeps_the_history_and_moves_the_control_level(
    client: TestClient, tree: dict[str, int]
) -> None:
    h = token(client, "safety")
    pid = client.post(API, headers=h, json=body(tree["post"])).json()["id"]
    assert client.get(f"{API}/{pid}", headers=h).json()["level"] is None
    r = client.post(f"{API}/{pid}/assessments", headers=h, json={"method": "ls", "l": 1, "s": 2})
    assert r.status_code == 201, r.text
    assert r.json()["level"] == "low"
    r = client.post(
        f"{API}/{pid}/assessments",
        headers=h,
        json={"method": "ls", "l": 4, "s": 4, "note": "工艺变更后复评"},
    )
    assert r.json()["level"] == "significant" and r.json()["colour"] == "orange"
    p = client.get(f"{API}/{pid}", headers=h).json()
    assert (p["method"], p["level"], p["control_level"]) == ("ls", "significant", "department")
    assert p["control_unit_id"] == tree["dept"]
    history = client.get(f"{API}/{pid}/assessments", headers=h).json()
    assert [a["level"] for a in history] == ["low", "significant"]
    assert history[1]["note"] == "工艺变更后复评"


def test_red_needs_a_named_leader_and_is_controlled_by_the_company(
    client: TestClient, tree: dict[str, int], owner_url: str
) -> None:
    h = token(client, "safety")
    before = count(owner_url, "risk_point"), count(owner_url, "risk_assessment")
    red = {"method": "lec", "l": 6, "e": 6, "c": 15}
    r = client.post(API, headers=h, json=body(tree["shop"], assessment=red))
    assert r.status_code == 400 and r.json()["field"] == "control_leader"
    assert "挂牌" in r.json()["detail"]
    assert (count(owner_url, "risk_point"), count(owner_url, "risk_assessment")) == before
    # reassessing an existing point to red without a leader is refused too, and changes nothing
    pid = client.post(API, headers=h, json=body(tree["shop"])).json()["id"]
    r = client.post(f"{API}/{pid}/assessments", headers=h, json=red)
    assert r.status_code == 400 and r.json()["field"] == "control_leader"
    assert client.get(f"{API}/{pid}", headers=h).json()["level"] is None
    assert client.get(f"{API}/{pid}/assessments", headers=h).json() == []
    r = client.post(
        f"{API}/{pid}/assessments", headers=h, json={**red, "control_leader": "李四 副总经理"}
    )
    assert r.status_code == 201 and r.json()["level"] == "major"
    p = client.get(f"{API}/{pid}", headers=h).json()
    assert (p["control_level"], p["control_unit_id"]) == ("company", tree["root"])
    assert p["control_leader"] == "李四 副总经理"
    # removing the leader of a red point is refused
    r = client.patch(f"{API}/{pid}", headers=h, json={"control_leader": ""})
    assert r.status_code == 400 and r.json()["field"] == "control_leader"


def test_direct_judgement_is_red_whatever_the_score(
    client: TestClient, tree: dict[str, int]
) -> None:
    h = token(client, "safety")
    pid = client.post(API, headers=h, json=body(tree["shop"], control_leader="王五")).json()["id"]
    r = client.post(f"{API}/{pid}/assessments", headers=h, json={"method": "direct"})
    assert r.status_code == 400 and r.json()["field"] == "assessment.major_criterion"
    criterion = "干式除尘系统未采取泄爆、惰化、抑爆等任一种爆炸防控措施"
    r = client.post(
        f"{API}/{pid}/assessments",
        headers=h,
        json={"method": "direct", "major_criterion": criterion},
    )
    assert r.status_code == 201 and r.json()["level"] == "major" and r.json()["score"] is None
    r = client.post(
        f"{API}/{pid}/assessments",
        headers=h,
        json={
            "method": "ls",
            "l": 1,
            "s": 1,
            "major_criterion": "自行填写：涉氨制冷未设置泄漏报警",
        },
    )
    assert r.json()["level"] == "major" and float(r.json()["score"]) == 1


def test_invalid_factors_are_refused_by_field(client: TestClient, tree: dict[str, int]) -> None:
    h = token(client, "safety")
    pid = client.post(API, headers=h, json=body(tree["shop"])).json()["id"]
    for payload, field in (
        ({"method": "lec", "l": 2, "e": 6, "c": 7}, "assessment.l"),
        ({"method": "lec", "l": 3, "e": 6, "c": 8}, "assessment.c"),
        ({"method": "ls", "l": 3, "s": 6}, "assessment.s"),
        ({"method": "jha"}, "assessment.method"),
    ):
        r = client.post(f"{API}/{pid}/assessments", headers=h, json=payload)
        assert r.status_code == 400 and r.json()["field"] == field, (payload, r.text)
    assert client.get(f"{API}/{pid}/assessments", headers=h).json() == []
    for bad, field in (
        ({"inspection_frequency": "hourly"}, "inspection_frequency"),
        ({"accident_types": ["雷击"]}, "accident_types"),
        ({"name": "  "}, "name"),
        ({"kind": "robot"}, "kind"),
        ({"measures": [{"kind": "prayer", "content": "x"}]}, "measures"),
    ):
        r = client.post(API, headers=h, json={**body(tree["shop"]), **bad})
        assert r.status_code == 400 and r.json()["field"] == field, (bad, r.text)


def test_control_level_override_and_return_to_default(
    client: TestClient, tree: dict[str, int]
) -> None:
    h = token(client, "safety")
    pid = client.post(
        API,
        headers=h,
        json=body(tree["post"], assessment={"method": "ls", "l": 1, "s": 3}),
    ).json()["id"]
    p = client.get(f"{API}/{pid}", headers=h).json()
    assert (p["level"], p["control_level"], p["control_unit_id"]) == ("low", "post", tree["post"])
    r = client.patch(f"{API}/{pid}", headers=h, json={"control_level": "department"})
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["control_level_overridden"] and p["control_level"] == "department"
    assert p["control_unit_id"] == tree["dept"]
    # a reassessment keeps an overridden control level
    client.post(f"{API}/{pid}/assessments", headers=h, json={"method": "ls", "l": 3, "s": 3})
    p = client.get(f"{API}/{pid}", headers=h).json()
    assert (p["level"], p["control_level"]) == ("general", "department")
    r = client.patch(
        f"{API}/{pid}",
        headers=h,
        json={"control_level": "company", "control_unit_id": tree["other"]},
    )
    assert (r.json()["control_level"], r.json()["control_unit_id"]) == ("company", tree["other"])
    r = client.patch(f"{API}/{pid}", headers=h, json={"control_level_overridden": False})
    p = r.json()
    assert not p["control_level_overridden"]
    assert (p["control_level"], p["control_unit_id"]) == ("workshop", tree["shop"])
    # moved to a department without workshops, the default unit follows (its own unit)
    p = client.patch(f"{API}/{pid}", headers=h, json={"org_unit_id": tree["other"]}).json()
    assert (p["control_level"], p["control_unit_id"]) == ("workshop", tree["other"])
    # an overridden level with the unit cleared returns to that level's default unit
    p = client.patch(
        f"{API}/{pid}", headers=h, json={"control_level": "company", "control_unit_id": None}
    ).json()
    assert (p["control_level"], p["control_unit_id"]) == ("company", tree["root"])


def test_edit_measures_keeps_ids_and_retire(client: TestClient, tree: dict[str, int]) -> None:
    h = token(client, "safety")
    p = client.post(API, headers=h, json=body(tree["shop"])).json()
    keep = p["measures"][0]
    r = client.patch(
        f"{API}/{p['id']}",
        headers=h,
        json={
            "name": "冲压机（2号）",
            "measures": [
                {"id": keep["id"], "kind": "engineering", "content": "光电保护装置每班点检"},
                {"kind": "ppe", "content": "佩戴防护手套"},
            ],
        },
    )
    assert r.status_code == 200, r.text
    q = r.json()
    assert q["name"] == "冲压机（2号）"
    assert [(m["kind"], m["content"]) for m in q["measures"]] == [
        ("engineering", "光电保护装置每班点检"),
        ("ppe", "佩戴防护手套"),
    ]
    assert q["measures"][0]["id"] == keep["id"]
    r = client.patch(f"{API}/{p['id']}", headers=h, json={"status": "retired"})
    assert r.json()["status"] == "retired"
    listed = client.get(API, headers=h, params={"org_unit_id": tree["shop"]}).json()
    assert p["id"] not in [i["id"] for i in listed["items"]]
    retired = client.get(
        API, headers=h, params={"org_unit_id": tree["shop"], "status": "retired"}
    ).json()
    assert p["id"] in [i["id"] for i in retired["items"]]


def test_list_filters_and_four_colour_counts(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        t = tenant_of(conn, "boss")
        dept = make_unit(conn, t, "风险筛选部", "department")
        shop = make_unit(conn, t, "风险筛选车间", "workshop", dept)
        a = make_risk_point(conn, t, shop, name="筛选行车", level="major")
        b = make_risk_point(conn, t, shop, name="筛选配电柜", level="general")
        c = make_risk_point(conn, t, dept, name="筛选叉车", level="general")
        elsewhere = make_risk_point(conn, t, make_unit(conn, t, "风险筛选别处"), name="筛选别处")
    h = token(client, "worker")  # every account of the tenant reads the list
    page = client.get(API, headers=h, params={"org_unit_id": dept}).json()
    ids = [i["id"] for i in page["items"]]
    assert set(ids) == {a, b, c} and elsewhere not in ids
    assert ids[0] == a  # most dangerous first
    assert page["counts"] == {"red": 1, "orange": 0, "yellow": 2, "blue": 0, "unassessed": 0}
    page = client.get(API, headers=h, params={"org_unit_id": dept, "level": "yellow"}).json()
    assert {i["id"] for i in page["items"]} == {b, c} and page["counts"]["red"] == 1
    page = client.get(API, headers=h, params={"org_unit_id": dept, "q": "配电"}).json()
    assert [i["id"] for i in page["items"]] == [b]
    page = client.get(API, headers=h, params={"org_unit_id": dept, "kind": "place"}).json()
    assert page["total"] == 0


def test_who_may_write(client: TestClient, owner_url: str, tree: dict[str, int]) -> None:
    with committed(owner_url) as conn:
        t = tree["tenant"]
        head = make_user(conn, t, "unit_head", "车间主任")
        make_manager(conn, t, tree["shop"], head)
        worker = make_user(conn, t, "worker")
    r = client.post(API, headers=token(client, worker), json=body(tree["post"]))
    assert r.status_code == 403
    h = token(client, head)
    assert client.post(API, headers=h, json=body(tree["post"])).status_code == 201
    assert client.post(API, headers=h, json=body(tree["other"])).status_code == 403


def test_thresholds_tenant_override_changes_the_level(
    client: TestClient, tree: dict[str, int], owner_url: str
) -> None:
    boss, safety, worker = (token(client, u) for u in ("boss", "safety", "worker"))
    rules = {r["method"]: r for r in client.get("/api/v1/grading-rules", headers=worker).json()}
    assert rules["lec"]["source"] == "default" and rules["lec"]["region"] == "32"
    assert rules["lec"]["bands"]["general"] == "70 ≤ D < 160"
    pid = client.post(API, headers=safety, json=body(tree["shop"])).json()["id"]
    lec = {"method": "lec", "l": 1, "e": 10, "c": 7}  # D = 70
    assert (
        client.post(f"{API}/{pid}/assessments", headers=safety, json=lec).json()["level"]
        == "general"
    )
    try:
        bad = {"method": "lec", "thresholds": {"major": 320, "significant": 70, "general": 160}}
        r = client.put("/api/v1/grading-rules", headers=safety, json=bad)
        assert r.status_code == 400 and r.json()["field"] == "significant"
        r = client.put(
            "/api/v1/grading-rules",
            headers=worker,
            json={"method": "lec", "thresholds": {"major": 320, "significant": 160, "general": 75}},
        )
        assert r.status_code == 403
        r = client.put(
            "/api/v1/grading-rules",
            headers=boss,
            json={"method": "lec", "thresholds": {"major": 320, "significant": 160, "general": 75}},
        )
        assert r.status_code == 200 and r.json()["source"] == "tenant"
        a = client.post(f"{API}/{pid}/assessments", headers=safety, json=lec).json()
        assert a["level"] == "low"
        assert a["thresholds"] == {
            "major": 320,
            "significant": 160,
            "general": 75,
            "source": "tenant",
        }
        history = client.get(f"{API}/{pid}/assessments", headers=safety).json()
        assert [h["level"] for h in history] == ["general", "low"]
    finally:
        r = client.put(
            "/api/v1/grading-rules", headers=boss, json={"method": "lec", "thresholds": None}
        )
        assert r.json()["source"] == "default"


def test_province_default_applies_when_the_tenant_has_none(
    client: TestClient, tree: dict[str, int], owner_url: str
) -> None:
    h = token(client, "safety")
    pid = client.post(API, headers=h, json=body(tree["shop"])).json()["id"]
    ls = {"method": "ls", "l": 3, "s": 3}  # R = 9
    assert client.post(f"{API}/{pid}/assessments", headers=h, json=ls).json()["level"] == "general"
    with committed(owner_url) as conn:
        conn.execute(
            text(
                "insert into grading_rule (region, method, thresholds) values"
                " ('32', 'ls', '{\"major\": 16, \"significant\": 12, \"general\": 10}')"
            )
        )
    try:
        rule = next(
            r for r in client.get("/api/v1/grading-rules", headers=h).json() if r["method"] == "ls"
        )
        assert (rule["source"], rule["thresholds"]["general"]) == ("region", "10")
        assert client.post(f"{API}/{pid}/assessments", headers=h, json=ls).json()["level"] == "low"
        r = client.post(
            f"{API}/{pid}/assessments",
            headers=h,
            json={"method": "ls", "l": 4, "s": 4, "control_leader": "李总"},
        )
        assert r.json()["level"] == "major"
    finally:
        with committed(owner_url) as conn:
            conn.execute(text("delete from grading_rule where region = '32'"))


def test_another_tenants_point_is_404(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        mine = tenant_of(conn, "boss")
        other = other_tenant(conn, mine)
        theirs = make_risk_point(conn, other, company(conn, other), name="别家的锅炉")
        their_unit = company(conn, other)
    h = token(client, "safety")
    assert client.get(f"{API}/{theirs}", headers=h).status_code == 404
    assert client.patch(f"{API}/{theirs}", headers=h, json={"name": "x"}).status_code == 404
    r = client.post(f"{API}/{theirs}/assessments", headers=h, json={"method": "ls", "l": 1, "s": 1})
    assert r.status_code == 404
    assert client.get(f"{API}/{theirs}/assessments", headers=h).status_code == 404
    r = client.post(API, headers=h, json=body(their_unit))
    assert r.status_code == 400 and r.json()["field"] == "org_unit_id"
    listed = client.get(API, headers=h, params={"q": "别家的锅炉"}).json()
    assert theirs not in [i["id"] for i in listed["items"]]


def test_responsible_must_be_an_account_of_the_tenant(
    client: TestClient, owner_url: str, tree: dict[str, int]
) -> None:
    with committed(owner_url) as conn:
        outsider = make_user(conn, other_tenant(conn, tree["tenant"]))
        insider = make_user(conn, tree["tenant"], name="赵六")
        ids = {
            u: conn.execute(
                text("select id from app_user where username = :u"), {"u": u}
            ).scalar_one()
            for u in (outsider, insider)
        }
    h = token(client, "safety")
    r = client.post(API, headers=h, json=body(tree["shop"], responsible_user_id=ids[outsider]))
    assert r.status_code == 400 and r.json()["field"] == "responsible_user_id"
    r = client.post(API, headers=h, json=body(tree["shop"], responsible_user_id=ids[insider]))
    assert r.status_code == 201 and r.json()["responsible_user_id"] == ids[insider]
