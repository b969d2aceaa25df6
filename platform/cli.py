"""The `anwang` command."""

from __future__ import annotations

import enum
import getpass

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from anwang.platform import db as database
from anwang.platform.settings import get_settings

app = typer.Typer(help="安网 Anwang：安全生产双重预防与大安全一网治理", no_args_is_help=True)
db_app = typer.Typer(help="数据库", no_args_is_help=True)
user_app = typer.Typer(help="用户", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
console = Console()


class Scale(enum.StrEnum):
    small = "small"
    taicang = "taicang"
    suzhou = "suzhou"


def seed_with_progress(url: str, scale: str, seed: int) -> None:
    from anwang.platform.seed import seed_city

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        summary = seed_city(url, scale=scale, seed=seed, progress=report)
    console.print(
        f"已生成 {summary.enterprises} 家企业、{summary.public_sites} 个公共场所、"
        f"{summary.jurisdictions} 个辖区、{summary.users} 个用户，用时 {summary.seconds:.1f} 秒"
    )
    rows = summary.domain_rows
    if rows:
        console.print(
            f"企业端：{rows.get('org_unit', 0):,} 个组织单元、{rows.get('risk_point', 0):,} 个风险点、"
            f"{rows.get('checklist', 0):,} 份排查清单、{rows.get('inspection_check', 0):,} 条检查记录、"
            f"{rows.get('hazard', 0):,} 条隐患"
        )
    gov = summary.supervision_rows
    if gov:
        console.print(
            f"政府端：{gov.get('patrol_cycle', 0):,} 个巡查周期、{gov.get('patrol_visit', 0):,} 次巡查、"
            f"{gov.get('spot_check', 0):,} 批抽查、{gov.get('supervision_order', 0):,} 件督办、"
            f"{gov.get('dangerous_operation', 0):,} 次危险作业"
        )


@app.command()
def migrate() -> None:
    """Apply the database migrations (as the owner)."""
    from anwang.platform.migrate import upgrade

    with console.status("正在执行数据库迁移…"):
        upgrade(database.owner_url())
    console.print("[green]数据库已是最新结构[/green]")


@app.command()
def seed(
    scale: Scale = typer.Option(Scale.small, help="small: 测试用；taicang: 太仓规模；suzhou: 十倍"),
    seed: int = typer.Option(1, help="随机种子：同一种子生成同样的数据"),
) -> None:
    """Build the deterministic demo city into an empty, migrated database."""
    try:
        seed_with_progress(database.owner_url(), scale.value, seed)
    except ValueError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from e


@app.command()
def serve(
    host: str = typer.Option(None, help="默认 ANWANG_HOST 或 127.0.0.1"),
    port: int = typer.Option(None, help="默认 ANWANG_PORT 或 8000"),
    workers: int = typer.Option(1, help="uvicorn 进程数"),
) -> None:
    """Run the web server."""
    import uvicorn

    s = get_settings()
    uvicorn.run(
        "anwang.platform.web.asgi:app",
        host=host or s.host,
        port=port or s.port,
        workers=workers,
        proxy_headers=True,
    )


@app.command()
def worker(
    processes: int = typer.Option(1, help="worker processes"),
    threads: int = typer.Option(4, help="threads per process"),
) -> None:
    """Run the Dramatiq worker."""
    from anwang.platform.worker import run_worker

    raise typer.Exit(run_worker(processes=processes, threads=threads))


@app.command()
def scheduler() -> None:
    """Run the scheduler (exactly one per deployment)."""
    from anwang.platform.worker import run_scheduler

    raise typer.Exit(run_scheduler())


@app.command()
def demo(
    scale: Scale = typer.Option(Scale.taicang, help="首次运行时生成的演示数据规模"),
    port: int = typer.Option(None, help="默认 ANWANG_PORT 或 8000"),
) -> None:
    """Run everything: database, migrations, demo data, web, worker and scheduler."""
    from anwang.platform.demo import run_demo

    raise typer.Exit(run_demo(scale.value, port or get_settings().port))


@db_app.command("url")
def db_url(
    app_role: bool = typer.Option(False, "--app", help="应用角色（受行级安全约束）的连接串"),
) -> None:
    """Print the owner URL (or with --app the application role's URL) of the database in use."""
    typer.echo(database.app_url() if app_role else database.to_libpq_url(database.owner_url()))


@user_app.command("create")
def user_create(
    username: str,
    display_name: str = typer.Option(..., "--name", help="姓名"),
    tenant: int = typer.Option(None, help="企业ID（企业用户）"),
    gov_body: int = typer.Option(None, "--gov-body", help="政府部门ID（政府用户）"),
    jurisdiction: int = typer.Option(None, help="管辖区域ID（政府用户；默认部门所在辖区）"),
    role: str = typer.Option(
        ...,
        help="boss|safety_manager|admin|unit_head|worker 或 "
        "grid_inspector|officer|enforcement_officer|command_centre|sector_officer",
    ),
    password: str = typer.Option(None, help="不提供则交互输入"),
) -> None:
    """Create a user with one membership (enterprise or government)."""
    from anwang.platform.identity.admin import create_user

    if (tenant is None) == (gov_body is None):
        raise typer.BadParameter("请指定 --tenant 或 --gov-body 之一")
    if password is None:
        password = getpass.getpass("密码：")
    try:
        user_id = create_user(
            username=username,
            display_name=display_name,
            password=password,
            role=role,
            tenant_id=tenant,
            gov_body_id=gov_body,
            jurisdiction_id=jurisdiction,
        )
    except ValueError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from e
    console.print(f"[green]已创建用户 {username}（ID {user_id}）[/green]")


if __name__ == "__main__":
    app()
