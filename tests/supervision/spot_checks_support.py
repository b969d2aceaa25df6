"""Shared set-up of the spot-check tests: the areas' populations as the owner sees them, and
clean-up of draws committed by HTTP and browser tests."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection


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
