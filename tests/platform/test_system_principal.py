"""The `system` principal of scheduled cross-tenant jobs, and the schema rules that keep
tenant rows from pointing at each other."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import SYSTEM
from tests.conftest import as_principal
from tests.tenants.factories import committed, make_unit, other_tenant, tenant_of


def test_system_sees_every_tenants_tree_but_cannot_change_it(
    owner_url: str, app_db: Connection
) -> None:
    with committed(owner_url) as conn:
        a = tenant_of(conn, "boss")
        b = other_tenant(conn, a)
        units = {make_unit(conn, a, name="系统可见甲"), make_unit(conn, b, name="系统可见乙")}
    as_principal(app_db, SYSTEM)
    seen = set(app_db.execute(text("select id from org_unit")).scalars())
    assert units <= seen
    with pytest.raises(DBAPIError):
        app_db.execute(
            text("update org_unit set name = 'x' where id = any(:ids)"), {"ids": list(units)}
        )


@pytest.mark.parametrize("table", ["app_user", "web_session", "api_token", "tenant_membership"])
def test_system_reaches_no_identities(app_db: Connection, table: str) -> None:
    as_principal(app_db, SYSTEM)
    with pytest.raises(DBAPIError):
        app_db.execute(text(f"select count(*) from {table}")).scalar_one()


def test_tenant_foreign_keys_carry_the_tenant(owner_db: Connection) -> None:
    """A reference between two tenant tables includes tenant_id, so no row can point at
    another tenant's row (foreign key checks do not go through RLS)."""
    rows = owner_db.execute(
        text("""
        select con.conname, src.relname as source, dst.relname as target,
               array(select a.attname from unnest(con.conkey) k
                     join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k)::text[]
                 as columns
        from pg_constraint con
        join pg_class src on src.oid = con.conrelid
        join pg_class dst on dst.oid = con.confrelid
        where con.contype = 'f'
          and exists (select 1 from pg_attribute a where a.attrelid = src.oid and a.attname = 'tenant_id')
          and exists (select 1 from pg_attribute a where a.attrelid = dst.oid and a.attname = 'tenant_id')
    """)
    ).all()
    assert len(rows) > 10
    for r in rows:
        assert "tenant_id" in r.columns, f"{r.conname}: {r.source} → {r.target} {r.columns}"
