"""Recording patrol visits through the real app: a visit with photos and findings stored once
per idempotency key (a resend after a lost answer returns it, 200), findings as hazards the
enterprise sees and handles, the checklist and check-in refused whole when wrong, another
grid's inspector answered 404, the tablet page's cookie route guarded by the CSRF token, the
caller's assignments, cycles with coverage, and the cycle-length rules."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from anwang.platform.clock import today
from anwang.supervision.patrol import planning
from tests.api import page_login, token
from tests.conftest import own_storage
from tests.supervision.patrol_support import visit_files, visit_payload
from tests.tenants.factories import committed

API = "/api/v1/patrol"


@pytest.fixture(scope="module")
def client(owner_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from anwang.platform.web.app import create_app

    with own_storage(str(tmp_path_factory.mktemp("patrol-files"))), TestClient(create_app()) as c:
        yield c


@pytest.fixture(scope="module")
def area(owner_url: str) -> dict[str, Any]:
    """Today's cycles planned (as the daily job does), the demo grid inspector's enterprises,
    another grid's inspector, and an enterprise outside the demo grid."""
    with committed(owner_url) as conn:
        planning.plan_cycles(conn, today())
        grid_path, grid_id = conn.execute(
            text(
                "select j.path::text, j.id from app_user u join gov_membership g on g.user_id = u.id"
                " join jurisdiction j on j.id = g.jurisdiction_id where u.username = 'grid'"
            )
        ).one()
        mine = (
            conn.execute(
                text(
                    "select e.id from enterprise e where e.kind = 'enterprise'"
                    " and e.status <> 'closed' and e.jurisdiction_id = :g order by e.id"
                ),
                {"g": grid_id},
            )
            .scalars()
            .all()
        )
        other_grid = conn.execute(
            text(
                "select u.username, j.id from app_user u join gov_membership g on g.user_id = u.id"
                " join jurisdiction j on j.id = g.jurisdiction_id"
                " where g.role = 'grid_inspector' and j.id <> :g and exists (select 1 from"
                " enterprise e where e.jurisdiction_id = j.id and e.kind = 'enterprise'"
                " and e.status <> 'closed') order by j.id limit 1"
            ),
            {"g": grid_id},
        ).one()
        theirs = conn.execute(
            text(
                "select id from enterprise where jurisdiction_id = :j and kind = 'enterprise'"
                " and status <> 'closed' order by id limit 1"
            ),
            {"j": other_grid[1]},
        ).scalar_one()
        boss_tenant = conn.execute(
            text(
                "select m.tenant_id from tenant_membership m join app_user u on u.id = m.user_id"
                " where u.username = 'boss'"
            )
        ).scalar_one()
        grid_user = conn.execute(text("select id from app_user where username = 'grid'")).scalar()
    assert boss_tenant in mine
    return {
        "grid_path": grid_path,
        "mine": list(mine),
        "boss_tenant": boss_tenant,
        "other_inspector": other_grid[0],
        "theirs": theirs,
        "grid_user": grid_user,
    }


def send(
    client: TestClient, h: dict[str, str], payload: dict[str, Any], photos: int = 0, **kw: Any
) -> Any:
    data, files = visit_files(payload, photos, kw.get("finding_photos"))
    return client.post(f"{API}/visits", headers=h, data=data, files=files or None)


def count(owner_url: str, sql: str, **params: Any) -> int:
    with committed(owner_url) as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def test_a_visit_is_stored_once_with_its_photos_and_findings(
    client: TestClient, owner_url: str, area: dict[str, Any]
) -> None:
    h = token(client, "grid")
    tenant = area["boss_tenant"]
    payload = visit_payload(
        tenant,
        lat=31.45,
        lon=121.1,
        findings=[
            {"title": f"灭火器过期{uuid.uuid4().hex[:4]}", "description": "二楼走廊两具"},
            {"title": "安全出口堵塞", "description": ""},
        ],
    )
    first = send(client, h, payload, photos=2, finding_photos={0: 1})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["tenant_id"] == tenant and body["patrol_kind"] == "grid"
    assert body["idempotency_key"] == payload["idempotency_key"]
    assert len(body["photo_ids"]) == 2 and len(body["hazard_ids"]) == 2
    assert body["findings"] == 2 and body["distance_m"] is not None
    assert body["results"][0]["result"] == "not_ok"
    uploads = count(
        owner_url, "select count(*) from attachment where uploaded_by = :u", u=area["grid_user"]
    )

    # The answer was lost: the tablet sends the same visit again, photos and all.
    again = send(client, h, payload, photos=2, finding_photos={0: 1})
    assert again.status_code == 200, again.text
    assert again.json()["id"] == body["id"]
    assert again.json()["hazard_ids"] == body["hazard_ids"]
    key = payload["idempotency_key"]
    assert (
        count(owner_url, "select count(*) from patrol_visit where idempotency_key = :k", k=key) == 1
    )
    assert (
        count(owner_url, "select count(*) from hazard where patrol_visit_id = :v", v=body["id"])
        == 2
    )
    assert (
        count(
            owner_url, "select count(*) from attachment where uploaded_by = :u", u=area["grid_user"]
        )
        == uploads
    ), "the resend stored no second copy of the photos"
    # The finding's photo is the hazard's 'before' photo; the visit's photos are its own.
    assert (
        count(
            owner_url,
            "select count(*) from attachment where subject_table = 'hazard'"
            " and subject_id = :h and subject_role = 'before'",
            h=body["hazard_ids"][0],
        )
        == 1
    )
    read = client.get(f"{API}/visits/{body['id']}", headers=h)
    assert read.status_code == 200 and read.json()["photo_ids"] == body["photo_ids"]
    # Its assignment in this cycle counts as visited.
    assert (
        count(
            owner_url,
            "select count(*) from patrol_assignment a join patrol_cycle c on c.id = a.cycle_id"
            " where a.tenant_id = :t and c.patrol_kind = 'grid' and c.starts_on <= :d"
            " and c.ends_on >= :d and a.status = 'visited'",
            t=tenant,
            d=today(),
        )
        == 1
    )


