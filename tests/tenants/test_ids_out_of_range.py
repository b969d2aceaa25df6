"""Ids typed into URLs beyond what the database can hold are the caller's error, never a 500:
beyond int4 they simply find nothing (404), beyond bigint they are refused (400)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

PASSWORD = "anwang123"


@pytest.mark.parametrize(
    "path", ["/api/v1/hazards/{}", "/api/v1/risk-points/{}", "/api/v1/org-units/{}"]
)
def test_huge_ids_answer_404_or_400(client: TestClient, path: str) -> None:
    r = client.post("/api/v1/auth/token", json={"username": "boss", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get(path.format(2**40), headers=headers).status_code == 404
    beyond = client.get(path.format(2**70), headers=headers)
    assert beyond.status_code in (400, 404), beyond.text
    assert beyond.status_code != 500
