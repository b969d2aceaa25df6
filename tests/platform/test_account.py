"""Changing one's password through the page: checks, other sessions ended, audited."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.identity.admin import create_user
from tests.api import page_login

OLD, NEW = "old-password-1", "new-password-2"


@pytest.fixture
def username(owner_url: str, owner_db: Connection) -> str:
    name = f"pw_{secrets.token_hex(4)}"
    tenant = owner_db.execute(text("select min(id) from enterprise")).scalar_one()
    create_user(username=name, display_name="王五", password=OLD, role="worker", tenant_id=tenant)
    return name


@pytest.fixture
def client(owner_url: str) -> Iterator[TestClient]:
    from anwang.platform.web.app import create_app

    with TestClient(create_app()) as c:
        yield c


def change(client: TestClient, current: str, new: str, confirm: str) -> tuple[int, str]:
    r = client.post(
        "/account/password",
        data={"current": current, "new": new, "confirm": confirm},
        headers={"x-csrftoken": client.cookies["anwang_csrf"]},
    )
    return r.status_code, r.text


def api_token(client: TestClient, username: str, password: str) -> int:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    return r.status_code


def test_change_password_checks_input(client: TestClient, username: str) -> None:
    page_login(client, username, OLD)
    assert "修改密码" in client.get("/account/password").text
    status, body = change(client, "wrong-one-1", NEW, NEW)
    assert status == 400 and "当前密码不正确" in body
    status, body = change(client, OLD, "short", "short")
    assert status == 400 and "至少 8 位" in body
    status, body = change(client, OLD, NEW, NEW + "x")
    assert status == 400 and "不一致" in body
    assert api_token(client, username, OLD) == 201  # nothing changed


def test_change_password_ends_other_sessions_and_is_audited(
    client: TestClient, username: str, owner_db: Connection
) -> None:
    page_login(client, username, OLD)
    mine = client.cookies["anwang_session"]
    with TestClient(client.app) as other:  # the same user on another device
        page_login(other, username, OLD)
        token = other.post(
            "/api/v1/auth/token", json={"username": username, "password": OLD}
        ).json()["token"]
        status, body = change(client, OLD, NEW, NEW)
        assert status == 200 and "密码已修改" in body
        assert other.get("/enterprise", follow_redirects=False).status_code in (302, 303)
        assert (
            other.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        )
    assert client.cookies["anwang_session"] == mine
    assert client.get("/enterprise").status_code == 200  # this session stays
    assert api_token(client, username, OLD) == 401 and api_token(client, username, NEW) == 201
    event = owner_db.execute(
        text(
            "select a.actor_user_id = u.id as by_self, a.after ->> 'password_changed' as changed,"
            " a.before ? 'password_hash' or a.after ? 'password_hash' as leaked"
            " from audit_event a join app_user u on a.row_key = u.id::text"
            " where a.table_name = 'app_user' and a.op = 'UPDATE' and u.username = :u"
        ),
        {"u": username},
    ).one()
    assert event.by_self and event.changed == "true" and not event.leaked
