"""The roll-up figures at city scale: building them (`rebuild_all`), keeping them up to date
(`refresh_dirty` after a typical minute of changes), and reading them for the city page
(`/bureau` of the city officer), as server time of the page's queries and as whole HTTP
requests to the real server.

    .venv/bin/python -m bench.rollups [--scale taicang|suzhou] [--runs 200] [--url SERVER_URL]

The bench database `anwang_bench_<scale>` is reused as it is, whatever data version seeded
it (only migrated forward), and made by the common bench helper when missing (see README).
The figures are rebuilt and committed; the refresh runs on changes that are rolled back.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import psycopg
from alembic import command
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import CHINA
from anwang.platform.db import apply_principal, principal_session, to_sqlalchemy_url
from anwang.platform.migrate import alembic_config, upgrade
from anwang.platform.principal import SYSTEM, Principal
from anwang.supervision.rollups import service
from anwang.supervision.rollups.pages import bureau_data
from anwang.supervision.rollups.refresh import rebuild_all, refresh_dirty
from bench.hazard_api import free_port, start_server, stop_server
from bench.rls_overhead import bench_arguments, bench_database, machine

PASSWORD = "anwang123"


def database(server_url: str, scale: str) -> str:
    """The bench database, reused at any data version (migrated forward), else made."""
    name = f"anwang_bench_{scale}"
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(server_url, autocommit=True) as c:
        row = c.execute(
            "select shobj_description(oid, 'pg_database') from pg_database where datname = %s",
            (name,),
        ).fetchone()
    if row is None or not str(row[0] or "").startswith(f"anwang seed {scale} "):
        return bench_database(server_url, scale, False)
    with psycopg.connect(url, autocommit=True) as c:
        stamped = c.execute("select version_num from alembic_version").fetchone()
    if stamped and stamped[0] == "0012":
        # The figures are derived data: take their migration again, as it is now (the bench
        # database may have been made while it was being written), and rebuild below.
        command.downgrade(alembic_config(url), "0011")
    upgrade(url)
    print(f"reusing {name} ({row[0]})")
    return url


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def ms(xs: list[float]) -> str:
    return f"{pct(xs, 50) * 1000:.1f} | {pct(xs, 95) * 1000:.1f}"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def officer(owner: Engine, username: str) -> Principal:
    with owner.connect() as c:
        row = c.execute(
            text(
                "select u.id, u.display_name, j.path::text, j.name, g.role, b.sector"
                " from app_user u join gov_membership g on g.user_id = u.id"
                " join gov_body b on b.id = g.gov_body_id"
                " join jurisdiction j on j.id = g.jurisdiction_id where u.username = :u"
            ),
            {"u": username},
        ).one()
    kind = "sector" if row[5] else "gov"
    return Principal(kind=kind, user_id=row[0], role=row[4], scope=row[2], sector=row[5],
                     display_name=row[1], scope_name=row[3])  # fmt: skip


async def page_data(db: AsyncSession, p: Principal) -> None:
    """What `/bureau` reads for the caller's own place (supervision/rollups/pages.py), or the
    sector figures a sector department's page reads."""
    if p.kind == "sector":
        await service.sector_figures(db, p)
    else:
        await bureau_data(db, p)


async def measure_page_data(app_url: str, p: Principal, runs: int) -> list[float]:
    """Each run in its own transaction as `p` on one pooled connection, as a request does."""
    engine = create_async_engine(to_sqlalchemy_url(app_url), pool_size=1)
    out = []
    try:
        for i in range(runs + 10):
            started = time.perf_counter()
            async with AsyncSession(engine) as db:
                db.info["principal"] = p
                await page_data(db, p)
                await db.commit()
            if i >= 10:  # warm-up runs are not counted
                out.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    return out


def page_statements(app_url: str, p: Principal) -> list[tuple[str, Any]]:
    """The SQL statements one `/bureau` view runs, with their parameters, as sent."""
    seen: list[tuple[str, Any]] = []

    async def once() -> None:
        engine = create_async_engine(to_sqlalchemy_url(app_url), pool_size=1)

        def record(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
            seen.append((statement, params))

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            async with AsyncSession(engine) as db:
                db.info["principal"] = p
                await page_data(db, p)
                await db.rollback()
        finally:
            await engine.dispose()

    asyncio.run(once())
    # the principal's settings are applied by the session; replayed by apply_principal below
    return [(sql, params) for sql, params in seen if "set_config('role'" not in sql]


def measure_server(app: Engine, p: Principal, statements: list[tuple[str, Any]],
                   runs: int) -> list[float]:  # fmt: skip
    """Server time of one page view: the sum of planning and execution time of each of its
    statements, as `EXPLAIN (ANALYZE, TIMING OFF)` reports them, as the page's principal."""
    out = []
    with app.connect() as conn:
        for i in range(runs + 10):
            with conn.begin():
                apply_principal(conn, p)
                total = 0.0
                for sql, params in statements:
                    if "set_config(" in sql:  # the list's planner settings
                        conn.exec_driver_sql(sql, params)
                        continue
                    plan = conn.exec_driver_sql(
                        f"explain (analyze, timing off, format json) {sql}", params
                    ).scalar_one()
                    total += float(plan[0]["Planning Time"] + plan[0]["Execution Time"])
            if i >= 10:
                out.append(total / 1000)
    return out


def measure_http(url: str, username: str, runs: int) -> list[float]:
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(url, port, workers=1, pool=2, profile=None, data_dir=data_dir)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=30) as client:
                # A browser's login: the form's CSRF token, then the session cookie.
                form = client.get("/login").text
                found = re.search(r'name="_csrf_token" value="([^"]+)"', form)
                assert found, "no CSRF token on the login page"
                r = client.post(
                    "/login",
                    data={"username": username, "password": PASSWORD,
                          "_csrf_token": found.group(1)},
                )  # fmt: skip
                assert r.status_code == 303, r.status_code
                headers: dict[str, str] = {}
                out = []
                for i in range(runs + 10):
                    started = time.perf_counter()
                    r = client.get("/bureau", headers=headers)
                    elapsed = time.perf_counter() - started
                    assert r.status_code == 200 and "n-enterprises" in r.text, r.status_code
                    if i >= 10:
                        out.append(elapsed)
                return out
        finally:
            stop_server(server)


