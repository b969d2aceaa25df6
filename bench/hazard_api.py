"""The hazard-report write path 随手拍 through the HTTP API, `POST /api/v1/hazards`, at 50
concurrent clients against the real server (uvicorn), beside the raw INSERT rate pgbench reaches
for the same rows on the same machine and database.

    .venv/bin/python -m bench.hazard_api [--scale taicang] [--url SERVER_URL] [--clients 50]
                                         [--seconds 30] [--workers 2] [--tenants 200] [--fresh]
                                         [--profile]

Both sides write a hazard row and its 'report' timeline row in one transaction, through the
same triggers (the tenant-scope fill, the per-row audit trigger of both tables, the foreign
keys): pgbench runs them as the owner in one statement, the API as the application role with
everything a request does around it (bearer-token lookup, principal settings, validation, the
reporter's post lookup, the JSON answer). Client and server share the machine's CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from anwang.platform.db import to_sqlalchemy_url
from bench.rls_overhead import bench_arguments, bench_database
from bench.rls_overhead import machine as machine_lines

TITLES = ("车间地面油污未清理", "灭火器压力不足", "配电箱门未关闭", "安全通道堆放杂物",
          "防护罩缺失", "叉车倒车报警器损坏", "应急照明灯不亮", "气瓶未固定")  # fmt: skip
PGBENCH_SCRIPT = """\\set t random(1, {max_tenant})
\\set k random(0, 7)
with h as (
  insert into hazard (tenant_id, source, title, description, location, reported_by, org_unit_id)
  select :t, 'report', '压测隐患' || :k, '压测：随手拍上报的隐患描述', '生产车间',
         m.user_id, (select s.org_unit_id from staff s
                     where s.tenant_id = :t and s.user_id = m.user_id)
  from tenant_membership m where m.tenant_id = :t and m.role = 'boss' limit 1
  returning tenant_id, id, reported_by
)
insert into hazard_event (tenant_id, hazard_id, action, from_state, to_state, actor_user_id,
                          note)
