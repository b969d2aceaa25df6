"""Shared set-up of the spot-check tests: principals of the demo's accounts, switching the
acting principal inside one transaction, the areas' populations as the owner sees them, and
clean-up of draws committed by HTTP and browser tests."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.principal import Principal


def gov_principal(conn: Connection, username: str) -> Principal:
    """The principal of a government or sector account (its first membership)."""
    row = conn.execute(
        text(
            "select u.id, u.display_name, g.role, j.path::text as scope, j.name as scope_name,"
            " b.kind as body_kind, b.sector"
            " from app_user u join gov_membership g on g.user_id = u.id"
            " join gov_body b on b.id = g.gov_body_id"
            " join jurisdiction j on j.id = g.jurisdiction_id"
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


async def act_as(db: AsyncSession, p: Principal) -> None:
    """Switch the acting principal inside the open transaction (the application role may
    take every principal's role), to look at what another user sees of uncommitted rows."""
    s = p.settings()
    await db.execute(
        text(
            "select set_config('role', :role, true), set_config('anwang.user_id', :uid, true),"
            " set_config('anwang.tenant_id', :tid, true), set_config('anwang.scope', :scope, true),"
            " set_config('anwang.sector', :sector, true)"
        ),
        {
            "role": s["role"],
            "uid": s["anwang.user_id"],
            "tid": s["anwang.tenant_id"],
            "scope": s["anwang.scope"],
            "sector": s["anwang.sector"],
        },
    )


def active_ids(conn: Connection, path: str, sector: str | None = None) -> list[int]:
    """The active enterprises (and sites) under `path`, ascending, as the owner sees them."""
    sql = (
        "select id from enterprise where status = 'active'"
        " and jurisdiction_path <@ cast(:p as ltree)"
    )
    if sector:
        sql += " and sector = :s"
    rows = conn.execute(text(sql + " order by id"), {"p": path, "s": sector})
    return [int(i) for (i,) in rows]


def user_ids(conn: Connection, *usernames: str) -> list[int]:
    rows = conn.execute(
        text("select username, id from app_user where username = any(:u)"), {"u": list(usernames)}
    )
    found = {u: int(i) for u, i in rows}
    return [found[u] for u in usernames]


def delete_draws(conn: Connection, spot_check_ids: list[int]) -> None:
    """Remove committed draws with their targets and findings, and the hazards the findings
    opened (with their timeline and photos)."""
    if not spot_check_ids:
        return
    hazards = [
        (int(t), int(h))
        for t, h in conn.execute(
            text(
                "select tenant_id, hazard_id from spot_check_finding"
                " where spot_check_id = any(:ids) and hazard_id is not null"
            ),
            {"ids": spot_check_ids},
        )
    ]
    orders = [
        int(o)
        for (o,) in conn.execute(
            text(
                "select order_id from spot_check_finding"
                " where spot_check_id = any(:ids) and order_id is not null"
            ),
            {"ids": spot_check_ids},
        )
    ]
    conn.execute(text("delete from spot_check where id = any(:ids)"), {"ids": spot_check_ids})
    if orders:
        conn.execute(text("delete from supervision_order where id = any(:o)"), {"o": orders})
    for tenant, hazard in hazards:
        delete_hazard(conn, tenant, hazard)


def delete_hazard(conn: Connection, tenant_id: int, hazard_id: int) -> None:
    params = {"t": tenant_id, "h": hazard_id}
    conn.execute(
        text("update check_result set hazard_id = null where tenant_id = :t and hazard_id = :h"),
        params,
    )
    conn.execute(
        text(
            "delete from attachment where tenant_id = :t and subject_table = 'hazard'"
            " and subject_id = :h"
        ),
        params,
    )
    conn.execute(
        text(
            "delete from alarm where tenant_id = :t and subject_table = 'hazard' and subject_id = :h"
        ),
        params,
    )
    conn.execute(text("delete from hazard_event where tenant_id = :t and hazard_id = :h"), params)
    conn.execute(text("delete from hazard where tenant_id = :t and id = :h"), params)
