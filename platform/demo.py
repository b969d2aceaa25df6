"""`anwang demo`: the whole product on one machine with nothing installed by hand.

Starts (or reuses) the embedded PostgreSQL unless ANWANG_DATABASE_URL is set,
migrates, seeds the demo city into an empty database, then runs the web server,
the worker and the scheduler as child processes until Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from anwang.platform import db as database
from anwang.platform.identity.service import GOV_ROLE_NAMES, TENANT_ROLE_NAMES
from anwang.platform.seed import DEMO_PASSWORD
from anwang.platform.settings import get_settings

console = Console()

# The memorable accounts the seed creates at every scale (see anwang.platform.seed).
DEMO_USERNAMES = (
    "boss", "safety", "chejian", "banzu", "worker", "grid", "town", "bureau", "city", "zhifa",
    "command", "edu", "health",
)  # fmt: skip


def _demo_logins(url: str) -> list[tuple[str, str, str]]:
    """(username, role, where) of the demo accounts, read back from the database."""
    engine = create_engine(database.to_sqlalchemy_url(url))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "select u.username, coalesce(tm.role, gm.role) as role,"
                " coalesce(e.name, b.name || ' · ' || j.name) as place"
                " from app_user u"
                " left join tenant_membership tm on tm.user_id = u.id"
                " left join enterprise e on e.id = tm.tenant_id"
                " left join gov_membership gm on gm.user_id = u.id"
                " left join gov_body b on b.id = gm.gov_body_id"
                " left join jurisdiction j on j.id = gm.jurisdiction_id"
                " where u.username = any(:names)"
            ),
            {"names": list(DEMO_USERNAMES)},
        ).all()
    engine.dispose()
    found = {r.username: r for r in rows}
    names = TENANT_ROLE_NAMES | GOV_ROLE_NAMES
    return [
        (u, names.get(found[u].role, found[u].role), found[u].place)
        for u in DEMO_USERNAMES
        if u in found
    ]


def _is_empty(url: str) -> bool:
    engine = create_engine(database.to_sqlalchemy_url(url))
    with engine.connect() as conn:
        n = conn.execute(text("select count(*) from enterprise")).scalar_one()
    engine.dispose()
    return n == 0


def _wait_healthy(base: str, children: list[subprocess.Popen[bytes]], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(c.poll() is not None for c in children):
            return False
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for c in children:
        if c.poll() is None:
            c.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for c in children:
        try:
            c.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            c.kill()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run_demo(scale: str, port: int) -> int:
    # SIGTERM (a service manager, a test) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    settings = get_settings()
    embedded = not settings.database_url
    if embedded:
        with console.status("正在启动内置 PostgreSQL…"):
            url = database.owner_url()
        console.print(f"内置数据库：{settings.data_dir.resolve() / 'pgdata'}")
    else:
        url = settings.database_url

    from anwang.platform.migrate import upgrade

    with console.status("正在执行数据库迁移…"):
        upgrade(url)
    if _is_empty(url):
        console.print(f"首次运行：正在生成演示城市（{scale}）…")
        from anwang.platform.cli import seed_with_progress

        seed_with_progress(url, scale, 1)

    # Children get the resolved URL, so they never manage the embedded server themselves.
    env = {**os.environ, "ANWANG_DATABASE_URL": url, "ANWANG_PORT": str(port)}
    exe = [sys.executable, "-m", "anwang.platform.cli"]
    # Own sessions: Ctrl-C reaches only this process, which then sends each child one
    # SIGTERM (a second signal would make Dramatiq's worker stop without finishing jobs).
    children = [
        subprocess.Popen(cmd, env=env, start_new_session=True)
        for cmd in ([*exe, "serve", "--port", str(port)], [*exe, "worker"], [*exe, "scheduler"])
    ]
    base = f"http://{settings.host}:{port}"
    code = 0
    try:
        if not _wait_healthy(base, children):
            console.print("[red]服务未能启动，请查看上方日志[/red]")
            code = 1
        else:
            _print_welcome(base, _demo_logins(url))
            while all(c.poll() is None for c in children):
                time.sleep(0.5)
            code = 1  # a child died on its own
    except KeyboardInterrupt:
        console.print("\n正在停止…")
    finally:
        _stop(children)
        if embedded:
            from anwang.platform.embedded import stop_embedded

            stop_embedded(settings.data_dir)
        console.print("已停止。")
    return code


def _print_welcome(base: str, logins: list[tuple[str, str, str]]) -> None:
    table = Table(title=f"演示账号（密码均为 {DEMO_PASSWORD}）")
    for column in ("用户名", "身份", "单位/辖区"):
        table.add_column(column)
    for row in logins:
        table.add_row(*row)
    console.print(table)
    console.print(f"[bold green]安网已启动：{base}/login[/bold green]  （按 Ctrl-C 停止）")
