"""Test data for the enterprise domain, written with an owner connection (RLS does not apply,
so a test can set up any tenant). Pass the rolled-back `owner_db` for SQL-level tests, or
`committed(owner_url)` for HTTP and browser tests that need the rows to be visible to the app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from anwang.platform.db import to_sqlalchemy_url


@contextmanager
def committed(owner_url: str) -> Iterator[Connection]:
    """An owner connection whose work is committed when the block ends."""
    engine = create_engine(to_sqlalchemy_url(owner_url))
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def tenant_of(conn: Connection, username: str) -> int:
    """The tenant of an enterprise user (`boss`, `safety`, `worker` share the demo tenant)."""
    return int(
        conn.execute(
            text(
                "select m.tenant_id from tenant_membership m join app_user u on u.id = m.user_id"
                " where u.username = :u"
            ),
            {"u": username},
        ).scalar_one()
    )


def user_id(conn: Connection, username: str) -> int:
    return int(
        conn.execute(
            text("select id from app_user where username = :u"), {"u": username}
        ).scalar_one()
    )


def other_tenant(conn: Connection, not_id: int) -> int:
    """Another enterprise than `not_id` (the last one)."""
    return int(
        conn.execute(
            text(
                "select id from enterprise where kind = 'enterprise' and id <> :i"
                " order by id desc limit 1"
            ),
            {"i": not_id},
        ).scalar_one()
    )


def make_user(
    conn: Connection, tenant_id: int, role: str = "worker", name: str = "测试用户"
) -> str:
    """A new account in `tenant_id` with the demo password (anwang123); returns its username."""
    username = f"t_{uuid.uuid4().hex[:10]}"
    conn.execute(
        text(
            "insert into app_user (username, display_name, password_hash)"
            " select :u, :n, password_hash from app_user where username = 'boss'"
        ),
        {"u": username, "n": name},
    )
    conn.execute(
        text(
            "insert into tenant_membership (tenant_id, user_id, role)"
            " select :t, id, :r from app_user where username = :u"
        ),
        {"t": tenant_id, "u": username, "r": role},
    )
    return username


def company(conn: Connection, tenant_id: int) -> int:
    """The tenant's root unit, created when missing."""
    root = conn.execute(
        text("select id from org_unit where tenant_id = :t and parent_id is null"),
        {"t": tenant_id},
    ).scalar()
    if root is not None:
        return int(root)
    return int(
        conn.execute(
            text(
                "insert into org_unit (tenant_id, name, kind) values (:t, '本公司', 'company')"
                " returning id"
            ),
            {"t": tenant_id},
        ).scalar_one()
    )


def make_unit(
    conn: Connection,
    tenant_id: int,
    name: str = "测试车间",
    kind: str = "workshop",
    parent_id: int | None = None,
) -> int:
    parent = parent_id if parent_id is not None else company(conn, tenant_id)
    return int(
        conn.execute(
            text(
                "insert into org_unit (tenant_id, parent_id, name, kind)"
                " values (:t, :p, :n, :k) returning id"
            ),
            {"t": tenant_id, "p": parent, "n": name, "k": kind},
        ).scalar_one()
    )


def make_manager(
    conn: Connection, tenant_id: int, unit_id: int, username: str, duty: str = "head"
) -> None:
    conn.execute(
        text(
            "insert into unit_manager (tenant_id, org_unit_id, user_id, duty)"
            " values (:t, :unit, :uid, :d)"
        ),
        {"t": tenant_id, "unit": unit_id, "uid": user_id(conn, username), "d": duty},
    )


def make_risk_point(
    conn: Connection,
    tenant_id: int,
    unit_id: int,
    name: str = "冲压机",
    level: str = "general",
    frequency: str = "daily",
    measures: tuple[tuple[str, str], ...] = (("engineering", "防护罩完好"),),
) -> int:
    """A risk point (already graded) with its control measures."""
    control = {"major": "company", "significant": "department", "general": "workshop"}
    rp = int(
        conn.execute(
            text(
                "insert into risk_point (tenant_id, org_unit_id, name, kind, inspection_frequency,"
                " method, level, control_level, accident_types, hazard_factors)"
                " values (:t, :u, :n, 'equipment', :f, 'direct', :l, :c,"
                " '{machinery}', '{thing}') returning id"
            ),
            {
                "t": tenant_id,
                "u": unit_id,
                "n": name,
                "f": frequency,
                "l": level,
                "c": control.get(level, "post"),
            },
        ).scalar_one()
    )
    for i, (kind, content) in enumerate(measures):
        conn.execute(
            text(
                "insert into control_measure (tenant_id, risk_point_id, kind, content, sort)"
                " values (:t, :rp, :k, :c, :s)"
            ),
            {"t": tenant_id, "rp": rp, "k": kind, "c": content, "s": i},
        )
    return rp