def test_findings_reach_the_enterprise_loop(client: TestClient, area: dict[str, Any]) -> None:
    title = f"配电箱未上锁{uuid.uuid4().hex[:6]}"
    payload = visit_payload(area["boss_tenant"], findings=[{"title": title, "description": "一楼"}])
    r = send(client, token(client, "grid"), payload)
    assert r.status_code == 201, r.text
    hazard_id = r.json()["hazard_ids"][0]
    safety = token(client, "safety")
    listed = client.get("/api/v1/hazards", headers=safety, params={"source": "patrol", "q": title})
    assert listed.status_code == 200, listed.text
    assert [x["id"] for x in listed.json()["items"]] == [hazard_id]
    one = client.get(f"/api/v1/hazards/{hazard_id}", headers=safety).json()
    assert one["state"] == "reported" and one["source"] == "patrol"
    step = client.post(
        f"/api/v1/hazards/{hazard_id}/actions/reject",
        headers=safety,
        json={"reason": "已当场关闭并上锁，复核不构成隐患"},
    )
    assert step.status_code == 200, step.text
    assert step.json()["state"] == "rejected"


def test_another_grid_neither_reads_nor_writes(
    client: TestClient, owner_url: str, area: dict[str, Any]
) -> None:
    mine = token(client, "grid")
    payload = visit_payload(area["boss_tenant"])
    stored = send(client, mine, payload).json()
    other = token(client, area["other_inspector"])
    assert client.get(f"{API}/visits/{stored['id']}", headers=other).status_code == 404
    # Writing a visit of an enterprise of another grid: it does not exist for them.
    trespass = visit_payload(area["boss_tenant"])
    r = send(client, other, trespass)
    assert r.status_code == 404, r.text
    key = trespass["idempotency_key"]
    assert (
        count(owner_url, "select count(*) from patrol_visit where idempotency_key = :k", k=key) == 0
    )
    # Nor can they take over someone else's idempotency key.
    r = send(
        client,
        other,
        {**visit_payload(area["theirs"]), "idempotency_key": payload["idempotency_key"]},
    )
    assert r.status_code == 409, r.text
    assert "标识" in r.json()["detail"]
    # Their own enterprise works.
    assert send(client, other, visit_payload(area["theirs"])).status_code == 201
    # An enterprise user records no visit, and reads none.
    boss = token(client, "boss")
    assert send(client, boss, visit_payload(area["boss_tenant"])).status_code == 403
    assert client.get(f"{API}/visits/{stored['id']}", headers=boss).status_code == 403


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"results": []}, "results", "未填写"),
        ({"results": [{"code": "nope", "result": "ok", "note": ""}]}, "results", "没有"),
        (
            {"checked_in_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat()},
            "checked_in_at",
            "晚于当前时间",
        ),
        (
            {"checked_in_at": (datetime.now(UTC) - timedelta(days=40)).isoformat()},
            "checked_in_at",
            "无法补录",
        ),
        ({"lat": 31.4, "lon": None}, "lat", "同时"),
        ({"findings": [{"title": " ", "description": ""}]}, "findings.0.title", "第1条"),
    ],
)
def test_bad_visits_are_refused_whole(
    client: TestClient, owner_url: str, area: dict[str, Any], change: dict[str, Any], field: str,
    words: str,
) -> None:  # fmt: skip
    payload = {**visit_payload(area["boss_tenant"]), **change}
    r = send(client, token(client, "grid"), payload, photos=1)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field and words in r.json()["detail"]
    key = payload["idempotency_key"]
    assert (
        count(owner_url, "select count(*) from patrol_visit where idempotency_key = :k", k=key) == 0
    )


