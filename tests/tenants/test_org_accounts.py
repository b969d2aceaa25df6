"""Login accounts for the enterprise's people: company-level users open them, linked to the
staff record; everyone else is refused, by the service and by the database function."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import Principal
from tests.api import token
from tests.conftest import as_principal
from tests.platform.browser import login
from tests.tenants.factories import committed, make_unit, make_user, other_tenant, tenant_of


def new_person(client: TestClient, h: dict[str, str], owner_url: str, name: str) -> Any:
    with committed(owner_url) as conn:
        unit = make_unit(conn, tenant_of(conn, "boss"), name=f"账号车间{uuid.uuid4().hex[:4]}")
    r = client.post("/api/v1/staff", headers=h, json={"name": name, "org_unit_id": unit})
    assert r.status_code == 201, r.text
    return r.json()


def test_boss_opens_an_account_that_logs_into_the_same_tenant(
    client: TestClient, owner_url: str
) -> None:
    h = token(client, "boss")
    person = new_person(client, h, owner_url, "钱多多")
    username = f"qdd{uuid.uuid4().hex[:6]}"
    r = client.post(
        f"/api/v1/staff/{person['id']}/account",
        headers=h,
        json={"username": username, "password": "chushi-mima-1", "role": "worker"},
    )
    assert r.status_code == 201, r.text
    me = client.get("/api/v1/me", headers=token(client, username, "chushi-mima-1")).json()
    boss = client.get("/api/v1/me", headers=h).json()
    assert me["kind"] == "enterprise" and me["tenant_id"] == boss["tenant_id"]
    assert me["role"] == "worker"
    linked = client.get(f"/api/v1/staff/{person['id']}", headers=h).json()
    assert linked["user_id"] == r.json()["user_id"]
    # A second account for the same person is refused.
    again = client.post(
        f"/api/v1/staff/{person['id']}/account",
        headers=h,
        json={"username": username + "x", "password": "chushi-mima-1"},
    )
    assert again.status_code == 409
    # The account's creation is audited with who did it, without the hash.
    with committed(owner_url) as conn:
        event = conn.execute(
            text(
                "select actor_user_id, after from audit_event where table_name = 'app_user'"
                " and op = 'INSERT' and after ->> 'username' = :u"
            ),
            {"u": username},
        ).one()
    assert event.actor_user_id == boss["user_id"] and "password_hash" not in event.after


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"username": "ab", "password": "chushi-mima-1"}, 400, "username"),
        ({"username": "good_name_1", "password": "short"}, 400, "password"),
        ({"username": "good_name_2", "password": "chushi-mima-1", "role": "boss"}, 400, "role"),
        ({"username": "boss", "password": "chushi-mima-1"}, 409, "username"),
    ],
)
def test_bad_requests_are_refused_with_their_field(
    client: TestClient, owner_url: str, body: dict[str, str], status: int, field: str
) -> None:
    h = token(client, "safety")
    person = new_person(client, h, owner_url, "孙二")
    r = client.post(f"/api/v1/staff/{person['id']}/account", headers=h, json=body)
    assert r.status_code == status, r.text
    assert r.json()["field"] == field
    assert client.get(f"/api/v1/staff/{person['id']}", headers=h).json()["user_id"] is None


def test_workers_and_unit_heads_cannot_open_accounts(client: TestClient, owner_url: str) -> None:
    person = new_person(client, token(client, "boss"), owner_url, "李四")
    body = {"username": f"ls{uuid.uuid4().hex[:6]}", "password": "chushi-mima-1"}
    with committed(owner_url) as conn:
        head = make_user(conn, tenant_of(conn, "boss"), "unit_head")
    for who in ("worker", head):
        r = client.post(
            f"/api/v1/staff/{person['id']}/account", headers=token(client, who), json=body
        )
        assert r.status_code == 403, r.text


def test_another_tenants_person_is_404(client: TestClient, owner_url: str) -> None:
    with committed(owner_url) as conn:
        other = other_tenant(conn, tenant_of(conn, "boss"))
        boss_b = make_user(conn, other, "boss")
    person = new_person(client, token(client, "boss"), owner_url, "王五")
    r = client.post(
        f"/api/v1/staff/{person['id']}/account",
        headers=token(client, boss_b),
        json={"username": f"ww{uuid.uuid4().hex[:6]}", "password": "chushi-mima-1"},
    )
    assert r.status_code == 404


def test_the_database_function_checks_the_caller_itself(
    owner_db: Connection, app_db: Connection
) -> None:
    tenant = tenant_of(owner_db, "worker")
    worker = owner_db.execute(text("select id from app_user where username = 'worker'")).scalar()
    call = text("select create_tenant_account(:u, '测试', '', 'x', 'worker')")
    for principal in (
        Principal(kind="enterprise", tenant_id=tenant, user_id=worker, role="worker"),
        Principal(kind="gov", scope="320500", user_id=1, role="officer"),
    ):
        app_db.execute(text("savepoint s"))
        as_principal(app_db, principal)
        with pytest.raises(DBAPIError):
            app_db.execute(call, {"u": f"fn{uuid.uuid4().hex[:6]}"})
        app_db.execute(text("rollback to savepoint s"))


def test_boss_opens_an_account_on_the_org_page(base: str, page: Page, owner_url: str) -> None:
    tag = uuid.uuid4().hex[:6]
    with committed(owner_url) as conn:
        tenant = tenant_of(conn, "boss")
        unit = make_unit(conn, tenant, name=f"开户车间{tag}")
        conn.execute(
            text("insert into staff (tenant_id, name, org_unit_id) values (:t, '周七', :u)"),
            {"t": tenant, "u": unit},
        )
    login(page, base, "boss")
    page.goto(f"{base}/enterprise/org?unit={unit}")
    page.click("summary:has-text('开通账号')")
    page.fill("input[name=username]:visible", f"zq{tag}")
    page.fill("input[name=password]:visible", "short")
    with page.expect_navigation():
        page.click("details[open] button:has-text('开通')")
    # Refused: the message by the field, the username kept, the password not sent back.
    expect(page.locator(".ff-error:visible").first).to_contain_text("至少 8 位")
    expect(page.locator("input[name=username]:visible")).to_have_value(f"zq{tag}")
    expect(page.locator("input[name=password]:visible")).to_have_value("")
    page.fill("input[name=password]:visible", "chushi-mima-1")
    with page.expect_navigation():
        page.click("details[open] button:has-text('开通')")
    expect(page.locator(".notice.success")).to_contain_text("已开通登录账号")
    expect(page.locator(".org-people .badge.active").first).to_have_text("有账号")
    page.context.clear_cookies()
    login(page, base, f"zq{tag}", "chushi-mima-1")
    assert page.url.endswith("/enterprise")
