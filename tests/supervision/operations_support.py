"""Test data of dangerous operations: permits written with an owner connection (RLS does not
apply, and a permit may lie in the past as the seed's history does), and the principals
that read them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.principal import Principal

TOWN = "320500.320585.320585100"  # 城厢镇, the demo enterprise's town
OTHER_TOWN = "320500.320585.320585101"  # 沙溪镇
DISTRICT = "320500.320585"  # 太仓市


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def permit_no(prefix: str = "DH") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def insert_operation(
    conn: Connection,
    tenant_id: int,
    *,
    kind: str = "hot_work",
    grade: str | None = "first",
    status: str = "reported",
    starts: timedelta = timedelta(hours=1),
    hours: float = 4,
    number: str | None = None,
    location: str = "测试作业点",
) -> int:
    """A permit of `tenant_id` whose window starts `starts` from now and lasts `hours`."""
    valid_from = now() + starts
    valid_to = valid_from + timedelta(hours=hours)
    started = valid_from if status in ("active", "finished") else None
    finished = valid_to if status == "finished" else None
    cancelled = valid_from if status == "cancelled" else None
    return int(
        conn.execute(
            text(
                "insert into dangerous_operation (tenant_id, kind, grade, permit_no, location,"
                " content, supervisor, valid_from, valid_to, status, started_at, finished_at,"
                " cancelled_at) values (:t, :k, :g, :n, :loc, '测试作业内容', '张监护', :vf, :vt,"
                " :s, :sa, :fa, :ca) returning id"
            ),
            {
                "t": tenant_id,
                "k": kind,
                "g": grade,
                "n": number or permit_no(),
                "loc": location,
                "vf": valid_from,
                "vt": valid_to,
                "s": status,
                "sa": started,
                "fa": finished,
                "ca": cancelled,
            },
        ).scalar_one()
    )


def enterprise_in(conn: Connection, path: str, *, kind: str = "enterprise") -> int:
    """The first tenant of `kind` under the jurisdiction `path`."""
    return int(
        conn.execute(
            text(
                "select min(id) from enterprise where kind = :k"
                " and jurisdiction_path <@ cast(:p as ltree)"
            ),
            {"k": kind, "p": path},
        ).scalar_one()
    )


def site_of(conn: Connection, site_type: str, path: str = DISTRICT) -> int:
    return int(
        conn.execute(
            text(
                "select min(id) from enterprise where site_type = :s"
                " and jurisdiction_path <@ cast(:p as ltree)"
            ),
            {"s": site_type, "p": path},
        ).scalar_one()
    )


def enterprise_principal(tenant_id: int, role: str = "safety_manager", user: int = 0) -> Principal:
    return Principal(kind="enterprise", user_id=user or None, role=role, tenant_id=tenant_id)


def officer(scope: str = TOWN) -> Principal:
    return Principal(kind="gov", role="officer", scope=scope, scope_name="测试辖区")


def sector_officer(sector: str = "education", scope: str = DISTRICT) -> Principal:
    return Principal(kind="sector", role="sector_officer", scope=scope, sector=sector)
