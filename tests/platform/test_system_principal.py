"""The `system` principal of scheduled cross-tenant jobs, and the schema rules that keep
tenant rows from pointing at each other."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import SYSTEM, Principal
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
    another tenant's row (foreign key checks do not go through RLS). Rows whose tenant is
    optional (a supervision order to a town, about no enterprise) belong to a jurisdiction,
    not a tenant; their references to tenant rows still carry the tenant."""
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
          and exists (select 1 from pg_attribute a where a.attrelid = src.oid and a.attname = 'tenant_id'
                      and (a.attnotnull or dst.oid <> src.oid))
          and exists (select 1 from pg_attribute a where a.attrelid = dst.oid and a.attname = 'tenant_id')
    """)
    ).all()
    assert len(rows) > 10
    for r in rows:
        assert "tenant_id" in r.columns, f"{r.conname}: {r.source} → {r.target} {r.columns}"


def test_batched_insert_audit_logs_every_row_with_actor_and_scope(
    owner_db: Connection, app_db: Connection
) -> None:
    """Enterprise-domain tables log INSERTs once per statement; each row still gets its own
    event with the actor, the key and the tenant's scope, like the per-row trigger."""
    tenant = tenant_of(owner_db, "boss")
    as_principal(app_db, Principal(kind="enterprise", tenant_id=tenant, role="boss", user_id=7))
    root = app_db.execute(
        text("select id from org_unit where tenant_id = :t and parent_id is null"), {"t": tenant}
    ).scalar()
    if root is None:
        root = app_db.execute(
            text(
                "insert into org_unit (tenant_id, name, kind) values (:t, '公司', 'company')"
                " returning id"
            ),
            {"t": tenant},
        ).scalar_one()
    ids = (
        app_db.execute(
            text(
                "insert into org_unit (tenant_id, parent_id, name, kind)"
                " select :t, :p, '审计车间' || g, 'workshop' from generate_series(1, 3) g returning id"
            ),
            {"t": tenant, "p": root},
        )
        .scalars()
        .all()
    )
    events = app_db.execute(
        text(
            "select row_key, op, actor_user_id, actor_role, tenant_id, after ->> 'name' as name,"
            " jurisdiction_path is not null as scoped from audit_event"
            " where table_name = 'org_unit' and row_key = any(:keys) order by id"
        ),
        {"keys": [f"{tenant},{i}" for i in ids]},
    ).all()
    assert [e.row_key for e in events] == [f"{tenant},{i}" for i in ids]
    assert {(e.op, e.actor_user_id, e.actor_role, e.tenant_id, e.scoped) for e in events} == {
        ("INSERT", 7, "anwang_enterprise", tenant, True)
    }
    assert sorted(e.name for e in events) == ["审计车间1", "审计车间2", "审计车间3"]
    # Updates stay per row, with before and after.
    app_db.execute(text("update org_unit set name = '改名车间' where id = :i"), {"i": ids[0]})
    before, after = app_db.execute(
        text(
            "select before ->> 'name', after ->> 'name' from audit_event"
            " where table_name = 'org_unit' and row_key = :k and op = 'UPDATE'"
        ),
        {"k": f"{tenant},{ids[0]}"},
    ).one()
    assert (before, after) == ("审计车间1", "改名车间")
