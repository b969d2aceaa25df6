"""Checklists, tasks and checks through the HTTP API: lists built from the risk points
(idempotently), the monthly comprehensive self-check, special checks, who sees and may check
which task, recording a check, and a not-ok item opening a hidden danger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.tenants.checks.generation import period_of
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
    user_id,
)


def make_staff(conn: Connection, tenant_id: int, unit_id: int, username: str) -> None:
    conn.execute(
        text(
            "insert into staff (tenant_id, name, org_unit_id, user_id)"
            " values (:t, '测试员工', :u, :uid)"
        ),
        {"t": tenant_id, "u": unit_id, "uid": user_id(conn, username)},
    )


def make_task(conn: Connection, tenant_id: int, checklist_id: int, unit_id: int) -> int:
    """The task of the current period of a daily list, as the generator makes it."""
    p = period_of("daily", datetime.now(UTC))
    return int(
        conn.execute(
            text(
                "insert into inspection_task (tenant_id, checklist_id, org_unit_id, period_key,"
                " starts_at, due_at) values (:t, :c, :u, :k, :s, :d)"
                " on conflict (tenant_id, checklist_id, period_key)"
                " do update set status = inspection_task.status returning id"
            ),
            {"t": tenant_id, "c": checklist_id, "u": unit_id, "k": p.key, "s": p.starts_at,
             "d": p.due_at},
        ).scalar_one()
    )  # fmt: skip


@dataclass
class Plant:
    """A workshop with one post, its head, a worker at the post and one elsewhere, and two
    risk points with control measures."""

    tenant: int
    workshop: int
    post: int
    elsewhere: int
    head: str
    worker: str
    stranger: str
    press: int  # risk point at the post, daily, two measures
    crane: int  # risk point at the workshop, weekly, one measure


@pytest.fixture
def plant(owner_url: str) -> Plant:
    tag = uuid.uuid4().hex[:6]
    with committed(owner_url) as c:
        t = tenant_of(c, "boss")
        workshop = make_unit(c, t, f"冲压车间{tag}")
        post = make_unit(c, t, f"冲压岗{tag}", "post", parent_id=workshop)
        elsewhere = make_unit(c, t, f"仓库{tag}", "workshop", parent_id=company(c, t))
        head = make_user(c, t, "unit_head", "车间主任")
        worker = make_user(c, t, "worker", "冲压工")
        stranger = make_user(c, t, "worker", "仓管员")
        make_manager(c, t, workshop, head)
        make_staff(c, t, post, worker)
        make_staff(c, t, elsewhere, stranger)
        press = make_risk_point(
            c, t, post, f"冲压机{tag}", frequency="daily",
            measures=(("engineering", "双手按钮完好"), ("ppe", "佩戴防护手套")),
        )  # fmt: skip
        crane = make_risk_point(
            c, t, workshop, f"行车{tag}", frequency="weekly",
            measures=(("management", "钢丝绳无断股"),),
        )  # fmt: skip
    return Plant(t, workshop, post, elsewhere, head, worker, stranger, press, crane)


def lists_of_units(client: TestClient, h: dict[str, str], units: set[int]) -> list[dict]:
    r = client.get("/api/v1/checklists", headers=h)
    assert r.status_code == 200, r.text
    return [c for c in r.json() if c["org_unit_id"] in units and c["kind"] == "routine"]


def test_lists_from_risk_points_one_per_unit_and_frequency_idempotent(
    client: TestClient, plant: Plant, owner_url: str
) -> None:
    boss = token(client, "boss")
    r = client.post(
        "/api/v1/checklists/generate-from-risk-points",
        headers=boss,
        json={"org_unit_id": plant.workshop},
    )
    assert r.status_code == 201, r.text
    assert r.json()["checklists_created"] == 2 and r.json()["items_added"] == 3
    lists = lists_of_units(client, boss, {plant.workshop, plant.post})
    shape = sorted((c["org_unit_id"], c["frequency"], len(c["items"])) for c in lists)
    assert shape == sorted([(plant.post, "daily", 2), (plant.workshop, "weekly", 1)])
    daily = next(c for c in lists if c["frequency"] == "daily")
    assert {i["risk_point_id"] for i in daily["items"]} == {plant.press}
    assert all(i["control_measure_id"] for i in daily["items"])
    assert any("双手按钮完好" in i["content"] for i in daily["items"])

    again = client.post(
        "/api/v1/checklists/generate-from-risk-points",
        headers=boss,
        json={"org_unit_id": plant.workshop},
    ).json()
    assert (again["checklists_created"], again["items_added"]) == (0, 0)

    with committed(owner_url) as c:
        c.execute(
            text(
                "insert into control_measure (tenant_id, risk_point_id, kind, content)"
                " values (:t, :rp, 'management', '点检记录完整'), (:t, :rp, 'training', '岗前培训合格')"
            ),
            {"t": plant.tenant, "rp": plant.press},
        )
    # The unit head may generate for the workshop they manage; only the new measure is added
    # (training is checked in the monthly comprehensive self-check, not on every round).
    head = token(client, plant.head)
    third = client.post(
        "/api/v1/checklists/generate-from-risk-points",
        headers=head,
        json={"org_unit_id": plant.workshop},
    ).json()
    assert (third["checklists_created"], third["items_added"]) == (0, 1)
    assert len(lists_of_units(client, boss, {plant.workshop, plant.post})) == 2
    # A worker manages nothing.
    r = client.post(
        "/api/v1/checklists/generate-from-risk-points",
        headers=token(client, plant.worker),
        json={"org_unit_id": plant.workshop},
    )
    assert r.status_code == 403


def test_monthly_comprehensive_self_check_covers_every_active_risk_point(
    client: TestClient, plant: Plant, owner_url: str
) -> None:
    with committed(owner_url) as c:
        bare = make_risk_point(c, plant.tenant, plant.post, "无措施的风险点", measures=())
    boss = token(client, "boss")
    r = client.post(
        "/api/v1/checklists/generate-from-risk-points",
        headers=boss,
        json={"kind": "comprehensive"},
    )
    assert r.status_code == 201, r.text
    cid = r.json()["checklist_ids"][0]
    got = client.get(f"/api/v1/checklists/{cid}", headers=boss).json()
    assert (got["kind"], got["frequency"]) == ("comprehensive", "monthly")
    with committed(owner_url) as c:
        root = company(c, plant.tenant)
        uncovered = c.execute(
            text(
                "select count(*) from risk_point rp where rp.tenant_id = :t"
                " and rp.status = 'active' and not exists (select 1 from checklist_item i"
                " where i.checklist_id = :c and i.risk_point_id = rp.id)"
            ),
            {"t": plant.tenant, "c": cid},
        ).scalar_one()
    assert got["org_unit_id"] == root
    assert uncovered == 0
    assert any(
        i["risk_point_id"] == bare and "管控措施落实情况" in i["content"] for i in got["items"]
    )
    again = client.post(
        "/api/v1/checklists/generate-from-risk-points", headers=boss, json={"kind": "comprehensive"}
    ).json()
    assert again == {"checklists_created": 0, "items_added": 0, "checklist_ids": [cid]}
    r = client.post(
        "/api/v1/checklists/generate-from-risk-points",
        headers=token(client, plant.head),
        json={"kind": "comprehensive"},
    )
    assert r.status_code == 403


def test_special_check_items_edit_and_deactivate(client: TestClient, plant: Plant) -> None:
    head = token(client, plant.head)
    r = client.post(
        "/api/v1/checklists",
        headers=head,
        json={
            "name": "节前安全专项检查",
            "kind": "special",
            "org_unit_id": plant.workshop,
            "items": [{"content": "消防通道畅通"}],
            "risk_point_ids": [plant.crane],
        },
    )
    assert r.status_code == 201, r.text
    special = r.json()
    assert special["frequency"] is None
    assert next(i["content"] for i in special["items"]) == "消防通道畅通"
    assert any(i["risk_point_id"] == plant.crane for i in special["items"])
    cid = special["id"]

    added = client.post(
        f"/api/v1/checklists/{cid}/items", headers=head, json={"content": "  配电箱门关闭  "}
    )
    assert added.status_code == 201 and added.json()["content"] == "配电箱门关闭"
    item = added.json()["id"]
    edited = client.patch(
        f"/api/v1/checklists/{cid}/items/{item}", headers=head, json={"content": "配电箱上锁"}
    )
    assert edited.json()["content"] == "配电箱上锁"
    assert client.delete(f"/api/v1/checklists/{cid}/items/{item}", headers=head).status_code == 204

    off = client.patch(f"/api/v1/checklists/{cid}", headers=head, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False

    # Refusals: a special check with a frequency, an empty list, a worker, a list elsewhere.
    bad = client.post(
        "/api/v1/checklists",
        headers=head,
        json={"name": "x", "kind": "special", "org_unit_id": plant.workshop, "frequency": "daily",
              "items": [{"content": "a"}]},
    )  # fmt: skip
    assert bad.status_code == 400
    empty = client.post(
        "/api/v1/checklists",
        headers=head,
        json={"name": "空清单", "kind": "special", "org_unit_id": plant.workshop},
    )
    assert empty.status_code == 400 and "至少" in empty.json()["detail"]
    worker = client.post(
        "/api/v1/checklists",
        headers=token(client, plant.worker),
        json={"name": "x", "org_unit_id": plant.post, "items": [{"content": "a"}]},
    )
    assert worker.status_code == 403
    elsewhere = client.post(
        "/api/v1/checklists",
        headers=head,
        json={"name": "x", "org_unit_id": plant.elsewhere, "items": [{"content": "a"}]},
    )
    assert elsewhere.status_code == 403


@pytest.fixture
def task(client: TestClient, plant: Plant, owner_url: str) -> tuple[int, list[dict]]:
    """Today's task of the post's daily list made from its risk point."""
    boss = token(client, "boss")
    client.post(
        "/api/v1/checklists/generate-from-risk-points",
        headers=boss,
        json={"org_unit_id": plant.post},
    )
    daily = next(c for c in lists_of_units(client, boss, {plant.post}) if c["frequency"] == "daily")
    with committed(owner_url) as c:
        task_id = make_task(c, plant.tenant, daily["id"], plant.post)
    return task_id, daily["items"]


def test_task_lists_follow_the_post_and_the_managed_subtree(
    client: TestClient, plant: Plant, task: tuple[int, list[dict]]
) -> None:
    task_id, _ = task

    def ids(user: str, query: str = "") -> set[int]:
        r = client.get(f"/api/v1/tasks{query}", headers=token(client, user))
        assert r.status_code == 200, r.text
        return {t["id"] for t in r.json()}

    assert task_id in ids(plant.worker)
    assert task_id in ids(plant.worker, "?mine=true&status=pending")
    assert task_id in ids(plant.head)  # manages the workshop above the post
    assert task_id not in ids(plant.head, "?mine=true")  # not the head's own post
    assert task_id in ids("boss")
    assert task_id not in ids(plant.stranger)
    assert task_id not in ids(plant.worker, "?status=done")
    one = client.get(f"/api/v1/tasks/{task_id}", headers=token(client, plant.worker)).json()
    assert one["status"] == "pending" and one["unit_name"].startswith("冲压岗")
    assert one["period_label"].endswith("日") and one["overdue"] is False
    bad = client.get("/api/v1/tasks?status=whatever", headers=token(client, "boss"))
    assert bad.status_code == 400


def test_recording_a_check_completes_the_task_once(
    client: TestClient, plant: Plant, task: tuple[int, list[dict]], owner_url: str
) -> None:
    task_id, items = task
    h = token(client, plant.worker)
    all_ok = [{"item_id": i["id"], "result": "ok"} for i in items]

    # Another post's worker may see the tenant's rows but not check this task.
    r = client.post(
        f"/api/v1/tasks/{task_id}/checks", headers=token(client, plant.stranger),
        json={"results": all_ok},
    )  # fmt: skip
    assert r.status_code == 403
    # Every item needs a result; nothing is written when one is missing.
    r = client.post(f"/api/v1/tasks/{task_id}/checks", headers=h, json={"results": all_ok[:-1]})
    assert r.status_code == 400 and "未选择检查结果" in r.json()["detail"]
    r = client.post(
        f"/api/v1/tasks/{task_id}/checks",
        headers=h,
        json={"results": [*all_ok, {"item_id": 10**12, "result": "ok"}]},
    )
    assert r.status_code == 400
    with committed(owner_url) as c:
        assert (
            c.execute(
                text("select count(*) from inspection_check where task_id = :t"), {"t": task_id}
            ).scalar_one()
            == 0
        )

    r = client.post(
        f"/api/v1/tasks/{task_id}/checks",
        headers=h,
        json={
            "results": [{**all_ok[0], "result": "na", "note": "停机检修"}, *all_ok[1:]],
            "lat": 31.4577,
            "lon": 121.1065,
            "accuracy_m": 12,
            "note": "班前检查",
        },
    )
    assert r.status_code == 201, r.text
    check = r.json()
    assert check["task_id"] == task_id and check["checked_by_name"] == "冲压工"
    assert (check["lat"], check["lon"], check["accuracy_m"]) == (31.4577, 121.1065, 12)
    assert next(x["result"] for x in check["results"]) == "na"
    assert check["results"][0]["note"] == "停机检修"
    assert check["finished_at"] >= check["started_at"]
    done = client.get(f"/api/v1/tasks/{task_id}", headers=h).json()
    assert done["status"] == "done" and done["done_at"] and done["check_id"] == check["id"]
    assert client.get(f"/api/v1/checks/{check['id']}", headers=h).json()["id"] == check["id"]

    again = client.post(f"/api/v1/tasks/{task_id}/checks", headers=h, json={"results": all_ok})
    assert again.status_code == 409 and "已完成" in again.json()["detail"]


def test_another_tenants_tasks_and_checks_are_404(
    client: TestClient, plant: Plant, task: tuple[int, list[dict]], owner_url: str
) -> None:
    task_id, items = task
    with committed(owner_url) as c:
        other = other_tenant(c, plant.tenant)
        outsider = make_user(c, other, "boss", "外企负责人")
    h = token(client, outsider)
    assert client.get(f"/api/v1/tasks/{task_id}", headers=h).status_code == 404
    r = client.post(
        f"/api/v1/tasks/{task_id}/checks",
        headers=h,
        json={"results": [{"item_id": i["id"], "result": "ok"} for i in items]},
    )
    assert r.status_code == 404
    assert (
        client.get(f"/api/v1/checklists/{items[0]['checklist_id']}", headers=h).status_code == 404
    )
    assert task_id not in {t["id"] for t in client.get("/api/v1/tasks", headers=h).json()}


def test_a_not_ok_item_opens_a_hazard_linked_to_its_risk_point(
    client: TestClient, plant: Plant, task: tuple[int, list[dict]], owner_url: str
) -> None:
    task_id, items = task
    h = token(client, plant.worker)
    results = [{"item_id": i["id"], "result": "ok"} for i in items]
    results[0] = {"item_id": items[0]["id"], "result": "not_ok", "note": "按钮失灵"}
    r = client.post(f"/api/v1/tasks/{task_id}/checks", headers=h, json={"results": results})
    assert r.status_code == 201, r.text
    check = r.json()
    bad = check["results"][0]
    assert bad["result"] == "not_ok" and bad["hazard_id"]
    assert all(x["hazard_id"] is None for x in check["results"][1:])
    with committed(owner_url) as c:
        hz = c.execute(
            text(
                "select source, state, risk_point_id, org_unit_id, check_id, title, description"
                " from hazard where id = :h"
            ),
            {"h": bad["hazard_id"]},
        ).one()
    assert (hz.source, hz.state) == ("check", "reported")
    assert (hz.risk_point_id, hz.org_unit_id, hz.check_id) == (plant.press, plant.post, check["id"])
    assert "按钮失灵" in hz.description and items[0]["content"][:20] in hz.title


def test_ad_hoc_check_of_one_risk_point(
    client: TestClient, plant: Plant, task: tuple[int, list[dict]]
) -> None:
    """The QR flow's check: only the risk point's items of its list; no task is touched."""
    task_id, items = task
    h = token(client, plant.stranger)  # anyone of the enterprise may check what they scan
    press_items = [i for i in items if i["risk_point_id"] == plant.press]
    r = client.post(
        "/api/v1/checks",
        headers=h,
        json={
            "checklist_id": items[0]["checklist_id"],
            "risk_point_id": plant.press,
            "results": [{"item_id": i["id"], "result": "ok"} for i in press_items],
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["task_id"] is None and len(r.json()["results"]) == len(press_items)
    assert client.get(f"/api/v1/tasks/{task_id}", headers=h).json()["status"] == "pending"
