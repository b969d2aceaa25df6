"""Row-level security, checked as the application role on the migrated, seeded schema."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, ProgrammingError

from anwang.platform.db import principal_session, to_sqlalchemy_url
from anwang.platform.principal import Principal
from tests.conftest import as_principal


@dataclass
class City:
    a: int  # an enterprise in town x
    b: int  # an enterprise in town y
    town_x: str
    town_y: str
    district: str
    city: str
    site: int  # a public site
    site_sector: str


@pytest.fixture
def city(owner_db: Connection) -> City:
    towns = (
        owner_db.execute(
            text("select path::text from jurisdiction where level = 'town' order by code limit 2")
        )
        .scalars()
        .all()
    )
    assert len(towns) == 2, "the small demo city has at least two towns"

    def first_enterprise(path: str) -> int:
        return owner_db.execute(
            text(
                "select min(id) from enterprise where kind = 'enterprise' and jurisdiction_path <@ cast(:p as ltree)"
            ),
            {"p": path},
        ).scalar_one()

    site = owner_db.execute(
        text("select id, sector from enterprise where kind = 'public_site' order by id limit 1")
    ).one()
    district = owner_db.execute(
        text("select path::text from jurisdiction where level = 'district' order by code limit 1")
    ).scalar_one()
    top = owner_db.execute(
        text("select path::text from jurisdiction where level = 'city' order by code limit 1")
    ).scalar_one()
    return City(
        first_enterprise(towns[0]),
        first_enterprise(towns[1]),
        towns[0],
        towns[1],
        district,
        top,
        site.id,
        site.sector,
    )


def enterprise(tenant_id: int) -> Principal:
    return Principal(kind="enterprise", tenant_id=tenant_id, role="boss")


def gov(scope: str) -> Principal:
    return Principal(kind="gov", scope=scope, role="officer")


def visible_enterprises(conn: Connection) -> set[int]:
    return set(conn.execute(text("select id from enterprise")).scalars())


def count_in(conn: Connection, path: str) -> int:
    return conn.execute(
        text("select count(*) from enterprise where jurisdiction_path <@ cast(:p as ltree)"),
        {"p": path},
    ).scalar_one()


def test_application_role_owns_nothing_and_cannot_bypass(app_db: Connection) -> None:
    role = app_db.execute(
        text("select rolsuper, rolbypassrls, rolinherit from pg_roles where rolname = current_user")
    ).one()
    assert tuple(role) == (False, False, False)
    owned = app_db.execute(
        text(
            "select count(*) from pg_class where relowner = (select oid from pg_roles where rolname = current_user)"
        )
    ).scalar_one()
    assert owned == 0


# Rows about a tenant that only the government side reads: the enterprise is not given them.
GOVERNMENT_WORKLISTS = {"patrol_alarm"}  # an unvisited enterprise is the patrol's failure


def test_every_tenant_table_forces_rls_with_tenant_in_primary_key(owner_db: Connection) -> None:
    rows = owner_db.execute(
        text("""
        select c.relname, c.relrowsecurity, c.relforcerowsecurity,
               exists (select 1 from pg_index i join pg_attribute a
                         on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
                       where i.indrelid = c.oid and i.indisprimary and a.attname = 'tenant_id') as pk,
               array(select distinct r.rolname from pg_policy p, unnest(p.polroles) pr
                     join pg_roles r on r.oid = pr where p.polrelid = c.oid) as roles
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r'
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id'
                      and a.attnotnull)
    """)
    ).all()
    # (A table whose tenant is optional, such as supervision_order, belongs to a jurisdiction;
    # tests/supervision checks its policies.)
    assert {r.relname for r in rows} >= {"tenant_membership", "audit_event"}
    for r in rows:
        assert r.relrowsecurity and r.relforcerowsecurity, r.relname
        assert r.pk, f"{r.relname}: tenant_id must be part of the primary key"
        assert {"anwang_gov", "anwang_sector"} <= set(r.roles), r.relname
        if r.relname not in GOVERNMENT_WORKLISTS:
            assert "anwang_enterprise" in r.roles, r.relname


def test_tenant_reads_only_itself(app_db: Connection, city: City) -> None:
    as_principal(app_db, enterprise(city.a))
    assert visible_enterprises(app_db) == {city.a}
    members = (
        app_db.execute(text("select distinct tenant_id from tenant_membership")).scalars().all()
    )
    assert members == [city.a]
    assert (
        app_db.execute(
            text("select count(*) from enterprise where id = :b"), {"b": city.b}
        ).scalar_one()
        == 0
    )


def test_tenant_cannot_update_another(app_db: Connection, city: City) -> None:
    as_principal(app_db, enterprise(city.a))
    changed = app_db.execute(
        text("update enterprise set address = 'x' where id = :b"), {"b": city.b}
    ).rowcount
    assert changed == 0
    assert (
        app_db.execute(
            text("update enterprise set address = '新地址' where id = :a"), {"a": city.a}
        ).rowcount
        == 1
    )


def test_tenant_cannot_insert_into_another(app_db: Connection, city: City) -> None:
    as_principal(app_db, enterprise(city.a))
    user_id = app_db.execute(text("select user_id from tenant_membership limit 1")).scalar_one()
    app_db.execute(text("savepoint s"))
    with pytest.raises(ProgrammingError, match="row-level security"):
        app_db.execute(
            text("insert into tenant_membership values (:b, :u, 'worker')"),
            {"b": city.b, "u": user_id},
        )
    app_db.execute(text("rollback to savepoint s"))


def test_town_cannot_see_another_town(app_db: Connection, city: City) -> None:
    as_principal(app_db, gov(city.town_x))
    seen = visible_enterprises(app_db)
    assert city.a in seen and city.b not in seen
    assert count_in(app_db, city.town_y) == 0
    assert (
        app_db.execute(
            text("update enterprise set status = 'closed' where id = :b"), {"b": city.b}
        ).rowcount
        == 0
    )


def test_district_and_city_see_their_subtrees(
    app_db: Connection, owner_db: Connection, city: City
) -> None:
    total = owner_db.execute(text("select count(*) from enterprise")).scalar_one()
    as_principal(app_db, gov(city.city))
    assert len(visible_enterprises(app_db)) == total
    under_district = owner_db.execute(
        text("select count(*) from enterprise where jurisdiction_path <@ cast(:p as ltree)"),
        {"p": city.district},
    ).scalar_one()
    # Settings are transaction-local but may be replaced inside the transaction.
    as_principal(app_db, gov(city.district))
    assert len(visible_enterprises(app_db)) == under_district


def test_sector_sees_only_its_sector(app_db: Connection, owner_db: Connection, city: City) -> None:
    expected = set(
        owner_db.execute(
            text("select id from enterprise where sector = :s"), {"s": city.site_sector}
        ).scalars()
    )
    as_principal(
        app_db,
        Principal(kind="sector", sector=city.site_sector, scope=city.city, role="sector_officer"),
    )
    assert visible_enterprises(app_db) == expected
    assert city.a not in expected or city.site_sector == "industry"


def test_no_principal_sees_nothing(app_db: Connection) -> None:
    assert app_db.execute(text("select current_setting('anwang.tenant_id', true)")).scalar() in (
        None,
        "",
    )
    with pytest.raises(ProgrammingError, match="permission denied"):
        app_db.execute(text("select count(*) from enterprise"))


def test_pooled_connection_carries_no_principal(app_url: str, city: City) -> None:
    engine = create_engine(to_sqlalchemy_url(app_url), pool_size=1, max_overflow=0)
    try:
        with principal_session(enterprise(city.a), engine) as s:
            assert s.execute(text("select current_setting('anwang.tenant_id')")).scalar() == str(
                city.a
            )
            pid = s.execute(text("select pg_backend_pid()")).scalar()
        with engine.connect() as conn:  # the same pooled connection, no principal
            assert conn.execute(text("select pg_backend_pid()")).scalar() == pid
            assert conn.execute(text("select current_user")).scalar() == "anwang_app"
            assert conn.execute(
                text("select current_setting('anwang.tenant_id', true)")
            ).scalar() in ("", None)
    finally:
        engine.dispose()


def test_audit_log_records_changes_and_is_append_only(app_db: Connection, city: City) -> None:
    principal = Principal(kind="enterprise", tenant_id=city.a, role="boss", user_id=None)
    as_principal(app_db, principal)
    app_db.execute(text("update enterprise set address = '审计路1号' where id = :a"), {"a": city.a})
    event = app_db.execute(
        text(
            "select op, actor_role, before->>'address' as old, after->>'address' as new, tenant_id"
            " from audit_event where table_name = 'enterprise' and row_key = :k order by id desc limit 1"
        ),
        {"k": str(city.a)},
    ).one()
    assert event.op == "UPDATE" and event.new == "审计路1号" and event.old != "审计路1号"
    assert event.actor_role == "anwang_enterprise" and event.tenant_id == city.a
    for stmt in (
        "update audit_event set op = 'DELETE'",
        "delete from audit_event",
        "insert into audit_event (actor_role, table_name, op, row_key) values ('x','x','INSERT','x')",
    ):
        app_db.execute(text("savepoint s"))
        with pytest.raises(DBAPIError, match="permission denied"):
            app_db.execute(text(stmt))
        app_db.execute(text("rollback to savepoint s"))


def test_audit_log_of_another_tenant_is_invisible(app_db: Connection, city: City) -> None:
    as_principal(app_db, enterprise(city.a))
    tenants = app_db.execute(text("select distinct tenant_id from audit_event")).scalars().all()
    assert tenants == [city.a]


def test_audit_log_refuses_change_even_by_owner(owner_db: Connection) -> None:
    owner_db.execute(text("savepoint s"))
    with pytest.raises(DBAPIError, match="append-only"):
        owner_db.execute(text("delete from audit_event"))
    owner_db.execute(text("rollback to savepoint s"))


def test_tenant_rows_carry_and_follow_their_tenants_scope(owner_db: Connection, city: City) -> None:
    def member_scopes() -> set[tuple[str, str]]:
        rows = owner_db.execute(
            text(
                "select jurisdiction_path::text, sector from tenant_membership where tenant_id = :a"
            ),
            {"a": city.a},
        )
        return {tuple(r) for r in rows}

    home = owner_db.execute(
        text("select jurisdiction_path::text, sector from enterprise where id = :a"), {"a": city.a}
    ).one()
    assert member_scopes() == {tuple(home)}
    grid_y = owner_db.execute(
        text(
            "select id, path::text from jurisdiction where level = 'grid' and path <@ cast(:p as ltree) limit 1"
        ),
        {"p": city.town_y},
    ).one()
    owner_db.execute(
        text("update enterprise set jurisdiction_id = :g, sector = 'transport' where id = :a"),
        {"g": grid_y.id, "a": city.a},
    )
    assert member_scopes() == {(grid_y.path, "transport")}