select tenant_id, id, 'report', null, 'reported', reported_by, '压测：随手拍上报的隐患描述'
from h;
"""


TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 if it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def group_pids(pgid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


class CpuMeter:
    """CPU seconds spent by the server processes, the PostgreSQL backends of the bench
    database and this load generator between `start()` and `stop()`."""

    def __init__(self, url: str, server_pgid: int) -> None:
        self.url, self.pgid = url, server_pgid
        self.used: dict[str, float] = {}

    def backends(self) -> dict[int, float]:
        with psycopg.connect(self.url) as c:
            pids = [r[0] for r in c.execute(
                "select pid from pg_stat_activity where datname = current_database()"
                " and pid <> pg_backend_pid()")]  # fmt: skip
        return {p: proc_cpu(p) for p in pids}

    def start(self) -> None:
        self.server = group_pids(self.pgid)
        self.pg_before = self.backends()
        self.server_before = sum(proc_cpu(p) for p in self.server)
        t = os.times()
        self.client_before = t.user + t.system

    def stop(self) -> None:
        t = os.times()
        server = sum(proc_cpu(p) for p in self.server)
        pg_after = self.backends()
        # a backend that ended in between (a pool overflow connection) is not counted
        pg = sum(pg_after[p] - self.pg_before.get(p, 0.0) for p in pg_after)
        self.used = {"server": server - self.server_before, "postgres": pg,
                     "client": t.user + t.system - self.client_before}  # fmt: skip


def clone(server_url: str, url: str) -> str:
    """A throw-away copy of the seeded bench database (CREATE DATABASE … TEMPLATE, a file
    copy), so the rows this benchmark writes never reach the shared one."""
    source = make_url(url).database
    name = f"{source}_writes"
    with psycopg.connect(server_url, autocommit=True) as c:
        c.execute(f"drop database if exists {name} with (force)")
        c.execute(f"create database {name} template {source}")
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop(server_url: str, url: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as c:
        c.execute(f"drop database if exists {make_url(url).database} with (force)")


def percentile(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int, pool: int, profile: Path | None,
                 data_dir: str) -> subprocess.Popen[bytes]:  # fmt: skip
    env = {**os.environ, "ANWANG_DATABASE_URL": url, "ANWANG_DB_POOL_SIZE": str(pool),
           "ANWANG_SECRET_KEY": "bench-secret-key-not-for-production",
           "ANWANG_DATA_DIR": data_dir}  # fmt: skip
    env.pop("ANWANG_APP_DATABASE_URL", None)
    uvicorn = [sys.executable, "-m", "uvicorn", "anwang.platform.web.asgi:app",
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
               "--log-level", "warning"]  # fmt: skip
    if profile:  # one process under cProfile, so the profile shows where a request's time goes
        cmd = [sys.executable, "-m", "cProfile", "-o", str(profile), *uvicorn[1:]]
    else:
        cmd = [*uvicorn, "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("the server did not start within 60 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGINT)  # SIGINT: uvicorn (and cProfile) shut down cleanly
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def usernames(url: str, tenants: int) -> list[str]:
    """Boss (e<id>) and safety-manager (s<id>) accounts of `tenants` enterprises spread over
    the city (the demo tenant, whose safety manager is `safety`, is left out)."""
    with psycopg.connect(url) as c:
        ids = [r[0] for r in c.execute(
            "select e.id from enterprise e where e.kind = 'enterprise' and e.status = 'active'"
            " and exists (select 1 from app_user u where u.username = 's' || lpad(e.id::text, 2,"
            " '0')) order by e.id")]  # fmt: skip
    step = max(1, len(ids) // tenants)
    picked = ids[::step][:tenants]
    return [f"{p}{i:02d}" for i in picked for p in ("e", "s")]


async def tokens(base: str, names: list[str]) -> list[str]:
    """Bearer tokens through the real login endpoint (argon2: a few at a time)."""
    sem = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def one(username: str) -> str:
            async with sem:
                r = await client.post(
                    "/api/v1/auth/token",
                    json={"username": username, "password": "anwang123", "name": "bench"},
                )
                r.raise_for_status()
                return str(r.json()["token"])

        return list(await asyncio.gather(*(one(n) for n in names)))


async def load(base: str, bearer: list[str], clients: int, warmup: float, seconds: float,
               meter: CpuMeter) -> tuple[list[float], int, int]:  # fmt: skip
    """`clients` loops posting hazards; latencies (s) of requests that finished inside the
    measured window, their count, and the errors."""
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def loop(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < stop_at:
                token = bearer[i % len(bearer)]
                body = {"title": TITLES[i % len(TITLES)], "description": "压测：随手拍上报的隐患描述",
                        "location": "生产车间"}  # fmt: skip
                t0 = time.perf_counter()
                try:
                    r = await client.post("/api/v1/hazards", json=body,
                                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
                except httpx.TransportError as e:
                    errors += 1
                    if errors <= 3:
                        print(f"transport error: {e!r}")
                    continue
                t1 = time.perf_counter()
                if r.status_code != 201:
                    errors += 1
                    if errors <= 3:
                        print(f"HTTP {r.status_code}: {r.text[:200]}")
                elif measure_from <= t0 and t1 <= stop_at:
                    latencies.append(t1 - t0)
                i += clients

        async def clock() -> None:
            await asyncio.sleep(measure_from - time.perf_counter())
            await asyncio.to_thread(meter.start)
            await asyncio.sleep(stop_at - time.perf_counter())
            await asyncio.to_thread(meter.stop)

        await asyncio.gather(clock(), *(loop(k) for k in range(clients)))
    return latencies, len(latencies), errors


def pgbench(url: str, clients: int, seconds: int) -> tuple[float, float, float]:
    """(transactions per second, mean latency ms, p99 latency ms) of the raw INSERTs."""
    with psycopg.connect(url) as c:
        max_tenant = c.execute("select max(id) from enterprise where kind = 'enterprise'")
        top = max_tenant.fetchone()[0]  # type: ignore[index]
    work = Path(tempfile.mkdtemp(prefix="anwang-pgbench-"))
    try:
        script = work / "hazard.sql"
        script.write_text(PGBENCH_SCRIPT.format(max_tenant=top))
        out = subprocess.run(
            ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-l",
             "-f", str(script), url],
            cwd=work, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        tps = float(re.search(r"tps = ([\d.]+)", out)[1])  # type: ignore[index]
        mean = float(re.search(r"latency average = ([\d.]+) ms", out)[1])  # type: ignore[index]
        lat = [int(line.split()[2]) / 1000 for f in work.glob("pgbench_log.*")
               for line in f.read_text().splitlines()]  # fmt: skip
        return tps, mean, percentile(lat, 99)
    finally:
        shutil.rmtree(work)


def main() -> None:
    parser = bench_arguments(__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--pool", type=int, default=0,
                        help="pooled connections per worker (default: clients / workers / 2;"
                             " as many again may open in bursts)")  # fmt: skip
    parser.add_argument("--tenants", type=int, default=50,
                        help="enterprises whose boss and safety manager post (they log in first)")  # fmt: skip
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the bench database")
    parser.add_argument("--profile", action="store_true",
                        help="one worker under cProfile; prints the top functions")  # fmt: skip
    args = parser.parse_args()

    url = clone(args.url, bench_database(args.url, args.scale, args.fresh))
    try:
        run(args, url)
    finally:
        drop(args.url, url)


def run(args: argparse.Namespace, url: str) -> None:
    engine = create_engine(to_sqlalchemy_url(url))
    with engine.connect() as c:
        info = machine_lines(c)
    engine.dispose()
    port = free_port()
    workers = 1 if args.profile else args.workers
    # pool_size plus as many again in bursts (platform/db.py): half the clients per worker is
    # one connection per client at the peak, within the server's max_connections.
    pool = args.pool or max(5, math.ceil(args.clients / workers / 2))
    prof = Path(tempfile.gettempdir()) / "anwang-hazard-api.prof" if args.profile else None
    data_dir = tempfile.mkdtemp(prefix="anwang-bench-data-")
    base = f"http://127.0.0.1:{port}"
    proc = start_server(url, port, workers, pool, prof, data_dir)
    try:
        names = usernames(url, args.tenants)
        started = time.perf_counter()
        bearer = asyncio.run(tokens(base, names))
        print(f"{len(bearer)} bearer tokens of {len(names) // 2} enterprises"
              f" in {time.perf_counter() - started:.1f} s")  # fmt: skip
        meter = CpuMeter(url, proc.pid)
        lat, done, errors = asyncio.run(
            load(base, bearer, args.clients, args.warmup, args.seconds, meter)
        )
    finally:
        stop_server(proc)
        shutil.rmtree(data_dir, ignore_errors=True)
    rps = done / args.seconds
    print(f"API: {rps:.0f} requests/s, p99 {percentile(lat, 99) * 1000:.1f} ms, {errors} errors")
    per_request = {k: v / max(done, 1) * 1000 for k, v in meter.used.items()}
    cpu_line = (
        f"CPU per API request in the measured window: server {per_request['server']:.1f} ms,"
        f" PostgreSQL backends {per_request['postgres']:.1f} ms,"
        f" load generator {per_request['client']:.1f} ms"
        f" ({sum(meter.used.values()) / args.seconds:.2f} of {os.cpu_count()} CPUs busy)"
    )
    print(cpu_line)
    tps, pg_mean, pg_p99 = pgbench(url, args.clients, args.seconds)
    ratio = rps / tps
    print("\n".join([
        "",
        f"Command: `python -m bench.hazard_api --scale {args.scale} --clients {args.clients}"
        f" --seconds {args.seconds} --workers {workers}` (pool {pool} per worker)",
        "",
        *info,
        "",
        "| path | clients | requests or transactions / s | mean ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
        f"| API `POST /api/v1/hazards` (uvicorn, {workers} worker(s)) | {args.clients}"
        f" | {rps:.0f} | {statistics.mean(lat) * 1000:.1f} | {percentile(lat, 99) * 1000:.1f}"
        f" | {errors} |",
        f"| pgbench, same rows as the owner (hazard + hazard_event, triggers on) | {args.clients}"
        f" | {tps:.0f} | {pg_mean:.1f} | {pg_p99:.1f} | 0 |",
        "",
        f"API / pgbench = {ratio:.2f} ({'meets' if ratio >= 0.5 else 'MISSES'} the 0.5 target)",
        "",
        cpu_line,
    ]))  # fmt: skip
    if prof:
        import pstats

        stats = pstats.Stats(str(prof))
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
