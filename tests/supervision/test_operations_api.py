"""The dangerous-operation API: the enterprise's safety manager reports a permit before it
starts and steps it (start with a passing gas analysis, finish, cancel), a worker only reads,
and the permit is visible to the bureaus and sector department over it — and to nobody else
(another town's id answers 404)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import TestClient

from tests.api import token
from tests.supervision.operations_support import insert_operation, permit_no, site_of
from tests.tenants.factories import committed


def _at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def body(kind: str = "hot_work", grade: str | None = "first", **kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": kind,
        "grade": grade,
        "permit_no": permit_no(),
        "location": "二号车间反应釜R-102",
        "content": "更换法兰垫片，管道焊接",
        "supervisor": "张监护",
        "operators": "王焊工、李焊工",
        "approver": "赵主任",
        "measures": "清理可燃物，配备灭火器2具",
        "valid_from": _at(timedelta(minutes=2)),
        "valid_to": _at(timedelta(hours=6)),
    }
    if kind in ("hot_work", "confined_space"):
        values["gas_test"] = {
            "o2": "20.8",
            "flammable": "0",
            "toxic": "H2S 0 mg/m³",
            "tested_at": _at(timedelta(minutes=-5)),
            "tester": "钱分析",
        }
    return {**values, **kw}


def test_report_list_and_read(client: TestClient) -> None:
    safety = token(client, "safety")
    data = body()
    r = client.post("/api/v1/dangerous-operations", json=data, headers=safety)
    assert r.status_code == 201, r.text
    op = r.json()
    assert (op["status"], op["phase"], op["kind_name"]) == ("reported", "upcoming", "动火作业")
    assert op["grade_name"] == "一级动火" and op["limit_hours"] == 8
    assert op["allowed_actions"] == ["start", "cancel"]
    assert op["gas_test"]["o2"] == "20.8"

    r = client.get("/api/v1/dangerous-operations?view=upcoming&limit=500", headers=safety)
    assert op["id"] in [i["id"] for i in r.json()["items"]]
    assert r.json()["counts"].get("hot_work", 0) >= 1
    r = client.get("/api/v1/dangerous-operations?view=past&limit=500", headers=safety)
    assert op["id"] not in [i["id"] for i in r.json()["items"]]

    # The same number twice in one enterprise is refused.
    again = client.post(
        "/api/v1/dangerous-operations", json=body(permit_no=data["permit_no"]), headers=safety
    )
    assert again.status_code == 400 and again.json()["field"] == "permit_no"


def test_refusals_name_the_field(client: TestClient) -> None:
    safety = token(client, "safety")
    r = client.post(
        "/api/v1/dangerous-operations",
        json=body(valid_from=_at(timedelta(hours=-1)), valid_to=_at(timedelta(hours=2))),
        headers=safety,
    )
    assert r.status_code == 400 and r.json()["field"] == "valid_from"
    r = client.post(
        "/api/v1/dangerous-operations",
        json=body(valid_to=_at(timedelta(hours=8, minutes=10))),
        headers=safety,
    )
    assert r.status_code == 400 and r.json()["field"] == "valid_to"
    assert "8小时" in r.json()["detail"]


def test_a_worker_reads_but_does_not_report(client: TestClient) -> None:
    worker = token(client, "worker")
    r = client.post("/api/v1/dangerous-operations", json=body(), headers=worker)
    assert r.status_code == 403
    assert client.get("/api/v1/dangerous-operations", headers=worker).status_code == 200


def test_steps_of_a_confined_space_permit(client: TestClient) -> None:
    safety = token(client, "safety")
    data = body("confined_space", None)
    del data["gas_test"]
    op = client.post("/api/v1/dangerous-operations", json=data, headers=safety).json()
    url = f"/api/v1/dangerous-operations/{op['id']}/actions"

    # No gas analysis yet: the start is refused until one that passes is given.
    r = client.post(f"{url}/start", json={}, headers=safety)
    assert r.status_code == 400 and r.json()["field"] == "gas_test.o2"
    low = {"o2": "18.5", "flammable": "0", "tested_at": _at(timedelta(0))}
    r = client.post(f"{url}/start", json={"gas_test": low}, headers=safety)
    assert r.status_code == 400 and r.json()["field"] == "gas_test.o2"
    good = {"o2": "20.9", "flammable": "1.5", "tested_at": _at(timedelta(0)), "tester": "钱"}
    r = client.post(f"{url}/start", json={"gas_test": good}, headers=safety)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["phase"]) == ("active", "active")
    assert r.json()["allowed_actions"] == ["finish"]

    assert client.post(f"{url}/start", json={}, headers=safety).status_code == 409
    assert client.post(f"{url}/cancel", json={}, headers=safety).status_code == 409
    r = client.post(f"{url}/finish", headers=safety)
    assert r.status_code == 200 and r.json()["status"] == "finished"
    assert r.json()["finished_at"] is not None
    assert client.post(f"{url}/finish", headers=safety).status_code == 409
    assert client.post(f"{url}/explode", headers=safety).status_code == 404


def test_a_start_before_the_window_is_refused_and_a_cancel_keeps_its_reason(
    client: TestClient,
) -> None:
    safety = token(client, "safety")
    data = body(
        "lifting", "second", valid_from=_at(timedelta(hours=2)), valid_to=_at(timedelta(hours=5))
    )
    op = client.post("/api/v1/dangerous-operations", json=data, headers=safety).json()
    url = f"/api/v1/dangerous-operations/{op['id']}/actions"
    r = client.post(f"{url}/start", headers=safety)
    assert r.status_code == 409 and "尚未到" in r.json()["detail"]
    r = client.post(f"{url}/cancel", json={"reason": "吊车故障，改期"}, headers=safety)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["cancel_reason"]) == ("cancelled", "吊车故障，改期")


def test_who_sees_a_permit(client: TestClient, owner_url: str) -> None:
    safety = token(client, "safety")
    op = client.post("/api/v1/dangerous-operations", json=body(), headers=safety).json()
    url = f"/api/v1/dangerous-operations/{op['id']}"
    for user, status in (
        ("town", 200),  # its town
        ("bureau", 200),  # its district
        ("city", 200),
        ("town320585101", 404),  # another town
        ("edu", 404),  # not a school
        ("health", 404),
    ):
        r = client.get(url, headers=token(client, user))
        assert r.status_code == status, (user, r.text)
    r = client.get(url, headers=token(client, "town"))
    assert r.json()["allowed_actions"] == []
    # Government users read, never step.
    r = client.post(f"{url}/actions/cancel", json={}, headers=token(client, "town"))
    assert r.status_code == 403

    with committed(owner_url) as conn:
        school_op = insert_operation(conn, site_of(conn, "school"), kind="work_at_height")
    url = f"/api/v1/dangerous-operations/{school_op}"
    assert client.get(url, headers=token(client, "edu")).status_code == 200
    assert client.get(url, headers=token(client, "health")).status_code == 404
    assert client.get(url, headers=token(client, "safety")).status_code == 404
