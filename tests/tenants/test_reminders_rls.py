"""Row-level security of certificate, equipment and alarm, as the application role: a tenant
sees and changes only its own rows; the town's officers read their town's rows and write none."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import Principal
from tests.conftest import as_principal
from tests.tenants.factories import committed, company, other_tenant, tenant_of
from tests.tenants.test_reminders_scan import make_certificate, make_equipment

TABLES = ("certificate", "equipment", "alarm")


def tenant(tenant_id: int) -> Principal:
    return Principal(kind="enterprise", tenant_id=tenant_id, role="boss", user_id=None)


@pytest.fixture(scope="module")
def rows(owner_url: str) -> dict[str, object]:
    """One certificate, piece of equipment and alarm in tenant A and in tenant B."""
    with committed(owner_url) as conn:
        a = tenant_of(conn, "boss")
        b = other_tenant(conn, a)
        made: dict[str, object] = {"a": a, "b": b}
        for key, t in (("a", a), ("b", b)):
            root = company(conn, t)
            made[f"certificate_{key}"] = make_certificate(conn, t, None, name=f"RLS证照{key}")
            made[f"equipment_{key}"] = make_equipment(conn, t, root, name=f"RLS设备{key}")
            made[f"alarm_{key}"] = conn.execute(
                text("insert into alarm (tenant_id, kind, severity, subject_table, subject_id,"
                     " message) values (:t, 'task_overdue', 'alarm', 'inspection_task', :i,"
                     " 'RLS') returning id"),
                {"t": t, "i": 900_000 + t},
            ).scalar_one()  # fmt: skip
        made["town_a"] = conn.execute(
            text(
                "select j.path::text from jurisdiction j join enterprise e"
                " on j.path @> e.jurisdiction_path where e.id = :i and j.level = 'town'"
            ),
            {"i": a},
        ).scalar_one()
        made["path_b"] = conn.execute(
            text("select jurisdiction_path::text from enterprise where id = :i"), {"i": b}
        ).scalar_one()
        return made


def ids(conn: Connection, table: str) -> set[int]:
    return set(conn.execute(text(f"select id from {table}")).scalars())


@pytest.mark.parametrize("table", TABLES)
def test_a_tenant_sees_only_its_own_rows(app_db: Connection, rows: dict, table: str) -> None:
    as_principal(app_db, tenant(rows["a"]))
    seen = ids(app_db, table)
    assert rows[f"{table}_a"] in seen and rows[f"{table}_b"] not in seen
    tenants = set(app_db.execute(text(f"select distinct tenant_id from {table}")).scalars())
    assert tenants == {rows["a"]}


@pytest.mark.parametrize("table", TABLES)
def test_a_tenant_cannot_change_another(app_db: Connection, rows: dict, table: str) -> None:
    as_principal(app_db, tenant(rows["a"]))
    column = "message" if table == "alarm" else "name"
    changed = app_db.execute(
        text(f"update {table} set {column} = 'x' where id = :i"), {"i": rows[f"{table}_b"]}
    ).rowcount
    assert changed == 0
    deleted = app_db.execute(text(f"delete from {table} where id = :i"), {"i": rows[f"{table}_b"]})
    assert deleted.rowcount == 0


def test_a_tenant_cannot_insert_into_another(app_db: Connection, rows: dict) -> None:
    as_principal(app_db, tenant(rows["a"]))
    with pytest.raises(DBAPIError):
        app_db.execute(
            text("insert into certificate (tenant_id, kind, name) values (:t, 'other', 'x')"),
            {"t": rows["b"]},
        )


@pytest.mark.parametrize("table", TABLES)
def test_the_town_reads_its_town_and_writes_nothing(
    app_db: Connection, rows: dict, table: str
) -> None:
    town = Principal(kind="gov", scope=str(rows["town_a"]), role="officer")
    as_principal(app_db, town)
    seen = ids(app_db, table)
    assert rows[f"{table}_a"] in seen
    outside = not str(rows["path_b"]).startswith(str(rows["town_a"]) + ".")
    if outside:
        assert rows[f"{table}_b"] not in seen
    column = "message" if table == "alarm" else "name"
    with pytest.raises(DBAPIError):
        app_db.execute(
            text(f"update {table} set {column} = 'x' where id = :i"), {"i": rows[f"{table}_a"]}
        )