def refresh_runs(app: Engine, owner: Engine, hazards: int, rounds: int) -> list[float]:
    """A typical minute: `hazards` hazards of as many enterprises change; the refresh then
    recomputes those enterprises and the places above them. Rolled back each time."""
    out = []
    for k in range(rounds):
        with principal_session(SYSTEM, app) as s:
            s.execute(
                text(
                    "update hazard set updated_at = now() where (tenant_id, id) in ("
                    " select distinct on (tenant_id) tenant_id, id from hazard"
                    " where tenant_id % 97 = :k order by tenant_id, id limit :n)"
                ),
                {"k": k, "n": hazards},
            )
            elapsed, n = timed(lambda s=s: refresh_dirty(s))  # type: ignore[misc]
            out.append(elapsed)
            assert n >= 1
            s.rollback()
    return out


def main() -> None:
    parser = bench_arguments(__doc__)
    parser.add_argument("--runs", type=int, default=200, help="page-data and HTTP runs")
    parser.add_argument("--changes", type=int, default=50,
                        help="enterprises changed per refresh run")  # fmt: skip
    args = parser.parse_args()

    url = database(args.url, args.scale)
    app_url = (make_url(url).set(username="anwang_app", password=None)
               .render_as_string(hide_password=False))  # fmt: skip
    owner = create_engine(to_sqlalchemy_url(url))
    app = create_engine(to_sqlalchemy_url(app_url))
    with owner.connect() as c:
        info = machine(c)  # type: list[str]
        sizes = c.execute(
            text(
                "select (select count(*) from enterprise), (select count(*) from hazard),"
                " (select count(*) from risk_point), (select count(*) from jurisdiction)"
            )
        ).one()

    print(f"""
### Roll-ups at `{args.scale}` scale

`.venv/bin/python -m bench.rollups --scale {args.scale} --runs {args.runs}` —
{datetime.now(CHINA):%Y-%m-%d %H:%M} Beijing.

{chr(10).join(info)}
""")
    rebuilds = []
    for _ in range(2):  # into the empty tables the migration left, then again (no change)
        with principal_session(SYSTEM, app) as s:
            elapsed, _ = timed(lambda s=s: rebuild_all(s))  # type: ignore[misc]
        rebuilds.append(elapsed)
    with owner.begin() as c:
        c.execute(text("analyze"))
        areas = c.execute(text("select count(*) from area_figures")).scalar_one()
    print(
        f"Data: {sizes[0]} enterprises and sites, {sizes[1]} hazards, {sizes[2]} risk points,"
        f" {sizes[3]} jurisdictions; {areas} area rows (all sectors and per sector).\n"
    )
    print("| what | runs | p50 ms | p95 ms |\n|---|---|---|---|")
    row("`rebuild_all` into empty tables (system principal, every figure)", rebuilds[:1])
    row("`rebuild_all` again, nothing changed", rebuilds[1:])
    refreshes = refresh_runs(app, owner, args.changes, 10)
    row(f"`refresh_dirty` after {args.changes} enterprises changed", refreshes)
    for username, what in (("city", "city"), ("bureau", "district"), ("town", "town"),
                           ("edu", "district education bureau")):  # fmt: skip
        who = officer(owner, username)
        statements = page_statements(app_url, who)
        server = measure_server(app, who, statements, args.runs)
        row(f"{what} page data, server time ({len(statements)} statements as the {what}"
            " officer)", server)  # fmt: skip
        data = asyncio.run(measure_page_data(app_url, who, args.runs))
        row(f"{what} page data, wall time in the client (same, one connection)", data)
    owner.dispose()
    app.dispose()
    http_city = measure_http(url, "city", args.runs)
    row("`GET /bureau` as the city officer (HTTP, 1 uvicorn worker)", http_city)


def row(what: str, xs: list[float]) -> None:
    print(f"| {what} | {len(xs)} | {ms(xs)} |", flush=True)


if __name__ == "__main__":
    main()
