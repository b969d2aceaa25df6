"""Loading the demo city: one transaction as the owner, every table filled with COPY."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg

from anwang.platform.identity.passwords import hash_password
from anwang.platform.seed import dual_prevention as dp
from anwang.platform.seed.build import SCALES, Builder, CityRows, EnterpriseRow

DEMO_PASSWORD = "anwang123"
# Raised whenever the seed makes different rows; bench/ rebuilds databases of older versions.
DATA_VERSION = 3
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
# log in noise. Only these named triggers are switched off, inside the seed's own transaction
# (ALTER TABLE takes a lock no other session can pass until the commit), and switched on again
# before the commit; any other trigger, and every foreign key and check, still applies.
def _domain_triggers(table: str) -> list[str]:
    names = [f"{table}_audit", f"{table}_audit_insert"]
    if "jurisdiction_path" in dp.COLUMNS[table]:
        names.append(f"{table}_scope")
    if table == "org_unit":
        names.append("org_unit_path")
    return names


def _switch_triggers(cur: psycopg.Cursor[Any], on: bool) -> None:
    verb = "enable" if on else "disable"
    for table in dp.TABLES:
        clauses = ", ".join(f"{verb} trigger {name}" for name in _domain_triggers(table))
        cur.execute(f"alter table {table} {clauses}")


def _load_domain(
    cur: psycopg.Cursor[Any], rows: CityRows, seed: int, today: date | None, report: Progress
) -> dict[str, int]:
    """Every tenant's org tree, risk register, checks and hazards, chunk by chunk."""
    tenants = [
        dp.Tenant(e.id, e.name, e.kind, e.site_type, e.industry, e.scale, e.lon, e.lat,
                  e.jurisdiction_path, e.sector, e.legal_representative, rows.people[e.id],
                  demo=e.id == rows.demo_tenant)
        for e in rows.enterprise
    ]  # fmt: skip
    dp.hazard_counts(tenants, seed)
    last = {
        t: cur.execute(f"select coalesce(max(id), 0) from {t}").fetchone()[0]  # type: ignore[index]
        for t in dp.WITH_ID
    }
    counts = dict.fromkeys(dp.TABLES, 0)
    _switch_triggers(cur, on=False)
    for table in dp.TABLES:
        report(dp.STAGES[table], 0, len(tenants))
    for done, chunk in dp.build_chunks(tenants, seed, last, dp.clock_for(today)):
        for table in dp.TABLES:
            batch = chunk.tables[table]
            if batch:
                with cur.copy(f"copy {table} ({', '.join(dp.COLUMNS[table])}) from stdin") as cp:
                    for row in batch:
                        cp.write_row(row)
            counts[table] += len(batch)
            report(dp.STAGES[table], done, len(tenants))
    _switch_triggers(cur, on=True)
    for table in dp.WITH_ID:
        cur.execute(
            f"select setval(pg_get_serial_sequence('{table}', 'id'),"
            f" greatest((select max(id) from {table}), 1))"
        )
    return counts


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


def seed_city(
    owner_url: str,
    scale: str = "small",
    seed: int = 1,
    progress: Progress | None = None,
    today: date | None = None,
) -> SeedSummary:
    """Build the deterministic demo city 苏州市 into an empty, migrated database. The
    enterprise-side history (ten months of checks and hazards) ends at midnight, Beijing time,
    of `today` (default: the current day): the same scale, seed and day give the same rows."""
    if scale not in SCALES:
        raise ValueError(f"未知规模 {scale!r}，可选：{'、'.join(SCALES)} / unknown scale")
    report: Progress = progress or (lambda _stage, _done, _total: None)
    started = time.perf_counter()
    with psycopg.connect(owner_url) as conn, conn.cursor() as cur:
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
        _copy(cur, "jurisdiction", areas, report)
        for table in COLUMNS:
            if table != "jurisdiction":
                _copy(cur, table, getattr(rows, table), report)
        domain = _load_domain(cur, rows, seed, today, report)
        report("收尾", 0, 1)
        for table in WITH_ID:
            cur.execute(
                f"select setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (select max(id) from {table}))"
            )
        # Fresh statistics, so the first queries after seeding get sensible plans.
        cur.execute(f"analyze {', '.join((*COLUMNS, *dp.TABLES))}, audit_event")
        report("收尾", 1, 1)
    return SeedSummary(
        jurisdictions=len(areas),
        enterprises=len(rows.enterprise) - rows.public_sites,
        public_sites=rows.public_sites,
        users=len(rows.app_user),
        seconds=time.perf_counter() - started,
        gov_bodies=len(rows.gov_body),
        logins=rows.logins,
        domain_rows=domain,
    )
