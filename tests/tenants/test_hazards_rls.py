"""Row-level security of the hazard tables, as the application role: a tenant reads and
writes only its own hazards, timeline rows and extension requests; the town's government
user reads those of its jurisdiction and writes nothing; another town sees nothing; the
system principal of the escalation job reaches hazards and their timeline only."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import SYSTEM, Principal
from tests.conftest import as_principal
from tests.tenants.factories import committed, make_unit, make_user, user_id

TABLES = ("hazard", "hazard_event", "hazard_extension")


@dataclass
class Side:
    tenant: int
    town: str
    unit: int
    user: int
    hazard: int
    event: int
    extension: int


def _side(conn: Connection, town: str) -> Side:
    tenant = conn.execute(
        text(
            "select min(id) from enterprise where kind = 'enterprise'"
            " and jurisdiction_path <@ cast(:p as ltree)"
        ),
        {"p": town},
    ).scalar_one()
    unit = make_unit(conn, tenant, name="隐患隔离测试车间")
    user = user_id(conn, make_user(conn, tenant, "boss"))
    hazard = conn.execute(
        text(
            "insert into hazard (tenant_id, source, org_unit_id, state, tier, title,"
            " responsible_user_id, deadline, reported_by)"
            " values (:t, 'report', :u, 'rectifying', 'general', '隔离测试隐患', :p,"
            " current_date + 7, :p) returning id"
        ),
        {"t": tenant, "u": unit, "p": user},
    ).scalar_one()
    event = conn.execute(
        text(
            "insert into hazard_event (tenant_id, hazard_id, action, to_state, actor_user_id)"
            " values (:t, :h, 'report', 'reported', :p) returning id"
        ),
        {"t": tenant, "h": hazard, "p": user},
    ).scalar_one()
    extension = conn.execute(
        text(
            "insert into hazard_extension (tenant_id, hazard_id, requested_by, old_deadline,"
            " new_deadline, reason) values (:t, :h, :p, current_date + 7, current_date + 14,"
            " '备件未到') returning id"
        ),
        {"t": tenant, "h": hazard, "p": user},
    ).scalar_one()
    return Side(tenant, town, unit, user, hazard, event, extension)


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


def seen(conn: Connection, table: str, s: Side) -> int:
    """How many of side `s`'s test rows of `table` are visible."""
    row_id = {"hazard": s.hazard, "hazard_event": s.event, "hazard_extension": s.extension}[table]
    return int(
        conn.execute(
            text(f"select count(*) from {table} where id = :i"), {"i": row_id}
        ).scalar_one()
    )


INSERTS = {
    "hazard": "insert into hazard (tenant_id, source, title, org_unit_id)"
    " values (:t, 'report', '越权', :unit)",
    "hazard_event": "insert into hazard_event (tenant_id, hazard_id, action, to_state)"
    " values (:t, :h, 'start', 'rectifying')",
    "hazard_extension": "insert into hazard_extension (tenant_id, hazard_id, old_deadline,"
    " new_deadline, reason, decision) values (:t, :h, current_date, current_date + 1, '越权',"
    " 'refused')",
}


def insert(conn: Connection, table: str, s: Side) -> None:
    conn.execute(text(INSERTS[table]), {"t": s.tenant, "unit": s.unit, "h": s.hazard})


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
    assert seen(app_db, table, a) == 1 and seen(app_db, table, b) == 0


@pytest.mark.parametrize("table", TABLES)
def test_a_tenant_writes_its_own_rows(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, _ = sides
    as_principal(app_db, enterprise(a))
    insert(app_db, table, a)
    updated = app_db.execute(
        text(f"update {table} set tenant_id = tenant_id where tenant_id = :a"), {"a": a.tenant}
    )
    assert updated.rowcount >= 1


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


@pytest.mark.parametrize("table", TABLES)
def test_a_tenant_cannot_write_rows_into_another_tenant(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, b = sides
    as_principal(app_db, enterprise(a))
    with pytest.raises(DBAPIError, match="row-level security"):
        insert(app_db, table, b)


@pytest.mark.parametrize("table", TABLES)
def test_the_towns_officer_reads_but_cannot_write(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, b = sides
    as_principal(app_db, gov(a.town))
    assert seen(app_db, table, a) == 1 and seen(app_db, table, b) == 0
    with pytest.raises(DBAPIError, match="permission denied"):
        app_db.execute(
            text(f"update {table} set tenant_id = tenant_id where tenant_id = :a"), {"a": a.tenant}
        )


@pytest.mark.parametrize("table", TABLES)
def test_the_towns_officer_cannot_insert(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    """Government users open hazards only as patrol or spot-check findings (with their
    'report' event, supervision/findings.py); an enterprise's own kind of row is refused."""
    a, _ = sides
    as_principal(app_db, gov(a.town))
    refusal = "row-level security" if table in ("hazard", "hazard_event") else "permission denied"
    with pytest.raises(DBAPIError, match=refusal):
        insert(app_db, table, a)


@pytest.mark.parametrize("table", TABLES)
def test_another_town_sees_nothing(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, b = sides
    as_principal(app_db, gov(b.town))
    assert seen(app_db, table, a) == 0 and seen(app_db, table, b) == 1


@pytest.mark.parametrize("table", ("hazard", "hazard_event"))
def test_the_system_principal_reaches_hazards_and_their_timeline(
    app_db: Connection, sides: tuple[Side, Side], table: str
) -> None:
    a, b = sides
    as_principal(app_db, SYSTEM)
    assert seen(app_db, table, a) == 1 and seen(app_db, table, b) == 1


def test_the_system_principal_cannot_read_extensions(
    app_db: Connection, sides: tuple[Side, Side]
) -> None:
    as_principal(app_db, SYSTEM)
    with pytest.raises(DBAPIError, match="permission denied"):
        app_db.execute(text("select count(*) from hazard_extension"))
