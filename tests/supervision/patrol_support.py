"""Shared set-up of the patrol tests: the expected areas of every enterprise, and small
factories for patrol rows."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

# A date far from the demo's history, so the planner's cycles there are the tests' own.
FAR = date(2031, 3, 2)


def patrolled(conn: Connection, kind: str, on: date) -> dict[int, list[tuple[int, int]]]:
    """tenant → [(cycle's jurisdiction, inspector)] over the `kind` cycles containing `on`."""
    out: dict[int, list[tuple[int, int]]] = {}
    for tenant, jid, who in conn.execute(
        text(
            "select a.tenant_id, c.jurisdiction_id, a.inspector_user_id from patrol_assignment a"
            " join patrol_cycle c on c.id = a.cycle_id"
            " where c.patrol_kind = :k and c.starts_on <= :on and c.ends_on >= :on"
        ),
        {"k": kind, "on": on},
    ):
        out.setdefault(int(tenant), []).append((int(jid), int(who)))
    return out


def expected_areas(conn: Connection, kind: str) -> dict[int, int]:
    """tenant → the jurisdiction whose `kind` patrol must visit it (sector: the department's
    jurisdiction, for public sites whose sector has a department there)."""
    if kind == "grid":
        sql = (
            "select e.id, e.jurisdiction_id from enterprise e"
            " where e.kind = 'enterprise' and e.status <> 'closed'"
        )
    elif kind == "town":
        sql = (
            "select e.id, g.parent_id from enterprise e join jurisdiction g on g.id = e.jurisdiction_id"
            " where e.kind = 'enterprise' and e.status <> 'closed'"
        )
    else:
        sql = (
            "select e.id, b.jurisdiction_id from enterprise e"
            " join gov_body b on b.kind = 'sector_department' and b.sector = e.sector"
            " join jurisdiction j on j.id = b.jurisdiction_id and e.jurisdiction_path <@ j.path"
            " where e.kind = 'public_site' and e.status <> 'closed'"
        )
    return {int(t): int(j) for t, j in conn.execute(text(sql))}


def once_each(conn: Connection, kind: str, on: date) -> Counter[int]:
    """How many `kind` assignments each tenant has in the cycles containing `on`."""
    return Counter({t: len(v) for t, v in patrolled(conn, kind, on).items()})


def add_officer(conn: Connection, town_id: int, role: str = "officer") -> int:
    """Another government account at `town_id` (an officer of its town bureau by default)."""
    username = f"p_{uuid.uuid4().hex[:10]}"
    uid = int(
        conn.execute(
            text(
                "insert into app_user (username, display_name, password_hash)"
                " select :u, '测试监管员', password_hash from app_user where username = 'boss'"
                " returning id"
            ),
            {"u": username},
        ).scalar_one()
    )
    conn.execute(
        text(
            "insert into gov_membership (user_id, gov_body_id, jurisdiction_id, role)"
            " select :uid, b.id, :j, :r from gov_body b"
            " where b.kind = 'emergency_bureau' and b.jurisdiction_id ="
            " (select case when level = 'grid' then parent_id else id end"
            "  from jurisdiction where id = :j)"
        ),
        {"uid": uid, "j": town_id, "r": role},
    )
    return uid


def add_enterprise(
    conn: Connection, grid_id: int, sector: str = "industry", kind: str = "enterprise"
) -> int:
    """A new active enterprise (or public site) in `grid_id`, at the grid's centre."""
    code = uuid.uuid4().hex[:17].upper()
    return int(
        conn.execute(
            text(
                "insert into enterprise (name, credit_code, industry, scale, jurisdiction_id,"
                " sector, lon, lat, kind)"
                " select :n, :c || '0', 'machinery', 'small', j.id, :s, j.center_lon,"
                " j.center_lat, :k from jurisdiction j where j.id = :g returning id"
            ),
            {"n": f"巡查测试企业{code[:6]}", "c": code, "s": sector, "g": grid_id, "k": kind},
        ).scalar_one()
    )


def visit_payload(
    tenant_id: int,
    *,
    key: str | None = None,
    at: datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    findings: list[dict[str, str]] | None = None,
    results: list[dict[str, str]] | None = None,
) -> dict[str, object]:
    """A complete visit as the tablet sends it (every checklist item answered)."""
    from anwang.supervision.patrol.checklist import CHECKLIST

    return {
        "idempotency_key": key or str(uuid.uuid4()),
        "tenant_id": tenant_id,
        "checked_in_at": (at or datetime.now(UTC)).isoformat(),
        "lat": lat,
        "lon": lon,
        "accuracy_m": 12.0 if lat is not None else None,
        "results": results
        if results is not None
        else [
            {"code": c, "result": "not_ok" if i == 0 else "ok", "note": "台账缺两个月"}
            for i, c in enumerate(CHECKLIST)
        ],
        "note": "企业负责人陪同检查",
        "findings": findings or [],
    }


def visit_files(
    payload: dict[str, object], photos: int = 0, finding_photos: dict[int, int] | None = None
) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
    """The multipart `data` and `files` of a visit, with small JPEG photos."""
    from tests.platform import attachment_samples as samples

    files = [
        ("photo", (f"现场{i}.jpg", samples.photo_with_exif(size=(160, 120)), "image/jpeg"))
        for i in range(photos)
    ]
    for index, n in (finding_photos or {}).items():
        files += [
            (
                f"finding.{index}",
                (f"问题{j}.jpg", samples.photo_with_exif(size=(160, 120)), "image/jpeg"),
            )
            for j in range(n)
        ]
    return {"visit": json.dumps(payload, ensure_ascii=False)}, files
