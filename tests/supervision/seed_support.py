"""Test rows in every table of the government side (migrations 0008–0012), one per "side":
an enterprise in each of the demo district's two towns (`a` in 城厢镇's first grid, the demo
tenant; `b` in 沙溪镇), a school (education) and a hospital (health). Rows without a tenant
(rules, cycles, draws, area figures) are placed at the side's grid, with the site's sector for
the sites. `insert(conn, table, side, made)` writes one row with any connection (owner or a
principal's) and returns the key that finds it again; `made` holds the keys of the rows it
refers to (a visit's assignment …)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.principal import Principal

# Every table the government side added, in the order rows are made (references first).
TABLES = (
    "patrol_rule",
    "patrol_cycle",
    "patrol_assignment",
    "patrol_visit",
    "patrol_alarm",
    "spot_check",
    "spot_check_target",
    "spot_check_finding",
    "supervision_order",
    "supervision_order_event",
    "dangerous_operation",
    "enterprise_figures",
    "enterprise_month",
    "area_figures",
    "area_month",
)
# Tables of 0008–0012 no government principal reads row by row: the roll-ups' work queue
# (system only) and their one-row state (everyone reads it, nobody writes it).
NOT_SCOPED = ("figures_dirty", "rollup_state")
# Already there for every place and enterprise (the seed rebuilds the figures): found, not made.
EXISTING = ("enterprise_figures", "area_figures")
# What government (and sector) principals may write in their scope; elsewhere they only read.
GOV_WRITES = frozenset(TABLES[:10])
# The enterprise reads its own rows here (nothing of the others).
ENTERPRISE_READS = frozenset({
    "patrol_assignment", "patrol_visit", "spot_check", "spot_check_target",
    "spot_check_finding", "supervision_order", "supervision_order_event",
    "dangerous_operation", "enterprise_figures", "enterprise_month",
})  # fmt: skip
# ... and writes its own rows here: its permits, and the timeline of an order addressed to it.
ENTERPRISE_WRITES = frozenset({"dangerous_operation", "supervision_order_event"})
SIDES = ("a", "b", "edu", "health")

Key = dict[str, Any]
Made = dict[tuple[str, str], Key]


@dataclass(frozen=True)
class Side:
    name: str
    tenant: int
    tenant_path: str
    tenant_sector: str
    grid: int
    grid_path: str
    town_path: str
    district: int
    district_path: str
    sector: str | None  # the sector of the side's area rows: None for the bureau's
    officer: int  # a government user named as actor

    @property
    def tag(self) -> str:
        return f"RLS契约测试-{self.name}"


def _one(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).one()


def sides(conn: Connection) -> dict[str, Side]:
    """The four sides in the demo district, read from the seeded city."""
    district_id, district_path = _one(
        conn, "select id, path::text from jurisdiction where code = '320585'"
    )
    officer = _one(conn, "select id from app_user where username = 'bureau'")[0]
    picks = {
        "a": "select min(id) from enterprise where kind = 'enterprise'"
        " and jurisdiction_path <@ '320500.320585.320585100'",
        "b": "select min(id) from enterprise where kind = 'enterprise'"
        " and jurisdiction_path <@ '320500.320585.320585101'",
        "edu": "select min(id) from enterprise where site_type = 'school'",
        "health": "select min(id) from enterprise where site_type = 'hospital'",
    }
    out = {}
    for name, sql in picks.items():
        tenant = _one(conn, sql)[0]
        path, sector, grid = _one(
            conn,
            "select jurisdiction_path::text, sector, jurisdiction_id from enterprise where id = :t",
            t=tenant,
        )
        area_sector = sector if name in ("edu", "health") else None
        out[name] = Side(name, tenant, path, sector, grid, path, path.rsplit(".", 1)[0],
                         district_id, district_path, area_sector, officer)  # fmt: skip
    return out


def _returning(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).scalar_one()


def _rule(c: Connection, s: Side, made: Made) -> Key:
    rid = _returning(
        c,
        "insert into patrol_rule (jurisdiction_id, jurisdiction_path, sector, patrol_kind,"
        " cycle_months) values (:j, cast(:p as ltree), :s, 'self_check', 5) returning id",
        j=s.grid, p=s.grid_path, s=s.sector,
    )  # fmt: skip
    return {"id": rid}


def _cycle(c: Connection, s: Side, made: Made) -> Key:
    kind = "sector" if s.sector else "grid"
    cid = _returning(
        c,
        "insert into patrol_cycle (patrol_kind, jurisdiction_id, jurisdiction_path, sector,"
        " seq, starts_on, ends_on) values (:k, :j, cast(:p as ltree), :s, 1, '2099-01-01',"
        " '2099-02-28') returning id",
        k=kind, j=s.grid, p=s.grid_path, s=s.sector,
    )  # fmt: skip
    return {"id": cid}


def _assignment(c: Connection, s: Side, made: Made) -> Key:
    aid = _returning(
        c,
        "insert into patrol_assignment (tenant_id, cycle_id, inspector_user_id, due_on)"
        " values (:t, :c, :u, '2099-01-15') returning id",
        t=s.tenant, c=made["patrol_cycle", s.name]["id"], u=s.officer,
    )  # fmt: skip
    return {"tenant_id": s.tenant, "id": aid}


def _visit(c: Connection, s: Side, made: Made) -> Key:
    vid = _returning(
        c,
        "insert into patrol_visit (tenant_id, assignment_id, inspector_user_id, patrol_kind,"
        " idempotency_key, checked_in_at) values (:t, :a, :u, 'grid', :k, now()) returning id",
        t=s.tenant, a=made["patrol_assignment", s.name]["id"], u=s.officer,
        k=uuid.uuid5(uuid.NAMESPACE_URL, f"anwang-rls-contract-{s.name}"),
    )  # fmt: skip
    return {"tenant_id": s.tenant, "id": vid}


def _alarm(c: Connection, s: Side, made: Made) -> Key:
    lid = _returning(
        c,
        "insert into patrol_alarm (tenant_id, assignment_id, cycle_id, inspector_user_id,"
        " patrol_kind, kind, severity, message, due_on) values (:t, :a, :c, :u, 'grid',"
        " 'patrol_missed', 'alarm', :m, '2099-02-28') returning id",
        t=s.tenant, a=made["patrol_assignment", s.name]["id"],
        c=made["patrol_cycle", s.name]["id"], u=s.officer, m=s.tag,
    )  # fmt: skip
    return {"tenant_id": s.tenant, "id": lid}


def _spot_check(c: Connection, s: Side, made: Made) -> Key:
    sid = _returning(
        c,
        "insert into spot_check (title, jurisdiction_id, jurisdiction_path, sector,"
        " population_ids, sample_size, seed, review_from, review_to, status, drawn_by,"
        " published_at) values (:title, :j, cast(:p as ltree), :s, array[:t]::bigint[], 1, 42,"
        " '2099-01-01', '2099-01-31', 'published', :u, now()) returning id",
        title=s.tag, j=s.grid, p=s.grid_path, s=s.sector, t=s.tenant, u=s.officer,
    )  # fmt: skip
    return {"id": sid}


def _target(c: Connection, s: Side, made: Made) -> Key:
    sid = made["spot_check", s.name]["id"]
    c.execute(
        text(
            "insert into spot_check_target (tenant_id, spot_check_id, position, verdict)"
            " values (:t, :s, 1, 'fail')"
        ),
        {"t": s.tenant, "s": sid},
    )
    return {"tenant_id": s.tenant, "spot_check_id": sid}


def _finding(c: Connection, s: Side, made: Made) -> Key:
    fid = _returning(
        c,
        "insert into spot_check_finding (tenant_id, spot_check_id, item, verdict, note,"
        " decided_by) values (:t, :s, 'other', 'fail', :n, :u) returning id",
        t=s.tenant, s=made["spot_check", s.name]["id"], n=s.tag, u=s.officer,
    )  # fmt: skip
    return {"tenant_id": s.tenant, "id": fid}


def _order(c: Connection, s: Side, made: Made) -> Key:
    oid = _returning(
        c,
        "insert into supervision_order (subject, tenant_id, issuer_user_id,"
        " issuer_jurisdiction_id, jurisdiction_path, sector, title, deadline)"
        " values ('enterprise', :t, :u, :d, cast(:p as ltree), :s, :title, '2099-01-31')"
        " returning id",
        t=s.tenant, u=s.officer, d=s.district, p=s.tenant_path, s=s.sector, title=s.tag,
    )  # fmt: skip
    return {"id": oid}


def _order_event(c: Connection, s: Side, made: Made) -> Key:
    eid = _returning(
        c,
        "insert into supervision_order_event (order_id, jurisdiction_path, sector, action,"
        " to_status, note) values (:o, cast(:p as ltree), :s, 'respond', 'responded', :n)"
        " returning id",
        o=made["supervision_order", s.name]["id"], p=s.tenant_path, s=s.sector, n=s.tag,
    )  # fmt: skip
    return {"id": eid}


def _operation(c: Connection, s: Side, made: Made) -> Key:
    oid = _returning(
        c,
        "insert into dangerous_operation (tenant_id, kind, permit_no, location, content,"
        " supervisor, valid_from, valid_to) values (:t, 'confined_space', :n, '污水池', '清淤',"
        " '张三', now() + interval '1 day', now() + interval '1 day 4 hours') returning id",
        t=s.tenant, n=s.tag,
    )  # fmt: skip
    return {"tenant_id": s.tenant, "id": oid}


def _enterprise_figures(c: Connection, s: Side, made: Made) -> Key:
    c.execute(
        text(
            "insert into enterprise_figures (tenant_id, jurisdiction_id, jurisdiction_path,"
            " sector, kind, status, as_of) values (:t, :j, cast(:p as ltree), :s, 'enterprise',"
            " 'active', current_date)"
        ),
        {"t": s.tenant, "j": s.grid, "p": s.tenant_path, "s": s.tenant_sector},
    )
    return {"tenant_id": s.tenant}


def _enterprise_month(c: Connection, s: Side, made: Made) -> Key:
    c.execute(
        text(
            "insert into enterprise_month (tenant_id, month, jurisdiction_path, sector, found)"
            " values (:t, '2099-01-01', cast(:p as ltree), :s, 1)"
        ),
        {"t": s.tenant, "p": s.tenant_path, "s": s.tenant_sector},
    )
    return {"tenant_id": s.tenant, "month": "2099-01-01"}


def _area_figures(c: Connection, s: Side, made: Made) -> Key:
    c.execute(
        text(
            "insert into area_figures (jurisdiction_id, sector, level, jurisdiction_path, as_of)"
            " values (:j, :s, 'grid', cast(:p as ltree), current_date)"
        ),
        {"j": s.grid, "s": s.sector or "", "p": s.grid_path},
    )
    return {"jurisdiction_id": s.grid, "sector": s.sector or ""}


def _area_month(c: Connection, s: Side, made: Made) -> Key:
    c.execute(
        text(
            "insert into area_month (jurisdiction_id, sector, month, jurisdiction_path, found)"
            " values (:j, :s, '2099-01-01', cast(:p as ltree), 1)"
        ),
        {"j": s.grid, "s": s.sector or "", "p": s.grid_path},
    )
    return {"jurisdiction_id": s.grid, "sector": s.sector or "", "month": "2099-01-01"}


BUILDERS: dict[str, Callable[[Connection, Side, Made], Key]] = {
    "patrol_rule": _rule,
    "patrol_cycle": _cycle,
    "patrol_assignment": _assignment,
    "patrol_visit": _visit,
    "patrol_alarm": _alarm,
    "spot_check": _spot_check,
    "spot_check_target": _target,
    "spot_check_finding": _finding,
    "supervision_order": _order,
    "supervision_order_event": _order_event,
    "dangerous_operation": _operation,
    "enterprise_figures": _enterprise_figures,
    "enterprise_month": _enterprise_month,
    "area_figures": _area_figures,
    "area_month": _area_month,
}


def insert(conn: Connection, table: str, side: Side, made: Made) -> Key:
    return BUILDERS[table](conn, side, made)


def existing_key(table: str, side: Side) -> Key:
    """The key of the row the seed made for this side in a table of EXISTING."""
    if table == "enterprise_figures":
        return {"tenant_id": side.tenant}
    return {"jurisdiction_id": side.grid, "sector": side.sector or ""}


def where(key: Key) -> str:
    return " and ".join(f"{column} = :{column}" for column in key)


def count(conn: Connection, table: str, key: Key) -> int:
    """How many rows with this key the connection sees (the first key column is counted, so
    an enterprise with column grants on a table can ask too)."""
    first = next(iter(key))
    sql = f"select count({first}) from {table} where {where(key)}"
    return int(conn.execute(text(sql), key).scalar_one())


def make_all(conn: Connection, all_sides: dict[str, Side]) -> Made:
    """One row per table and side (the seed's own rows for EXISTING)."""
    made: Made = {}
    for table in TABLES:
        for name, side in all_sides.items():
            if table in EXISTING:
                made[table, name] = existing_key(table, side)
            else:
                made[table, name] = insert(conn, table, side, made)
    return made


def remove_all(conn: Connection, made: Made) -> None:
    """Delete the rows make_all made, references first."""
    for table in reversed(TABLES):
        if table in EXISTING:
            continue
        for (t, _), key in made.items():
            if t == table:
                conn.execute(text(f"delete from {table} where {where(key)}"), key)


# --- principals ---------------------------------------------------------------------------


def user(conn: Connection, username: str) -> int:
    return int(_one(conn, "select id from app_user where username = :u", u=username)[0])


def principals(conn: Connection, s: dict[str, Side]) -> dict[str, Principal]:
    """Who looks: each side's town officer, the district officer, side a's grid inspector,
    the education and health officers, and the enterprises of sides a and b."""
    boss_b = _one(
        conn,
        "select m.user_id from tenant_membership m where m.tenant_id = :t and m.role = 'boss'"
        " order by m.user_id limit 1",
        t=s["b"].tenant,
    )[0]
    district = s["a"].district_path
    return {
        "town_a": Principal("gov", user(conn, "town"), "officer", scope=s["a"].town_path),
        "town_b": Principal("gov", user(conn, "town320585101"), "officer", scope=s["b"].town_path),
        "district": Principal("gov", user(conn, "bureau"), "officer", scope=district),
        "grid_a": Principal("gov", user(conn, "grid"), "grid_inspector", scope=s["a"].grid_path),
        "edu": Principal(
            "sector", user(conn, "edu"), "sector_officer", scope=district, sector="education"
        ),
        "health": Principal(
            "sector", user(conn, "health"), "sector_officer", scope=district, sector="health"
        ),
        "ent_a": Principal("enterprise", user(conn, "boss"), "boss", tenant_id=s["a"].tenant),
        "ent_b": Principal("enterprise", int(boss_b), "boss", tenant_id=s["b"].tenant),
    }
