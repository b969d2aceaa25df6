"""Shared set-up of the supervision tests: the principals of the demo city's accounts, read
from their memberships (government and sector officers, enterprise people)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.principal import Principal


def gov_principal(conn: Connection, username: str) -> Principal:
    """The principal of a government or sector account (its first membership): grid, town,
    bureau, city, edu, health, command, zhifa …"""
    row = conn.execute(
        text(
            "select u.id, u.display_name, g.role, j.path::text as scope, j.name as scope_name,"
            " b.kind as body_kind, b.sector"
            " from app_user u join gov_membership g on g.user_id = u.id"
            " join gov_body b on b.id = g.gov_body_id join jurisdiction j on j.id = g.jurisdiction_id"
            " where u.username = :u order by g.id limit 1"
        ),
        {"u": username},
    ).one()
    return Principal(
        kind="sector" if row.body_kind == "sector_department" else "gov",
        user_id=int(row.id),
        role=row.role,
        scope=row.scope,
        sector=row.sector,
        display_name=row.display_name,
        scope_name=row.scope_name,
    )


def enterprise_principal(conn: Connection, username: str) -> Principal:
    """The principal of an enterprise account (boss, safety, worker …)."""
    row = conn.execute(
        text(
            "select u.id, u.display_name, m.role, m.tenant_id from app_user u"
            " join tenant_membership m on m.user_id = u.id where u.username = :u"
        ),
        {"u": username},
    ).one()
    return Principal(
        kind="enterprise",
        user_id=int(row.id),
        role=row.role,
        tenant_id=int(row.tenant_id),
        display_name=row.display_name,
    )
