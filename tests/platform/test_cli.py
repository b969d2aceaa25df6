"""The `anwang` command against the test database."""

from __future__ import annotations

import secrets

from sqlalchemy import text
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from anwang.platform.cli import app

runner = CliRunner()


def test_db_url_prints_owner_and_application_urls(owner_url: str) -> None:
    owner = runner.invoke(app, ["db", "url"])
    assert owner.exit_code == 0 and owner.stdout.strip() == owner_url
    application = runner.invoke(app, ["db", "url", "--app"])
    assert application.exit_code == 0
    assert application.stdout.strip().startswith("postgresql://anwang_app@")


def test_migrate_is_idempotent(owner_url: str) -> None:
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 0 and "数据库已是最新结构" in result.stdout


def test_seed_refuses_a_database_that_has_data(owner_url: str) -> None:
    result = runner.invoke(app, ["seed", "--scale", "small"])
    assert result.exit_code == 1 and "已有" in result.stdout


def test_user_create_with_tenant_membership(owner_url: str, owner_db: Connection) -> None:
    tenant = owner_db.execute(text("select min(id) from enterprise")).scalar_one()
    username = f"cli_{secrets.token_hex(4)}"
    args = ["user", "create", username, "--name", "张三", "--tenant", str(tenant)]
    ok = runner.invoke(app, [*args, "--role", "worker", "--password", "long-enough-1"])
    assert ok.exit_code == 0, ok.stdout
    role = owner_db.execute(
        text(
            "select m.role from tenant_membership m join app_user u on u.id = m.user_id"
            " where u.username = :u"
        ),
        {"u": username},
    ).scalar_one()
    assert role == "worker"
    again = runner.invoke(app, [*args, "--role", "worker", "--password", "long-enough-1"])
    assert again.exit_code == 1 and "无法创建用户" in again.stdout


def test_user_create_rejects_bad_input(owner_url: str) -> None:
    bad_role = runner.invoke(
        app, ["user", "create", "cli_bad", "--name", "李四", "--tenant", "1", "--role", "king",
              "--password", "long-enough-1"],
    )  # fmt: skip
    assert bad_role.exit_code == 1 and "角色应为" in bad_role.stdout
    short = runner.invoke(
        app, ["user", "create", "cli_bad", "--name", "李四", "--tenant", "1", "--role", "worker",
              "--password", "short"],
    )  # fmt: skip
    assert short.exit_code == 1 and "密码至少" in short.stdout
    neither = runner.invoke(
        app, ["user", "create", "cli_bad", "--name", "李四", "--role", "worker"]
    )
    assert neither.exit_code == 2
