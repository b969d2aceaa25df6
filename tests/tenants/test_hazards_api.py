"""The hazards API end to end through the real app: reporting with photos, the list with its
filters and counts, one hazard, its timeline, steps of the loop with their refusals (409 for
the state, 403 for the person, 400 for the input), and another tenant's hazard answering 404."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from anwang.tenants.hazards import service
from tests.api import token
from tests.conftest import own_storage
from tests.platform import attachment_samples as samples
from tests.tenants.factories import (
    committed,
    make_manager,
    make_unit,
    make_user,
    other_tenant,
    tenant_of,
)

API = "/api/v1/hazards"


@pytest.fixture(scope="module")
def client(owner_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from anwang.platform.web.app import create_app

    with own_storage(str(tmp_path_factory.mktemp("hazard-files"))), TestClient(create_app()) as c:
        yield c


@pytest.fixture(scope="module")
def people(owner_url: str) -> dict[str, Any]:
    """A workshop of the demo tenant with its head, a worker to fix things, and the boss of
    another tenant."""
    with committed(owner_url) as conn:
        tenant = tenant_of(conn, "boss")
        shop = make_unit(conn, tenant, "接口测试车间")
        head = make_user(conn, tenant, "unit_head", "车间主任")
        make_manager(conn, tenant, shop, head)
        fixer = make_user(conn, tenant, "worker", "维修工")
        stranger = make_user(conn, other_tenant(conn, tenant), "boss", "别家老板")
        fixer_id = conn.execute(
            text("select id from app_user where username = :u"), {"u": fixer}
        ).scalar_one()
        return {
            "tenant": tenant,
            "shop": shop,
            "head": head,
            "fixer": fixer,
            "fixer_id": fixer_id,
            "stranger": stranger,
        }


def upload(client: TestClient, h: dict[str, str]) -> int:
    r = client.post(
        "/api/v1/attachments/photos",
        headers=h,
        files={"file": ("现场.jpg", samples.photo_with_exif(size=(320, 240)), "image/jpeg")},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def report(client: TestClient, h: dict[str, str], **extra: Any) -> dict[str, Any]:
    r = client.post(API, headers=h, json={"title": "消防通道堆放杂物", **extra})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_a_worker_reports_with_a_photo(client: TestClient, people: dict[str, Any]) -> None:
    h = token(client, "worker")
    photo = upload(client, h)
    hazard = report(
        client,
        h,
        description="二号车间东门消防通道被纸箱堵住",
        location="二号车间东门",
        org_unit_id=people["shop"],
        photo_ids=[photo],
    )
    assert hazard["state"] == "reported" and hazard["source"] == "report"
    assert hazard["org_unit_id"] == people["shop"] and hazard["overdue"] is False
    # No position from the device: the photo's EXIF GPS is used.
    assert hazard["lat"] == pytest.approx(31 + 27 / 60 + 36 / 3600)
    detail = client.get(f"{API}/{hazard['id']}", headers=h).json()
    assert [(p["id"], p["subject_role"]) for p in detail["photos"]] == [(photo, "before")]
    # Its finder may still record it fixed on the spot, and nothing else.
    assert detail["allowed_actions"] == ["fix_on_spot"]
    events = client.get(f"{API}/{hazard['id']}/events", headers=h).json()
    assert [(e["action"], e["action_name"], e["to_state"]) for e in events] == [
        ("report", "上报", "reported")
    ]
    listed = client.get(API, headers=h, params={"state": "reported", "limit": 500}).json()
    assert hazard["id"] in [i["id"] for i in listed["items"]]
    assert listed["counts"]["reported"] >= 1
    # A photo can belong to one subject only.
    r = client.post(API, headers=h, json={"title": "再用同一张照片", "photo_ids": [photo]})
    assert r.status_code == 400 and r.json()["field"] == "photo_ids"


def test_bad_reports_are_refused_in_chinese(client: TestClient) -> None:
    h = token(client, "worker")
    r = client.post(API, headers=h, json={"title": "  "})
    assert r.status_code == 400 and r.json() == {"detail": "请填写隐患标题", "field": "title"}
    r = client.post(API, headers=h, json={"title": "x" * 101})
    assert r.status_code == 400 and "不能超过100个字" in r.json()["detail"]
    r = client.post(API, headers=h, json={"title": "经纬度", "lat": 31.4})
    assert r.status_code == 400 and r.json()["field"] == "lat"
    r = client.post(API, headers=h, json={"title": "等级", "tier": "major"})
    assert r.status_code == 400 and r.json()["field"] == "tier"
    r = client.post(API, headers=h, json={"title": "部门", "org_unit_id": 999_999_999})
    assert r.status_code == 400 and r.json()["field"] == "org_unit_id"


def test_on_spot_report_is_closed_in_one_step(client: TestClient) -> None:
    h = token(client, "worker")
    hazard = report(client, h, tier="on_spot", measure="当场把纸箱搬走")
    assert hazard["state"] == "closed" and hazard["tier"] == "on_spot"
    assert hazard["measure"] == "当场把纸箱搬走" and hazard["closed_at"]
    events = client.get(f"{API}/{hazard['id']}/events", headers=h).json()
    assert [(e["action"], e["from_state"], e["to_state"]) for e in events] == [
        ("report", None, "reported"),
        ("fix_on_spot", "reported", "closed"),
    ]
    r = client.post(API, headers=h, json={"title": "没写措施", "tier": "on_spot"})
    assert r.status_code == 400 and r.json()["field"] == "measure"


def test_loop_over_http(client: TestClient, people: dict[str, Any]) -> None:
    worker, head = token(client, "worker"), token(client, people["head"])
    fixer, boss = token(client, people["fixer"]), token(client, "boss")
    hazard = report(client, worker, org_unit_id=people["shop"])
    url = f"{API}/{hazard['id']}/actions"
    deadline = (service.today() + timedelta(days=5)).isoformat()
    assert "confirm" in client.get(f"{API}/{hazard['id']}", headers=head).json()["allowed_actions"]
    # The worker who reported it may not confirm it.
    r = client.post(f"{url}/confirm", headers=worker, json={"tier": "general"})
    assert r.status_code == 403 and "负责人" in r.json()["detail"]
    r = client.post(f"{url}/confirm", headers=head, json={"tier": "general"})
    assert r.status_code == 400 and r.json()["field"] == "responsible_user_id"
    confirm = {
        "tier": "general",
        "responsible_user_id": people["fixer_id"],
        "deadline": deadline,
        "plan": "清理通道并设置禁止堆放标识",
    }
    r = client.post(f"{url}/confirm", headers=head, json=confirm)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "confirmed" and r.json()["deadline"] == deadline
    r = client.post(f"{url}/accept", headers=boss, json={})
    assert r.status_code == 409
    assert r.json()["detail"] == "当前状态为“已确认”，不能执行“验收”"
    assert client.post(f"{url}/start", headers=fixer, json={}).status_code == 200
    r = client.post(f"{url}/submit", headers=fixer, json={"measure": "已清理"})
    assert r.status_code == 400 and r.json() == {
        "detail": "请上传整改后的照片",
        "field": "photo_ids",
    }
    after = upload(client, fixer)
    r = client.post(
        f"{url}/submit", headers=fixer, json={"measure": "已清理", "photo_ids": [after]}
    )
    assert r.status_code == 200 and r.json()["state"] == "awaiting_acceptance"
    r = client.post(f"{url}/accept", headers=boss, json={"note": "通道畅通"})
    assert r.status_code == 200 and r.json()["state"] == "closed"
    events = client.get(f"{API}/{hazard['id']}/events", headers=worker).json()
    assert [e["action"] for e in events] == ["report", "confirm", "start", "submit", "accept"]
    assert events[-1]["note"] == "通道畅通" and events[-1]["actor_name"]
    r = client.post(f"{url}/teleport", headers=boss, json={})
    assert r.status_code == 404


def test_filters(client: TestClient, people: dict[str, Any]) -> None:
    h = token(client, "safety")
    r = client.get(API, headers=h, params={"state": "nonsense"})
    assert r.status_code == 400 and "未知的状态" in r.json()["detail"]
    shop = client.get(API, headers=h, params={"org_unit_id": people["shop"], "limit": 500}).json()
    assert shop["total"] >= 1
    assert all(i["org_unit_id"] == people["shop"] for i in shop["items"])
    overdue = client.get(API, headers=h, params={"overdue": "true", "limit": 500}).json()
    assert all(i["overdue"] for i in overdue["items"])


def test_another_tenants_hazard_is_404(client: TestClient, people: dict[str, Any]) -> None:
    hazard = report(client, token(client, "worker"))
    stranger = token(client, people["stranger"])
    assert client.get(f"{API}/{hazard['id']}", headers=stranger).status_code == 404
    assert client.get(f"{API}/{hazard['id']}/events", headers=stranger).status_code == 404
    r = client.post(f"{API}/{hazard['id']}/actions/reject", headers=stranger, json={"reason": "x"})
    assert r.status_code == 404
    listed = client.get(API, headers=stranger, params={"limit": 500}).json()
    assert hazard["id"] not in [i["id"] for i in listed["items"]]


def test_the_towns_officer_reads_but_takes_no_step(client: TestClient) -> None:
    # The demo enterprise lies in the demo town's jurisdiction.
    hazard = report(client, token(client, "worker"))
    town = token(client, "town")
    detail = client.get(f"{API}/{hazard['id']}", headers=town)
    assert detail.status_code == 200 and detail.json()["allowed_actions"] == []
    assert client.get(f"{API}/{hazard['id']}/events", headers=town).status_code == 200
    r = client.post(f"{API}/{hazard['id']}/actions/reject", headers=town, json={"reason": "x"})
    assert r.status_code == 403
    assert client.post(API, headers=town, json={"title": "政府不能上报企业隐患"}).status_code == 403
