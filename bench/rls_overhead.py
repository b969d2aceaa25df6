"""Row-level security overhead: the same reads as the application role under a principal
versus the owner with the equivalent explicit WHERE, on a seeded demo city.

    .venv/bin/python -m bench.rls_overhead [--scale taicang] [--url OWNER_URL] [--repeat N]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import re
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, make_url

from anwang.platform.db import apply_principal, to_sqlalchemy_url
from anwang.platform.migrate import upgrade
from anwang.platform.principal import Principal
from anwang.platform.seed import seed_city
from anwang.platform.seed.load import DATA_VERSION

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET = 1.05

# name: (SQL with {where}, owner's WHERE for one tenant, owner's WHERE for a jurisdiction)
IN_SCOPE = "where jurisdiction_path <@ '{path}'"
QUERIES: dict[str, tuple[str, str, str]] = {
    "enterprises by industry, status": (
        "select industry, status, count(*) from enterprise {where} group by 1, 2 order by 1, 2",
        "where id = {tenant}",
        IN_SCOPE,
    ),
    "members by role": (
        "select role, count(*) from tenant_membership {where} group by 1 order by 1",
        "where tenant_id = {tenant}",
        IN_SCOPE,
    ),
    "hazards by state": (
        "select state, count(*) from hazard {where} group by 1 order by 1",
        "where tenant_id = {tenant}",
        IN_SCOPE,
    ),
    "overdue hazards by tier": (
        "select tier, count(*) from (select * from hazard {where}) h"
        " where state in ('confirmed', 'rectifying') and deadline < date '2026-11-24'"
        " group by 1 order by 1",
        "where tenant_id = {tenant}",
        IN_SCOPE,
    ),
    "audit events by table": (
        "select table_name, count(*) from audit_event {where} group by 1 order by 1",
        "where tenant_id = {tenant}",
        IN_SCOPE,
    ),
}


@dataclass
class Scope:
    label: str
    principal: Principal
    owner_where: dict[str, str]  # query name → explicit WHERE
    enterprises: int = 0


@dataclass
class Result:
    scope: str
    query: str
    owner: list[float]
    app: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.app) / statistics.median(self.owner)


def p95(xs: list[float]) -> float:
    return sorted(xs)[math.ceil(0.95 * len(xs)) - 1]


def bench_arguments(doc: str | None) -> argparse.ArgumentParser:
    """The options every bench takes: the scale of the demo city and the database server."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--scale", default="taicang", choices=("small", "taicang", "suzhou"))
    parser.add_argument("--url", default=os.environ.get("ANWANG_BENCH_URL", DEFAULT_URL),
                        help="a URL on the server whose user may create databases (the owner)")  # fmt: skip
    return parser


def bench_database(server_url: str, scale: str, fresh: bool) -> str:
    """The URL of anwang_bench_<scale>, created, migrated and seeded unless already so."""
    name = f"anwang_bench_{scale}"
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    # The marker names the seed's data version: a database seeded by an older seed is rebuilt.
    marker = f"anwang seed {scale} 1 data {DATA_VERSION}"
    with psycopg.connect(server_url, autocommit=True) as c:
        row = c.execute(
            "select shobj_description(oid, 'pg_database') from pg_database where datname = %s",
            (name,),
        ).fetchone()
        if row is not None and row[0] == marker and not fresh:
            upgrade(url)
            print(f"reusing {name} (seeded at scale {scale})")
            return url
        c.execute(f"drop database if exists {name} with (force)")
        c.execute(f"create database {name}")
    started = time.perf_counter()
    upgrade(url)
    summary = seed_city(url, scale, 1)
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f"comment on database {name} is '{marker}'")
        c.execute("vacuum analyze")  # visibility map set, as on a settled production database
    print(
        f"seeded {name}: {summary.enterprises} enterprises, {summary.public_sites} public sites,"
        f" {summary.users} users in {summary.seconds:.1f} s"
        f" (with migrations {time.perf_counter() - started:.1f} s)"
    )
    return url


def scopes(owner: Connection) -> list[Scope]:
    def one(sql: str) -> Any:
        return owner.exec_driver_sql(sql).one()

    tenant, user_id = one(
        "select m.tenant_id, u.id from app_user u join tenant_membership m on m.user_id = u.id"
        " where u.username = 'boss'"
    )
    # The scopes of the fixed demo logins: town (城厢镇), district (太仓市), city (苏州市).
    paths = [
        one(
            "select j.name, j.path::text from app_user u join gov_membership g on g.user_id = u.id"
            f" join jurisdiction j on j.id = g.jurisdiction_id where u.username = '{login}'"
        )
        for login in ("town", "bureau", "city")
    ]
    out = [
        Scope(
            "enterprise",
            Principal(kind="enterprise", tenant_id=tenant, user_id=user_id, role="boss"),
            {q: w[1].format(tenant=tenant) for q, w in QUERIES.items()},
        )
    ]
    for (name, path), level in zip(paths, ("town", "district", "city"), strict=True):
        out.append(
            Scope(
                f"{level} {name}",
                Principal(kind="gov", scope=path, role="officer"),
                {q: w[2].format(path=path) for q, w in QUERIES.items()},
            )
        )
    for s in out:
        where = s.owner_where[next(iter(QUERIES))]
        s.enterprises = owner.exec_driver_sql(
            f"select count(*) from enterprise {where}"
        ).scalar_one()
    return out