def test_malformed_uploads_answer_in_chinese(client: TestClient, area: dict[str, Any]) -> None:
    h = token(client, "grid")
    r = client.post(f"{API}/visits", headers=h, data={"visit": "{not json"})
    assert r.status_code == 400 and "格式不正确" in r.json()["detail"]
    r = client.post(f"{API}/visits", headers=h, data={"other": "x"})
    assert r.status_code == 400 and "visit" in r.json()["detail"]
    payload = visit_payload(area["boss_tenant"])
    data, _ = visit_files(payload)
    r = client.post(
        f"{API}/visits",
        headers=h,
        data=data,
        files=[("photo", ("x.jpg", b"not an image", "image/jpeg"))],
    )
    assert r.status_code == 400, r.text


def test_the_page_route_takes_the_cookie_and_the_csrf_token(
    client: TestClient, area: dict[str, Any]
) -> None:
    page_login(client, "grid")
    data, files = visit_files(visit_payload(area["boss_tenant"]), photos=1)
    # Without the token (a cross-site form): refused before anything is read.
    refused = client.post("/inspector/visits", data=data, files=files)
    assert refused.status_code == 403
    csrf = {"x-csrftoken": client.cookies["anwang_csrf"]}
    ok = client.post("/inspector/visits", data=data, files=files, headers=csrf)
    assert ok.status_code == 201, ok.text
    assert len(ok.json()["photo_ids"]) == 1
    again = client.post("/inspector/visits", data=data, files=files, headers=csrf)
    assert again.status_code == 200 and again.json()["id"] == ok.json()["id"]
    # Refusals come back as JSON the page can show.
    bad = client.post(
        "/inspector/visits",
        data=visit_files({**visit_payload(area["boss_tenant"]), "results": []})[0],
        headers={"x-csrftoken": client.cookies["anwang_csrf"]},
    )
    assert bad.status_code == 400 and "检查表" in bad.json()["detail"]
    # The API does not take the cookie.
    assert client.post(f"{API}/visits", data=data).status_code == 401
    client.cookies.clear()


def test_the_inspector_lists_their_assignments_and_cycles(
    client: TestClient, area: dict[str, Any]
) -> None:
    h = token(client, "grid")
    rows = client.get(f"{API}/assignments", headers=h).json()
    # The grid's enterprises, shared among its inspectors (the demo grid has more than one).
    assert rows and {r["tenant_id"] for r in rows} <= set(area["mine"])
    assert all(r["status"] in ("planned", "visited", "missed") for r in rows)
    cycles = client.get(f"{API}/cycles", headers=h, params={"kind": "grid"}).json()
    assert len(cycles) == 1  # only the own grid's
    c = cycles[0]
    assert c["total"] == len(area["mine"]) and c["starts_on"] <= today().isoformat() <= c["ends_on"]
    assert 0 <= c["late"] <= c["visited"] <= c["total"]
    town = client.get(
        f"{API}/cycles", headers=token(client, "town"), params={"kind": "grid"}
    ).json()
    assert len(town) > 1 and any(x["id"] == c["id"] for x in town)
    assert client.get(f"{API}/cycles", headers=h, params={"kind": "bogus"}).status_code == 400


def test_cycle_rules_are_set_by_district_officers_in_their_scope(
    client: TestClient, owner_url: str
) -> None:
    with committed(owner_url) as conn:
        town_id = conn.execute(
            text(
                "select j.id from app_user u join gov_membership g on g.user_id = u.id"
                " join jurisdiction j on j.id = g.jurisdiction_id where u.username = 'town'"
            )
        ).scalar_one()
        elsewhere = conn.execute(
            text(
                "select id from jurisdiction where level = 'district' and not path @> ("
                " select j.path from app_user u join gov_membership g on g.user_id = u.id"
                " join jurisdiction j on j.id = g.jurisdiction_id where u.username = 'bureau')"
                " order by id limit 1"
            )
        ).scalar()
    bureau = token(client, "bureau")
    rule = {"jurisdiction_id": town_id, "patrol_kind": "grid", "cycle_months": 3}
    r = client.put(f"{API}/rules", headers=bureau, json=rule)
    assert r.status_code == 200, r.text
    assert r.json()["cycle_months"] == 3
    listed = client.get(f"{API}/rules", headers=token(client, "town")).json()
    assert any(x["jurisdiction_id"] == town_id and x["cycle_months"] == 3 for x in listed)
    assert client.put(f"{API}/rules", headers=token(client, "town"), json=rule).status_code == 403
    bad = client.put(f"{API}/rules", headers=bureau, json={**rule, "cycle_months": 13})
    assert bad.status_code == 400 and bad.json()["field"] == "cycle_months"
    if elsewhere is not None:
        far = client.put(
            f"{API}/rules", headers=bureau, json={**rule, "jurisdiction_id": elsewhere}
        )
        assert far.status_code == 404
    # Removing it restores the default.
    r = client.put(f"{API}/rules", headers=bureau, json={**rule, "cycle_months": None})
    assert r.status_code == 200
    listed = client.get(f"{API}/rules", headers=bureau).json()
    assert not any(x["jurisdiction_id"] == town_id and x["patrol_kind"] == "grid" for x in listed)
