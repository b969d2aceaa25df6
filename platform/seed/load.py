"""Loading the demo city: one transaction as the owner, every table filled with COPY, the
patrol cycles planned and the roll-up figures computed by the application's own functions
on the same connection."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from anwang.platform.db import to_sqlalchemy_url
from anwang.platform.identity.passwords import hash_password
from anwang.platform.seed import dual_prevention as dp
from anwang.platform.seed import supervision as gov
from anwang.platform.seed.build import SCALES, Builder, CityRows, EnterpriseRow
from anwang.platform.seed.tenant_supervision import operation_counts

DEMO_PASSWORD = "anwang123"
# Raised whenever the seed makes different rows; bench/ rebuilds databases of older versions.
DATA_VERSION = 5
BATCH = 2000  # rows per COPY: the audit triggers fire per statement, so progress stays live

Progress = Callable[[str, int, int], None]

COLUMNS: dict[str, tuple[str, ...]] = {
    "jurisdiction": ("id", "code", "name", "level", "parent_id", "path", "center_lon",
                     "center_lat", "boundary"),
    "gov_body": ("id", "name", "kind", "sector", "jurisdiction_id"),
    "enterprise": EnterpriseRow._fields,
    "app_user": ("id", "username", "display_name", "phone", "password_hash"),
    "tenant_membership": ("tenant_id", "user_id", "role"),
    "gov_membership": ("id", "user_id", "gov_body_id", "jurisdiction_id", "role"),
}  # fmt: skip
STAGES = {
    "jurisdiction": "写入辖区",
    "gov_body": "写入政府部门",
    "enterprise": "写入企业和公共场所",
    "app_user": "写入用户",
    "tenant_membership": "写入企业成员",
    "gov_membership": "写入政府人员",
}
WITH_ID = ("jurisdiction", "gov_body", "enterprise", "app_user", "gov_membership")
# Taicang's dangerous operations managed online in ten months (MISSION.md, seed 004).
TAICANG_OPERATIONS = 2_140


@dataclass
class SeedSummary:
    jurisdictions: int
    enterprises: int
    public_sites: int
    users: int
    seconds: float
    gov_bodies: int = 0
    # (username, role in Chinese, scope name) of the memorable demo accounts
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    # rows written per enterprise-side table (org_unit, risk_point, hazard, …)
    domain_rows: dict[str, int] = field(default_factory=dict)
    # rows of the government side: patrol cycles, assignments, visits, spot checks, orders …
    supervision_rows: dict[str, int] = field(default_factory=dict)


def _refuse_unless_empty(cur: psycopg.Cursor[Any]) -> None:
    if cur.execute("select to_regclass('public.enterprise')").fetchone() == (None,):
        raise ValueError(
            "数据库尚未迁移，请先执行 anwang migrate / The database is not migrated yet."
        )
    # Serialises concurrent seeders: the second waits here, then finds the data and stops.
    cur.execute("lock table enterprise in share row exclusive mode")
    if cur.execute("select exists (select 1 from enterprise)").fetchone() == (True,):
        raise ValueError(
            "数据库中已有企业数据，不能重复生成演示城市；请使用空数据库 / "
            "The database already has enterprises; refusing to seed the demo city again."
        )


# The enterprise-side tables are loaded with their per-row audit and scope triggers off (and
# org_unit's path trigger): the seed writes jurisdiction_path, sector and path itself, and
# millions of demo rows through audit_row_change would double the load time and bury the audit
# log in noise. The government tables' audit triggers and the roll-up marking triggers are off
# too (the figures are rebuilt from everything at the end). Only these named triggers are
# switched off, inside the seed's own transaction (ALTER TABLE takes a lock no other session
# can pass until the commit), and switched on again before the commit; any other trigger, and
# every foreign key and check, still applies.
def _domain_triggers(table: str) -> list[str]:
    names = [f"{table}_audit", f"{table}_audit_insert"]
    if "jurisdiction_path" in dp.COLUMNS[table]:
        names.append(f"{table}_scope")
    if table == "org_unit":
        names.append("org_unit_path")
    return names


def _load_domain(
    cur: psycopg.Cursor[Any],
    rows: CityRows,
    seed: int,
    clock: datetime,
    report: Progress,
    targets: dict[int, list[Any]],
    prepare: Callable[[list[dp.Tenant]], None],
) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    """Every tenant's org tree, risk register, checks, hazards, patrol visits, spot-check
    verdicts and dangerous operations, chunk by chunk. Returns the rows per table and the
    patrol assignments visited."""
    tenants = [
        dp.Tenant(e.id, e.name, e.kind, e.site_type, e.industry, e.scale, e.lon, e.lat,
                  e.jurisdiction_path, e.sector, e.legal_representative, rows.people[e.id],
                  demo=e.id == rows.demo_tenant, targets=targets.get(e.id, []))
        for e in rows.enterprise
    ]  # fmt: skip
    dp.hazard_counts(tenants, seed)
    operation_counts(tenants, seed, TAICANG_OPERATIONS, dp.TAICANG_ENTERPRISES)
    last = {
        t: cur.execute(f"select coalesce(max(id), 0) from {t}").fetchone()[0]  # type: ignore[index]
        for t in dp.WITH_ID
    }
    counts = dict.fromkeys(dp.TABLES, 0)
    visited: list[tuple[Any, ...]] = []
    for table in dp.TABLES:
        report(dp.STAGES[table], 0, len(tenants))
    for done, chunk in dp.build_chunks(tenants, seed, last, clock, prepare=prepare):
        for table in dp.TABLES:
            batch = chunk.tables[table]
            if batch:
                with cur.copy(f"copy {table} ({', '.join(dp.COLUMNS[table])}) from stdin") as cp:
                    for row in batch:
                        cp.write_row(row)
            counts[table] += len(batch)
            report(dp.STAGES[table], done, len(tenants))
        visited += chunk.assignment_updates
    for table in dp.WITH_ID:
        cur.execute(
            f"select setval(pg_get_serial_sequence('{table}', 'id'),"
            f" greatest((select max(id) from {table}), 1))"
        )
    return counts, visited


def _copy(
    cur: psycopg.Cursor[Any], table: str, rows: Sequence[Sequence[Any]], progress: Progress
) -> None:
    stage = STAGES[table]
    progress(stage, 0, len(rows))
    statement = f"copy {table} ({', '.join(COLUMNS[table])}) from stdin"
    for start in range(0, len(rows), BATCH):
        with cur.copy(statement) as copy:
            for row in rows[start : start + BATCH]:
                copy.write_row(row)
        progress(stage, min(start + BATCH, len(rows)), len(rows))


def _count(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"select count(*) from {table}")).scalar_one())


def seed_city(
    owner_url: str,
    scale: str = "small",
    seed: int = 1,
    progress: Progress | None = None,
    today: date | None = None,
) -> SeedSummary:
    """Build the deterministic demo city 苏州市 into an empty, migrated database. The
    history (ten months of checks, hazards, patrols, spot checks, orders and dangerous
    operations) ends at midnight, Beijing time, of `today` (default: the current day): the
    same scale, seed and day give the same rows."""
    if scale not in SCALES:
        raise ValueError(f"未知规模 {scale!r}，可选：{'、'.join(SCALES)} / unknown scale")
    report: Progress = progress or (lambda _stage, _done, _total: None)
    started = time.perf_counter()
    clock = dp.clock_for(today)
    months = dp.month_starts(clock)
    # One transaction on one connection: COPY through psycopg, and the patrol planner, the
    # orders' escalation and the roll-up rebuild through SQLAlchemy on the same connection.
    engine = create_engine(to_sqlalchemy_url(owner_url), poolclass=NullPool)
    try:
        with engine.begin() as sa:
            raw = sa.connection.driver_connection
            assert isinstance(raw, psycopg.Connection)
            with raw.cursor() as cur:
                summary = _seed(sa, cur, scale, seed, clock, months, report)
    finally:
        engine.dispose()
    summary.seconds = time.perf_counter() - started
    return summary


def _seed(
    sa: Connection,
    cur: psycopg.Cursor[Any],
    scale: str,
    seed: int,
    clock: datetime,
    months: list[date],
    report: Progress,
) -> SeedSummary:
    _refuse_unless_empty(cur)
    last_ids = {
        t: cur.execute(f"select coalesce(max(id), 0) from {t}").fetchone()[0]  # type: ignore[index]
        for t in WITH_ID
    }
    # One hash for every demo account: argon2 is deliberately slow, per user it takes minutes.
    builder = Builder(scale, seed, last_ids, hash_password(DEMO_PASSWORD))
    rows = builder.build(lambda done, total: report("生成演示数据", done, total))
    areas = [
        (a.id, a.code, a.name, a.level, a.parent.id if a.parent else None, a.path,
         *a.rect.center, a.rect.geojson())
        for a in rows.areas
    ]  # fmt: skip
    triggers = gov.triggers_to_switch(cur, {t: _domain_triggers(t) for t in dp.TABLES})
    gov.switch_triggers(cur, triggers, on=False)
    _copy(cur, "jurisdiction", areas, report)
    for table in COLUMNS:
        if table != "jurisdiction":
            _copy(cur, table, getattr(rows, table), report)
    for table in WITH_ID:
        cur.execute(
            f"select setval(pg_get_serial_sequence('{table}', 'id'), (select max(id) from {table}))"
        )

    report("规划巡查周期", 0, 1)
    cycles = gov.plan_patrols(sa, clock, months)
    report("规划巡查周期", 1, 1)
    report("生成双随机抽查", 0, 1)
    first_order = int(sa.execute(text("select coalesce(max(id), 0) from supervision_order"))
                      .scalar_one())  # fmt: skip
    order_ids = iter(range(first_order + 1, first_order + 10_000_000))
    next_order = order_ids.__next__
    first_draw = int(sa.execute(text("select coalesce(max(id), 0) from spot_check")).scalar_one())
    spot = gov.plan_spot_checks(rows, seed, clock, months, first_draw, next_order)
    gov.copy_rows(cur, "spot_check", gov.SPOT_CHECK_COLUMNS, spot.spot_checks)
    gov.copy_rows(cur, "spot_check_target", gov.TARGET_COLUMNS, spot.targets)
    cur.execute(
        "select setval(pg_get_serial_sequence('spot_check', 'id'),"
        " greatest((select max(id) from spot_check), 1))"
    )
    report("生成双随机抽查", 1, 1)

    domain, visited = _load_domain(
        cur, rows, seed, clock, report, spot.by_tenant, gov.assignment_loader(sa, seed)
    )
    report("更新巡查任务", 0, 1)
    missed = gov.finish_patrols(sa, cur, visited, clock)
    report("更新巡查任务", 1, 1)
    report("写入督办", 0, 1)
    orders = gov.seed_orders(sa, cur, rows, seed, clock, months, spot, next_order)
    report("写入督办", 1, 1)
    gov.switch_triggers(cur, triggers, on=True)

    report("计算辖区统计", 0, 1)
    gov.rebuild_figures(sa, clock.date())
    report("计算辖区统计", 1, 1)
    report("收尾", 0, 1)
    # Fresh statistics, so the first queries after seeding get sensible plans.
    supervision_tables = ("patrol_cycle", "patrol_assignment", "patrol_alarm", "spot_check",
                          "spot_check_target", "supervision_order", "supervision_order_event")  # fmt: skip
    cur.execute(f"analyze {', '.join((*COLUMNS, *dp.TABLES, *supervision_tables))}, audit_event")
    report("收尾", 1, 1)
    return SeedSummary(
        jurisdictions=len(areas),
        enterprises=len(rows.enterprise) - rows.public_sites,
        public_sites=rows.public_sites,
        users=len(rows.app_user),
        seconds=0.0,
        gov_bodies=len(rows.gov_body),
        logins=rows.logins,
        domain_rows=domain,
        supervision_rows={
            "patrol_cycle": cycles,
            "patrol_assignment": _count(sa, "patrol_assignment"),
            "patrol_visit": domain["patrol_visit"],
            "patrol_missed": missed,
            "spot_check": len(spot.spot_checks),
            "spot_check_target": len(spot.targets),
            "supervision_order": orders,
            "dangerous_operation": domain["dangerous_operation"],
        },
    )
