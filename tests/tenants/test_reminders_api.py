"""The reminders API through HTTP: certificates and equipment CRUD (404 across tenants,
Chinese refusals), alarms (open list, resolve), and the dashboard's numbers, which must equal
the rows behind them exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tests.api import token
from tests.tenants.factories import (
    committed,
    company,
    make_manager,
    make_risk_point,
    make_unit,
    make_user,
    other_tenant,
)
from tests.tenants.test_reminders_scan import (
    fresh_tenant,
    make_certificate,
    make_equipment,
    make_staff,
)

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


@pytest.fixture
def tenant(owner_url: str) -> dict[str, int | str]:
    """A fresh enterprise with a boss, a safety manager, a unit head and a worker."""
    with committed(owner_url) as conn:
        t = fresh_tenant(conn)
        root = company(conn, t)
        shop = make_unit(conn, t, "冲压车间")
        other = make_unit(conn, t, "仓库", "department")
        head = make_user(conn, t, "unit_head", "车间主任")
        make_manager(conn, t, shop, head)
        return {
            "id": t,
            "root": root,
            "shop": shop,
            "other": other,
            "boss": make_user(conn, t, "boss", "老板"),
            "safety": make_user(conn, t, "safety_manager", "安全员"),
            "head": head,
            "worker": make_user(conn, t, "worker", "工人"),
        }


def test_certificate_crud_and_renewal_resolves_its_alarm(
    client: TestClient, tenant: dict[str, int | str], owner_url: str
) -> None:
    h = token(client, str(tenant["safety"]))
    expired = (today() - timedelta(days=3)).isoformat()
    r = client.post(
        "/api/v1/certificates",
        headers=h,
        json={"kind": "safety_licence", "name": "安全生产许可证", "number": "(苏)JZ安许证字〔2024〕001",
              "expires_on": expired},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    cert = r.json()
    assert cert["kind_name"] == "安全生产许可证" and cert["days_left"] == -3
    assert cert["org_unit_id"] is None
    # Saving an expired certificate raises its alarm at once, at the company root.
    alarms = client.get("/api/v1/alarms", headers=h).json()
    mine = [
        a for a in alarms if a["subject_table"] == "certificate" and a["subject_id"] == cert["id"]
    ]
    assert [(a["kind"], a["severity"], a["org_unit_id"]) for a in mine] == [
        ("certificate_expired", "alarm", tenant["root"])
    ]
    assert mine[0]["subject_url"] == f"/enterprise/reminders/certificates/{cert['id']}"
    renewed = (today() + timedelta(days=1095)).isoformat()
    r = client.patch(f"/api/v1/certificates/{cert['id']}", headers=h, json={"expires_on": renewed})
    assert r.status_code == 200 and r.json()["expires_on"] == renewed
    alarms = client.get("/api/v1/alarms", headers=h).json()
    assert not [
        a for a in alarms if a["subject_id"] == cert["id"] and a["subject_table"] == "certificate"
    ]
    listed = client.get("/api/v1/certificates", headers=h).json()
    assert [c["id"] for c in listed] == [cert["id"]]
    assert client.delete(f"/api/v1/certificates/{cert['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/certificates/{cert['id']}", headers=h).status_code == 404


def test_certificate_refusals_are_in_chinese(
    client: TestClient, tenant: dict[str, int | str], owner_url: str
) -> None:
    h = token(client, str(tenant["boss"]))
    r = client.post(
        "/api/v1/certificates", headers=h,
        json={"kind": "special_operation", "name": "焊工作业"},
    )  # fmt: skip
    assert r.status_code == 400 and "持证人员" in r.text
    r = client.post(
        "/api/v1/certificates", headers=h,
        json={"kind": "other", "name": "x", "issued_on": "2026-05-01", "expires_on": "2026-04-01"},
    )  # fmt: skip
    assert r.status_code == 400 and "不能早于发证日期" in r.text
    r = client.post(
        "/api/v1/certificates", headers=h,
        json={"kind": "special_operation", "name": "焊工作业", "staff_id": 999999999},
    )  # fmt: skip
    assert r.status_code == 400 and "持证人员不存在" in r.json()["detail"]
    # A worker may not register the company's licence.
    w = token(client, str(tenant["worker"]))
    r = client.post(
        "/api/v1/certificates", headers=w, json={"kind": "safety_licence", "name": "证"}
    )
    assert r.status_code == 403


def test_staff_certificate_shows_at_the_holders_unit_for_its_head(
    client: TestClient, tenant: dict[str, int | str], owner_url: str
) -> None:
    with committed(owner_url) as conn:
        person = make_staff(conn, int(tenant["id"]), int(tenant["shop"]), "李四")
    h = token(client, str(tenant["head"]))
    r = client.post(
        "/api/v1/certificates", headers=h,
        json={"kind": "special_operation", "name": "电工作业", "staff_id": person,
              "expires_on": (today() + timedelta(days=10)).isoformat()},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["org_unit_id"] == tenant["shop"] and r.json()["staff_name"] == "李四"
    alarms = client.get("/api/v1/alarms", headers=h).json()
    assert [(a["kind"], a["org_unit_id"]) for a in alarms] == [
        ("certificate_expiring", tenant["shop"])
    ]
    # The head resolves (acknowledges) it; it leaves the open list.
    done = client.post(f"/api/v1/alarms/{alarms[0]['id']}/resolve", headers=h)
    assert done.status_code == 200 and done.json()["resolved_at"] is not None
    assert client.get("/api/v1/alarms", headers=h).json() == []


def test_equipment_crud_inspection_recorded_and_cross_tenant_404(
    client: TestClient, tenant: dict[str, int | str], owner_url: str
) -> None:
    h = token(client, str(tenant["boss"]))
    with committed(owner_url) as conn:
        rp = make_risk_point(
            conn, int(tenant["id"]), int(tenant["shop"]), "叉车作业", "significant"
        )
        theirs_tenant = other_tenant(conn, int(tenant["id"]))
        theirs = make_equipment(conn, theirs_tenant, company(conn, theirs_tenant))
    body = {
        "name": "3吨叉车", "org_unit_id": tenant["shop"], "risk_point_id": rp, "is_special": True,
        "last_inspected_on": (today() - timedelta(days=400)).isoformat(),
        "next_inspection_on": (today() - timedelta(days=35)).isoformat(),
    }  # fmt: skip
    r = client.post("/api/v1/equipment", headers=h, json=body)
    assert r.status_code == 201, r.text
    q = r.json()
    assert q["risk_point_name"] == "叉车作业" and q["org_unit_name"] == "冲压车间"
    assert q["qr_url"].endswith("/q/" + q["qr_url"].rsplit("/", 1)[1]) and "/q/" in q["qr_url"]
    kinds = {
        a["kind"]
        for a in client.get("/api/v1/alarms", headers=h).json()
        if a["subject_id"] == q["id"]
    }
    assert kinds == {"inspection_overdue"}
    # Recording the inspection resolves the alarm.
    r = client.patch(
        f"/api/v1/equipment/{q['id']}", headers=h,
        json={"last_inspected_on": today().isoformat(),
              "next_inspection_on": (today() + timedelta(days=365)).isoformat()},
    )  # fmt: skip
    assert r.status_code == 200
    assert not [
        a
        for a in client.get("/api/v1/alarms", headers=h).json()
        if a["subject_id"] == q["id"] and a["subject_table"] == "equipment"
    ]
    # Another tenant's equipment is invisible: 404 for read, change and delete.
    assert client.get(f"/api/v1/equipment/{theirs}", headers=h).status_code == 404
    assert (
        client.patch(f"/api/v1/equipment/{theirs}", headers=h, json={"name": "x"}).status_code
        == 404
    )
    assert client.delete(f"/api/v1/equipment/{theirs}", headers=h).status_code == 404
    # A unit that is not ours is refused with a message on the field.
    r = client.post("/api/v1/equipment", headers=h, json={**body, "org_unit_id": 999999999})
    assert r.status_code == 400 and "部门不存在" in r.json()["detail"]
    # The unit head manages the shop's equipment but not the warehouse's.
    head = token(client, str(tenant["head"]))
    r = client.post(
        "/api/v1/equipment", headers=head, json={**body, "org_unit_id": tenant["other"]}
    )
    assert r.status_code == 403
    assert client.delete(f"/api/v1/equipment/{q['id']}", headers=head).status_code == 204


def _task(conn: Connection, t: int, checklist: int, unit: int, key: str, starts: datetime,
          due: datetime, status: str = "pending") -> None:  # fmt: skip
    conn.execute(
        text(
            "insert into inspection_task (tenant_id, checklist_id, org_unit_id, period_key,"
            " starts_at, due_at, status, done_at) values (:t, :c, :u, :k, :s, :d, :st,"
            " case when :st = 'done' then now() end)"
        ),
        {"t": t, "c": checklist, "u": unit, "k": key, "s": starts, "d": due, "st": status},
    )


def _hazard(conn: Connection, t: int, unit: int, state: str, *, tier: str | None = "general",
            deadline: date | None = None, reported_by: int | None = None) -> None:  # fmt: skip
    conn.execute(
        text(
            "insert into hazard (tenant_id, source, org_unit_id, tier, state, title, deadline,"
            " reported_by) values (:t, 'report', :u, :tier, :s, '隐患', :d, :r)"
        ),
        {"t": t, "u": unit, "tier": tier, "s": state, "d": deadline, "r": reported_by},
    )


def test_dashboard_numbers_equal_the_rows(
    client: TestClient, tenant: dict[str, int | str], owner_url: str
) -> None:
    t, shop, other = int(tenant["id"]), int(tenant["shop"]), int(tenant["other"])
    now = datetime.now(UTC).astimezone(CHINA)
    day = datetime(now.year, now.month, now.day, tzinfo=CHINA)
    month = datetime(now.year, now.month, 1, tzinfo=CHINA)
    with committed(owner_url) as conn:
        worker_id = conn.execute(text("select id from app_user where username = :u"),
                                 {"u": tenant["worker"]}).scalar_one()  # fmt: skip
        for level, n in (("major", 1), ("significant", 2), ("general", 3), ("low", 4)):
            for i in range(n):
                make_risk_point(conn, t, shop if i % 2 == 0 else other, f"点{level}{i}", level)
        checklist = conn.execute(
            text("insert into checklist (tenant_id, org_unit_id, name, kind, frequency)"
                 " values (:t, :u, '日检', 'routine', 'daily') returning id"),
            {"t": t, "u": shop},
        ).scalar_one()  # fmt: skip
        # Open now (pending today), two past due this month (one pending, one missed), one done.
        _task(conn, t, checklist, shop, "open", day, day + timedelta(days=1))
        if day - timedelta(days=2) > month:
            _task(
                conn, t, checklist, shop, "late1", day - timedelta(days=3), day - timedelta(days=2)
            )
            _task(
                conn,
                t,
                checklist,
                other,
                "late2",
                day - timedelta(days=3),
                day - timedelta(days=2),
                "missed",
            )
            _task(
                conn,
                t,
                checklist,
                shop,
                "done1",
                day - timedelta(days=3),
                day - timedelta(days=2),
                "done",
            )
            late = 2
        else:  # the first days of a month: past-due tasks of this month end just now
            _task(conn, t, checklist, shop, "late1", month, now - timedelta(minutes=2))
            _task(conn, t, checklist, other, "late2", month, now - timedelta(minutes=2), "missed")
            _task(conn, t, checklist, shop, "done1", month, now - timedelta(minutes=2), "done")
            late = 2
        _hazard(conn, t, shop, "reported", reported_by=worker_id)
        _hazard(conn, t, shop, "rectifying", deadline=now.date() - timedelta(days=1))
        _hazard(conn, t, other, "rectifying", tier="major", deadline=now.date() + timedelta(days=5))
        _hazard(conn, t, other, "closed", tier="major")
        make_certificate(conn, t, now.date() + timedelta(days=30))
        make_certificate(conn, t, now.date() + timedelta(days=31))
        make_equipment(conn, t, shop, next_inspection_on=now.date() - timedelta(days=1))
        make_equipment(conn, t, other, end_of_life_on=now.date() + timedelta(days=80))
        make_equipment(conn, t, other, next_inspection_on=now.date() + timedelta(days=200))
        conn.execute(
            text("insert into alarm (tenant_id, kind, severity, subject_table, subject_id,"
                 " org_unit_id, message) values (:t, 'hazard_overdue', 'alarm', 'hazard', 1, :u,"
                 " '隐患逾期'), (:t, 'task_overdue', 'alarm', 'inspection_task', 2, :o, '任务逾期'),"
                 " (:t, 'certificate_expiring', 'reminder', 'certificate', 3, :u, '证照')"),
            {"t": t, "u": shop, "o": other},
        )  # fmt: skip

    boss = client.get("/api/v1/dashboard", headers=token(client, str(tenant["boss"]))).json()
    assert boss["scope"] == "company"
    assert {c["level"]: c["count"] for c in boss["risk_points"]} == {
        "major": 1, "significant": 2, "general": 3, "low": 4
    }  # fmt: skip
    assert boss["risk_points_total"] == 10
    assert {s["state"]: s["count"] for s in boss["hazards_open"]} == {
        "reported": 1, "confirmed": 0, "rectifying": 2, "awaiting_acceptance": 0
    }  # fmt: skip
    assert boss["hazards_overdue"] == 1 and boss["hazards_major"] == 1
    assert boss["tasks_pending_today"] == 1 and boss["tasks_overdue"] == late
    assert boss["month_tasks_due"] == 3 and boss["month_tasks_done"] == 1
    assert boss["month_completion_rate"] == round(1 / 3, 4)
    assert boss["certificates_due"] == 1 and boss["equipment_due"] == 2
    assert (boss["open_alarms"], boss["alarms"], boss["reminders"]) == (3, 2, 1)

    # The shop's head sees the shop only.
    head = client.get("/api/v1/dashboard", headers=token(client, str(tenant["head"]))).json()
    assert head["scope"] == "units"
    assert {c["level"]: c["count"] for c in head["risk_points"]} == {
        "major": 1, "significant": 1, "general": 2, "low": 2
    }  # fmt: skip
    assert head["hazards_open_total"] == 2 and head["hazards_major"] == 0
    assert head["tasks_overdue"] == 1 and head["month_tasks_due"] == 2
    assert head["equipment_due"] == 1 and head["certificates_due"] == 0
    assert (head["open_alarms"], head["alarms"]) == (2, 1)

    # The worker (no post): only the hazard they reported.
    worker = client.get("/api/v1/dashboard", headers=token(client, str(tenant["worker"]))).json()
    assert worker["scope"] == "own"
    assert worker["hazards_open_total"] == 1 and worker["risk_points_total"] == 0
    assert worker["open_alarms"] == 0


def test_alarms_other_tenants_are_404(
    client: TestClient, tenant: dict[str, int | str], owner_url: str
) -> None:
    with committed(owner_url) as conn:
        theirs = other_tenant(conn, int(tenant["id"]))
        alarm = conn.execute(
            text("insert into alarm (tenant_id, kind, severity, subject_table, subject_id,"
                 " message) values (:t, 'task_overdue', 'alarm', 'inspection_task', 7, 'x')"
                 " returning id"), {"t": theirs},
        ).scalar_one()  # fmt: skip
    h = token(client, str(tenant["boss"]))
    assert client.post(f"/api/v1/alarms/{alarm}/resolve", headers=h).status_code == 404
    assert alarm not in [a["id"] for a in client.get("/api/v1/alarms", headers=h).json()]
