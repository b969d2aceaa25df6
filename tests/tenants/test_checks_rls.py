"""Row-level security of the checks tables as the application role: a tenant sees and writes
only its own lists, items, tasks, checks and results; the government of its town reads them
and writes nothing; the system principal reads lists and writes tasks only."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import SYSTEM, Principal
from tests.conftest import as_principal
from tests.tenants.factories import other_tenant, tenant_of

TABLES = ("checklist", "checklist_item", "inspection_task", "inspection_check", "check_result")


def boss_of(tenant_id: int) -> Principal:
    return Principal(kind="enterprise", role="boss", tenant_id=tenant_id)


@dataclass
class Rows:
    checklist: int
    item: int
    task: int
    check: int


def make_rows(conn: Connection, tenant_id: int) -> Rows:
    """One row in each table, written as the tenant itself."""
    as_principal(conn, boss_of(tenant_id))

    def one(sql: str, **params: object) -> int:
        return int(conn.execute(text(sql), {"t": tenant_id, **params}).scalar_one())

    root = conn.execute(text("select id from org_unit where parent_id is null")).scalar()
    if root is None:
        root = one("insert into org_unit (tenant_id, name, kind) values (:t, '本公司', 'company')"
                   " returning id")  # fmt: skip
    unit = one(
        "insert into org_unit (tenant_id, parent_id, name, kind)"
        " values (:t, :p, 'RLS车间', 'workshop') returning id",
        p=root,
    )
    checklist = one(
        "insert into checklist (tenant_id, org_unit_id, name, kind, frequency)"
        " values (:t, :u, 'RLS清单', 'routine', 'daily') returning id",
        u=unit,
    )
    item = one(
        "insert into checklist_item (tenant_id, checklist_id, content) values (:t, :c, '检查项')"
        " returning id",
        c=checklist,
    )
    task = one(
        "insert into inspection_task (tenant_id, checklist_id, org_unit_id, period_key,"
        " starts_at, due_at) values (:t, :c, :u, '2020-01-01', '2020-01-01', '2020-01-02')"
        " returning id",
        c=checklist,
        u=unit,
    )
    check = one(
        "insert into inspection_check (tenant_id, checklist_id, task_id) values (:t, :c, :k)"
        " returning id",
        c=checklist,
        k=task,
    )
    conn.execute(
        text(
            "insert into check_result (tenant_id, check_id, item_id, result)"
            " values (:t, :k, :i, 'ok')"
        ),
        {"t": tenant_id, "k": check, "i": item},
    )
    return Rows(checklist, item, task, check)


def visible(conn: Connection, rows: Rows) -> dict[str, bool]:
    keys = {
        "checklist": ("id", rows.checklist),
        "checklist_item": ("id", rows.item),
        "inspection_task": ("id", rows.task),
        "inspection_check": ("id", rows.check),
        "check_result": ("check_id", rows.check),
    }
    return {
        table: conn.execute(
            text(f"select count(*) from {table} where {col} = :v"), {"v": value}
        ).scalar_one()
        > 0
        for table, (col, value) in keys.items()
    }


@pytest.fixture
def two(owner_db: Connection, app_db: Connection) -> tuple[int, Rows, int, Rows]:
    a = tenant_of(owner_db, "boss")
    b = other_tenant(owner_db, a)
    return a, make_rows(app_db, a), b, make_rows(app_db, b)


def test_a_tenant_sees_only_its_own_rows(app_db: Connection, two) -> None:
    a, rows_a, b, rows_b = two
    as_principal(app_db, boss_of(a))
    assert visible(app_db, rows_a) == dict.fromkeys(TABLES, True)
    assert visible(app_db, rows_b) == dict.fromkeys(TABLES, False)
    as_principal(app_db, boss_of(b))
    assert visible(app_db, rows_a) == dict.fromkeys(TABLES, False)
    assert visible(app_db, rows_b) == dict.fromkeys(TABLES, True)


def test_a_tenant_cannot_change_or_point_at_another_tenants_rows(app_db: Connection, two) -> None:
    a, _rows_a, b, rows_b = two
    as_principal(app_db, boss_of(a))
    changed = app_db.execute(
        text("update inspection_task set status = 'done' where id = :k"), {"k": rows_b.task}
    ).rowcount
    assert changed == 0
    assert (
        app_db.execute(
            text("delete from checklist_item where id = :i"), {"i": rows_b.item}
        ).rowcount
        == 0
    )
    # Writing a row for tenant B, or a row of A pointing at B's list, is refused.
    with pytest.raises(DBAPIError), app_db.begin_nested():
        app_db.execute(
            text("insert into checklist_item (tenant_id, checklist_id, content)"
                 " values (:b, :c, 'x')"),
            {"b": b, "c": rows_b.checklist},
        )  # fmt: skip
    with pytest.raises(DBAPIError), app_db.begin_nested():
        app_db.execute(
            text("insert into checklist_item (tenant_id, checklist_id, content)"
                 " values (:a, :c, 'x')"),
            {"a": a, "c": rows_b.checklist},
        )  # fmt: skip


def _town_of(conn: Connection, tenant_id: int) -> str:
    """The town (镇/街道) above the tenant's grid: a scope that contains it."""
    return str(
        conn.execute(
            text(
                "select j.path::text from enterprise e join jurisdiction j"
                " on e.jurisdiction_path <@ j.path where e.id = :t and j.level = 'town'"
            ),
            {"t": tenant_id},
        ).scalar_one()
    )


def test_the_town_reads_its_enterprises_checks_and_writes_nothing(
    owner_db: Connection, app_db: Connection, two
) -> None:
    a, rows_a, b, rows_b = two
    town = _town_of(owner_db, a)
    as_principal(app_db, Principal(kind="gov", role="officer", scope=town))
    assert visible(app_db, rows_a) == dict.fromkeys(TABLES, True)
    b_in_town = owner_db.execute(
        text("select e.jurisdiction_path <@ cast(:s as ltree) from enterprise e where e.id = :b"),
        {"s": town, "b": b},
    ).scalar_one()
    assert visible(app_db, rows_b) == dict.fromkeys(TABLES, bool(b_in_town))
    for sql in (
        "update checklist set name = 'x' where id = :v",
        "update inspection_task set status = 'done' where id = :v",
        "delete from check_result where check_id = :v",
        "insert into checklist_item (tenant_id, checklist_id, content) values (:t, :v, 'x')",
    ):
        params = {"v": rows_a.check if "check_result" in sql else rows_a.checklist, "t": a}
        if "inspection_task" in sql:
            params["v"] = rows_a.task
        with pytest.raises(DBAPIError), app_db.begin_nested():
            app_db.execute(text(sql), params)


def test_the_system_principal_reads_lists_writes_tasks_and_sees_no_checks(
    app_db: Connection, two
) -> None:
    _a, rows_a, _b, rows_b = two
    as_principal(app_db, SYSTEM)
    for rows in (rows_a, rows_b):
        assert (
            app_db.execute(
                text("select count(*) from checklist_item where id = :i"), {"i": rows.item}
            ).scalar_one()
            == 1
        )
        assert (
            app_db.execute(
                text("update inspection_task set status = 'missed' where id = :k"), {"k": rows.task}
            ).rowcount
            == 1
        )
    with pytest.raises(DBAPIError), app_db.begin_nested():
        app_db.execute(text("update checklist set active = false where id = :c"),
                       {"c": rows_a.checklist})  # fmt: skip
    for table in ("inspection_check", "check_result"):
        with pytest.raises(DBAPIError), app_db.begin_nested():
            app_db.execute(text(f"select count(*) from {table}"))