def server_ms(conn: Connection, sql: str) -> float:
    """Planning + execution time as the server reports it; TIMING OFF keeps the per-node
    clock calls out, so instrumentation does not weigh on the side with more plan nodes."""
    plan = conn.exec_driver_sql(f"explain (analyze, timing off, format json) {sql}").scalar_one()
    return float(plan[0]["Planning Time"] + plan[0]["Execution Time"])


_statement_ids = itertools.count()


def prepared(conn: Connection, name: str, sql: str) -> str:
    """Prepare `sql` on `conn` and return the statement that executes it. The application's
    queries run prepared (psycopg prepares a statement from its fifth execution on), so the
    plan, policies included, is made once per connection and role, not per call."""
    conn.exec_driver_sql(f"prepare {name} as {sql}")
    return f"execute {name}"


def measure(
    app: Connection, owner: Connection, scope: Scope, warmup: int, repeat: int, prepare: bool
) -> list[Result]:
    results = []
    for i, (name, (sql, _, _)) in enumerate(QUERIES.items()):
        app_sql = sql.format(where="")
        owner_sql = sql.format(where=scope.owner_where[name])
        if prepare:
            tag = f"q_{next(_statement_ids)}_{i}"
            app_sql = prepared(app, tag, app_sql)
            owner_sql = prepared(owner, tag, owner_sql)
        same = app.exec_driver_sql(app_sql).all() == owner.exec_driver_sql(owner_sql).all()
        assert same, f"{scope.label} / {name}: application and owner see different rows"
        for _ in range(warmup):
            server_ms(app, app_sql)
            server_ms(owner, owner_sql)
        r = Result(scope.label, name, [], [])
        for i in range(repeat):
            # Alternate who goes first, so drift (cache, autovacuum, CPU boost) hits both alike.
            pair = [(app, app_sql, r.app), (owner, owner_sql, r.owner)]
            for conn, q, into in pair if i % 2 else reversed(pair):
                into.append(server_ms(conn, q))
        if r.ratio > TARGET:
            for who, conn, q in (("application role", app, app_sql), ("owner", owner, owner_sql)):
                text = "\n".join(
                    row[0] for row in conn.exec_driver_sql(f"explain (analyze, buffers) {q}")
                )
                print(f"\n--- {scope.label} / {name}: plan as {who} ---\n{text}")
        results.append(r)
    return results


def machine(owner: Connection) -> list[str]:
    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
    settings = owner.exec_driver_sql(
        "select string_agg(name || '=' || setting, ', ' order by name) from pg_settings"
        " where name in ('jit', 'max_parallel_workers_per_gather', 'shared_buffers', 'work_mem')"
    ).scalar()
    return [
        f"- machine: {os.cpu_count()} CPUs (`nproc`), {int(mem[1]) / 1024**2 if mem else 0:.1f} GiB"
        f" RAM (`free -g`), {cpu[1] if cpu else 'unknown CPU'}",
        f"- PostgreSQL: {owner.exec_driver_sql('select version()').scalar()}",
        f"- server settings: {settings}",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average before the run"
        f" {os.getloadavg()[0]:.1f} (the machine is shared)",
    ]


def report(results: list[Result], scope_list: list[Scope], command: str, info: list[str]) -> str:
    """A Markdown block for docs/PERFORMANCE.md: command, machine, and the table."""
    rows = {s.label: s.enterprises for s in scope_list}
    lines = [
        f"Command: `{command}`",
        "",
        *info,
        "",
        "| scope | enterprises in scope | read | owner median (p95) ms | app median (p95) ms | app/owner |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in results:
        flag = "" if r.ratio <= TARGET else " ✗"
        lines.append(
            f"| {r.scope} | {rows[r.scope]:,} | {r.query}"
            f" | {statistics.median(r.owner):.3f} ({p95(r.owner):.3f})"
            f" | {statistics.median(r.app):.3f} ({p95(r.app):.3f}) | {r.ratio:.2f}{flag} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = bench_arguments(__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the bench database")
    args = parser.parse_args()

    url = bench_database(args.url, args.scale, args.fresh)
    app_url = make_url(url).set(username="anwang_app", password=None)
    owner_engine = create_engine(to_sqlalchemy_url(url))
    app_engine = create_engine(app_url.set(drivername="postgresql+psycopg"))
    sections = []
    worst: dict[str, float] = {}
    with owner_engine.connect() as owner:
        scope_list = scopes(owner)
        info = machine(owner)
        command = "python -m bench.rls_overhead " + " ".join(
            f"--{k} {v}" for k, v in (("scale", args.scale), ("repeat", args.repeat))
        )
        for mode, prepare in (("prepared", True), ("ad hoc", False)):
            results: list[Result] = []
            for scope in scope_list:
                with app_engine.connect() as app, app.begin():
                    apply_principal(app, scope.principal)
                    results += measure(app, owner, scope, args.warmup, args.repeat, prepare)
                owner.rollback()
            worst[mode] = max(r.ratio for r in results)
            sections.append(f"#### {mode}\n\n" + report(results, scope_list, command, info))
    print("\n" + "\n".join(sections))
    for mode, ratio in worst.items():
        verdict = "within" if ratio <= TARGET else "MISSES"
        print(f"{mode}: worst ratio {ratio:.2f} ({verdict} the {TARGET} target)")


if __name__ == "__main__":
    main()
