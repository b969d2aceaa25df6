"""Helpers of the HTTP tests: a bearer token for a demo or test account, and a signed-in
session for the pages."""

from __future__ import annotations

from litestar.testing import TestClient

PASSWORD = "anwang123"  # every demo and factory account's password


def token(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The Authorization header of a fresh API token for `username`."""
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def page_login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Sign `client` in to the pages as `username` with a session cookie, as a browser does
    (its earlier cookies are dropped first)."""
    client.cookies.clear()
    client.get("/login")
    r = client.post(
        "/login",
        data={"username": username, "password": password, "next": ""},
        headers={"x-csrftoken": client.cookies["anwang_csrf"]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
