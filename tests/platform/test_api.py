"""The HTTP API end to end: bearer tokens, tenant isolation as 404, validation, audit."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.registry.credit_code import check_character
from tests.api import token


def other_enterprise(owner_db: Connection, not_id: int) -> int:
    return owner_db.execute(
        text("select id from enterprise where id <> :i order by id desc limit 1"), {"i": not_id}
    ).scalar_one()


def valid_code(seed: str) -> str:
    first17 = ("91320585" + seed.rjust(9, "0"))[:17]
    return first17 + check_character(first17)


def test_no_token_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/enterprises").status_code == 401
    r = client.get("/api/v1/enterprises", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401


def test_openapi_schema_is_served(client: TestClient) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert "/api/v1/enterprises" in paths and "/api/v1/auth/token" in paths


def test_enterprise_sees_itself_and_gets_404_for_others(
    client: TestClient, owner_db: Connection
) -> None:
    h = token(client, "boss")
    me = client.get("/api/v1/me", headers=h).json()
    assert me["kind"] == "enterprise"
    page = client.get("/api/v1/enterprises", headers=h).json()
    assert page["total"] == 1 and page["items"][0]["id"] == me["tenant_id"]
    other = other_enterprise(owner_db, me["tenant_id"])
    assert client.get(f"/api/v1/enterprises/{other}", headers=h).status_code == 404
    r = client.patch(f"/api/v1/enterprises/{other}", headers=h, json={"address": "x"})
    assert r.status_code == 404
    assert client.get(f"/api/v1/enterprises/{other}/history", headers=h).status_code == 404


def test_update_is_audited_with_who_and_before_after(client: TestClient) -> None:
    h = token(client, "boss")
    me = client.get("/api/v1/me", headers=h).json()
    r = client.patch(
        f"/api/v1/enterprises/{me['tenant_id']}",
        headers=h,
        json={"address": "太仓市沙溪镇白云路8号"},
    )
    assert r.status_code == 200, r.text
    history = client.get(f"/api/v1/enterprises/{me['tenant_id']}/history", headers=h).json()
    last = history[-1]
    assert last["op"] == "UPDATE" and last["after"]["address"] == "太仓市沙溪镇白云路8号"
    assert last["actor_user_id"] == me["user_id"] and last["actor_role"] == "anwang_enterprise"


def test_worker_may_not_edit_the_enterprise(client: TestClient) -> None:
    h = token(client, "worker")
    me = client.get("/api/v1/me", headers=h).json()
    r = client.patch(f"/api/v1/enterprises/{me['tenant_id']}", headers=h, json={"address": "x"})
    assert r.status_code == 403


def test_town_officer_sees_only_the_town(client: TestClient, owner_db: Connection) -> None:
    h = token(client, "town")
    me = client.get("/api/v1/me", headers=h).json()
    page = client.get("/api/v1/enterprises?limit=500", headers=h).json()
    assert page["total"] > 0
    assert all(e["jurisdiction_path"].startswith(me["scope"] + ".") for e in page["items"])
    outside = owner_db.execute(
        text("select id from enterprise where not jurisdiction_path <@ cast(:p as ltree) limit 1"),
        {"p": me["scope"]},
    ).scalar_one()
    assert client.get(f"/api/v1/enterprises/{outside}", headers=h).status_code == 404


def test_register_enterprise_validates_credit_code(
    client: TestClient, owner_db: Connection
) -> None:
    h = token(client, "town")
    me = client.get("/api/v1/me", headers=h).json()
    grid = owner_db.execute(
        text(
            "select id from jurisdiction where path <@ cast(:p as ltree) and level = 'grid' limit 1"
        ),
        {"p": me["scope"]},
    ).scalar_one()
    body = {"name": "太仓市测试精密机械有限公司", "industry": "机械制造", "jurisdiction_id": grid}
    bad = client.post(
        "/api/v1/enterprises", headers=h, json={**body, "credit_code": "913205851234567890"}
    )
    assert bad.status_code == 400 and "校验位" in bad.text
    code = valid_code("P" + str(grid))
    no_sector = client.post(
        "/api/v1/enterprises", headers=h, json={**body, "credit_code": code, "sector": "nonsense"}
    )
    assert no_sector.status_code == 400 and "行业主管领域无效" in no_sector.text
    code = valid_code("T" + str(grid))
    ok = client.post("/api/v1/enterprises", headers=h, json={**body, "credit_code": code})
    assert ok.status_code == 201, ok.text
    assert ok.json()["jurisdiction_path"].startswith(me["scope"])
    again = client.post("/api/v1/enterprises", headers=h, json={**body, "credit_code": code})
    assert again.status_code == 409 and "已登记" in again.json()["detail"]


def test_register_outside_scope_is_refused(client: TestClient, owner_db: Connection) -> None:
    h = token(client, "town")
    me = client.get("/api/v1/me", headers=h).json()
    elsewhere = owner_db.execute(
        text(
            "select id from jurisdiction where not path <@ cast(:p as ltree) and level = 'grid' limit 1"
        ),
        {"p": me["scope"]},
    ).scalar_one()
    body = {
        "name": "越界登记有限公司",
        "industry": "机械制造",
        "jurisdiction_id": elsewhere,
        "credit_code": valid_code("X" + str(elsewhere)),
    }
    r = client.post("/api/v1/enterprises", headers=h, json=body)
    assert r.status_code == 400 and "管辖范围" in r.json()["detail"]


def test_enterprise_user_cannot_register(client: TestClient) -> None:
    h = token(client, "boss")
    r = client.post("/api/v1/enterprises", headers=h, json={})
    assert r.status_code in (400, 403)


def test_login_is_throttled_after_repeated_failures(client: TestClient) -> None:
    body = {"username": "throttle_probe", "password": "wrong"}
    codes = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429


def test_session_cookie_is_not_accepted_by_the_api(client: TestClient) -> None:
    client.cookies.set("anwang_session", "anything")
    try:
        assert client.get("/api/v1/me").status_code == 401
    finally:
        client.cookies.clear()


def test_every_response_carries_security_headers(client: TestClient) -> None:
    for path in ("/login", "/static/anwang.css", "/api/v1/me", "/no-such-page"):
        headers = client.get(path, follow_redirects=False).headers
        assert "default-src 'self'" in headers["content-security-policy"], path
        assert (
            headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        )


def test_pooled_connection_returns_clean_after_a_request(
    owner_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one pooled connection, the connection that served an enterprise's request is
    the one checked here: it must carry no role or tenant into its next use."""
    from anwang.platform import db
    from anwang.platform.settings import get_settings
    from anwang.platform.web.app import create_app

    async def after_requests() -> tuple[str, str]:
        async with db.app_async_engine().connect() as conn:
            row = (
                await conn.exec_driver_sql(
                    "select current_user, coalesce(current_setting('anwang.tenant_id', true), '')"
                )
            ).one()
        return str(row[0]), str(row[1])

    monkeypatch.setenv("ANWANG_DB_POOL_SIZE", "1")
    get_settings.cache_clear()
    db.app_async_engine.cache_clear()
    try:
        with TestClient(create_app()) as c:
            pool = db.app_async_engine().pool
            h = token(c, "boss")
            assert c.get("/api/v1/enterprises", headers=h).json()["total"] == 1
            assert pool.checkedout() == 0 and pool.size() == 1
            # On the app's own event loop, so it draws from the same one-connection pool.
            user, tenant = c.blocking_portal.call(after_requests)
            assert (user, tenant) == ("anwang_app", "")
            assert c.get("/api/v1/enterprises", headers=token(c, "town")).json()["total"] > 1
    finally:
        get_settings.cache_clear()
        db.app_async_engine.cache_clear()
