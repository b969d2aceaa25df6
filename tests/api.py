"""Helpers of the HTTP API tests: a bearer token for a demo or test account."""

from __future__ import annotations

from litestar.testing import TestClient

PASSWORD = "anwang123"  # every demo and factory account's password


def token(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The Authorization header of a fresh API token for `username`."""
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
