"""Row-level security of the org tables, as the application role: a tenant reads and
writes only its own rows; a government user reads (never writes) the tenants of its
jurisdiction; another town sees nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import Principal
from tests.conftest import as_principal
from tests.tenants.factories import committed, make_manager, make_unit, make_user, user_id

TABLES = ("org_unit", "unit_manager", "staff", "responsibility_document")


@dataclass
class Side:
    tenant: int
    town: str
    unit: int
    user: int
    staff: int
    document: int
    attachment: int


def _side(conn: Connection, town: str) -> Side:
    tenant = conn.execute(
        text(
            "select min(id) from enterprise where kind = 'enterprise'"
            " and jurisdiction_path <@ cast(:p as ltree)"
        ),
        {"p": town},
    ).scalar_one()
    unit = make_unit(conn, tenant, name="隔离测试车间")
    username = make_user(conn, tenant, "unit_head")
    make_manager(conn, tenant, unit, username)
    staff = conn.execute(
        text(
            "insert into staff (tenant_id, name, org_unit_id) values (:t, '隔离', :u) returning id"
        ),
        {"t": tenant, "u": unit},
    ).scalar_one()
    attachment = conn.execute(
        text(
            "insert into attachment (tenant_id, kind, storage_key, content_type, bytes, sha256)"
            " values (:t, 'document', :k, 'application/pdf', 10, 'x') returning id"
        ),
        {"t": tenant, "k": f"test/{uuid.uuid4().hex}"},
    ).scalar_one()
    document = conn.execute(
        text(
            "insert into responsibility_document (tenant_id, org_unit_id, title, attachment_id)"
            " values (:t, :u, '安全生产责任书', :a) returning id"
        ),
        {"t": tenant, "u": unit, "a": attachment},
    ).scalar_one()
    return Side(tenant, town, unit, user_id(conn, username), staff, document, attachment)


@pytest.fixture(scope="module")
def sides(owner_url: str) -> tuple[Side, Side]:
    with committed(owner_url) as conn:
        towns = (
            conn.execute(
                text(
                    "select path::text from jurisdiction where level = 'town' order by code limit 2"
                )
            )
            .scalars()
            .all()
        )
        return _side(conn, towns[0]), _side(conn, towns[1])


def ids(conn: Connection, table: str, s: Side) -> int:
    """How many of side `s`'s test rows of `table` are visible."""
    where = {
        "org_unit": "id = :unit",
        "unit_manager": "org_unit_id = :unit and user_id = :user",
        "staff": "id = :staff",
        "responsibility_document": "id = :document",
    }[table]
    return int(
        conn.execute(
            text(f"select count(*) from {table} where {where}"),
            {"unit": s.unit, "user": s.user, "staff": s.staff, "document": s.document},
        ).scalar_one()
    )


def enterprise(s: Side) -> Principal:
    return Principal(kind="enterprise", user_id=s.user, role="boss", tenant_id=s.tenant)


def gov(town: str) -> Principal:
    return Principal(kind="gov", role="officer", scope=town)


@pytest.mark.parametrize("table", TABLES)
def test_a_tenant_reads_its_own_rows_only(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, b = sides
    as_principal(app_db, enterprise(a))
    assert ids(app_db, table, a) == 1 and ids(app_db, table, b) == 0


@pytest.mark.parametrize("table", TABLES)
def test_a_tenant_cannot_change_another_tenants_rows(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, b = sides
    as_principal(app_db, enterprise(a))
    updated = app_db.execute(
        text(f"update {table} set tenant_id = tenant_id where tenant_id = :b"), {"b": b.tenant}
    )
    assert updated.rowcount == 0
    deleted = app_db.execute(text(f"delete from {table} where tenant_id = :b"), {"b": b.tenant})
    assert deleted.rowcount == 0


INSERTS = {
    "org_unit": "insert into org_unit (tenant_id, parent_id, name, kind) values (:t, :unit, 'x', 'team')",
    "unit_manager": "insert into unit_manager (tenant_id, org_unit_id, user_id, duty) values (:t, :unit, :user, 'deputy')",
    "staff": "insert into staff (tenant_id, name, org_unit_id) values (:t, 'x', :unit)",
    "responsibility_document": "insert into responsibility_document (tenant_id, org_unit_id, title, attachment_id) values (:t, :unit, 'x', :att)",
}


@pytest.mark.parametrize("table", TABLES)
def test_a_tenant_cannot_write_rows_into_another_tenant(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, b = sides
    as_principal(app_db, enterprise(a))
    # B's own ids, so only row-level security can refuse it (for a unit, the path trigger
    # already cannot see B's parent)
    with pytest.raises(DBAPIError, match=r"row-level security|parent org unit .* not found"):
        app_db.execute(
            text(INSERTS[table]),
            {"t": b.tenant, "unit": b.unit, "user": b.user, "att": b.attachment},
        )


@pytest.mark.parametrize("table", TABLES)
def test_a_tenant_writes_its_own_rows(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, _ = sides
    as_principal(app_db, enterprise(a))
    if table == "unit_manager":
        app_db.execute(
            text("delete from unit_manager where org_unit_id = :u and user_id = :uid"),
            {"u": a.unit, "uid": a.user},
        )
    if table == "responsibility_document":
        app_db.execute(
            text("update attachment set subject_table = null where id = :a"), {"a": a.attachment}
        )
    app_db.execute(
        text(INSERTS[table]), {"t": a.tenant, "unit": a.unit, "user": a.user, "att": a.attachment}
    )


@pytest.mark.parametrize("table", TABLES)
def test_the_towns_officer_reads_but_cannot_write(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, b = sides
    as_principal(app_db, gov(a.town))
    assert ids(app_db, table, a) == 1 and ids(app_db, table, b) == 0
    with pytest.raises(DBAPIError, match="permission denied"):
        app_db.execute(
            text(f"update {table} set tenant_id = tenant_id where tenant_id = :a"), {"a": a.tenant}
        )


@pytest.mark.parametrize("table", TABLES)
def test_the_towns_officer_cannot_insert(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, _ = sides
    as_principal(app_db, gov(a.town))
    with pytest.raises(DBAPIError, match="permission denied"):
        app_db.execute(
            text(INSERTS[table]),
            {"t": a.tenant, "unit": a.unit, "user": a.user, "att": a.attachment},
        )


@pytest.mark.parametrize("table", TABLES)
def test_another_town_sees_nothing(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, b = sides
    as_principal(app_db, gov(b.town))
    assert ids(app_db, table, a) == 0 and ids(app_db, table, b) == 1
