"""The row-level security contract of every table the government side added (migrations
0008–0012), as the application role: a town's officer sees its town and nothing of the other
town, the district's officer both, a grid inspector only its grid, a sector department only
its sector in its district, an enterprise only its own rows where the table has an enterprise
policy at all; nobody writes a row outside their scope, and an enterprise writes no
government table. The list of tables is checked against the catalogue, so a table added later
without being listed here fails the suite.

The rows are committed as the owner (the application's connection cannot see the rolled-back
owner transaction) and deleted at the end of the module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from anwang.platform.migrate import upgrade
from anwang.platform.principal import Principal
from tests.conftest import as_principal
from tests.supervision import seed_support as rows
from tests.supervision.seed_support import (
    ENTERPRISE_READS,
    ENTERPRISE_WRITES,
    GOV_WRITES,
    NOT_SCOPED,
    TABLES,
    Made,
    Side,
)
from tests.tenants.factories import committed

World = tuple[dict[str, Side], Made, dict[str, Principal]]


@pytest.fixture(scope="module")
def world(owner_url: str) -> Iterator[World]:
    with committed(owner_url) as conn:
        sides = rows.sides(conn)
        made = rows.make_all(conn, sides)
        who = rows.principals(conn, sides)
    try:
        yield sides, made, who
    finally:
        with committed(owner_url) as conn:
            rows.remove_all(conn, made)


@pytest.fixture(scope="module")
def before_0008(owner_url: str) -> Iterator[set[str]]:
    """The tables a database has at revision 0007, the last before the government side."""
    admin = make_url(owner_url).set(database="postgres").render_as_string(hide_password=False)
    name = f"{make_url(owner_url).database}_rls0007"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"drop database if exists {name} with (force)")
        c.execute(f"create database {name}")
    url = make_url(owner_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url, "0007")
        with psycopg.connect(url) as c:
            found = c.execute(
                "select tablename from pg_tables where schemaname = 'public'"
            ).fetchall()
        yield {r[0] for r in found}
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f"drop database if exists {name} with (force)")


def seen(conn: Connection, table: str, key: dict[str, object]) -> int:
    """Rows with this key visible to the connection's principal; a table it may not read at
    all counts as none."""
    try:
        with conn.begin_nested():
            return rows.count(conn, table, key)
    except DBAPIError as e:
        assert "permission denied" in str(e), e
        return 0


@contextmanager
def refused() -> Iterator[None]:
    """The statement inside must be refused: by a policy or for want of a grant (42501)."""
    with pytest.raises(DBAPIError) as caught:
        yield
    assert isinstance(caught.value.orig, psycopg.errors.InsufficientPrivilege), caught.value


def try_insert(conn: Connection, table: str, side: Side, made: Made) -> None:
    with conn.begin_nested():
        rows.insert(conn, table, side, made)


def allowed_insert(conn: Connection, table: str, side: Side, made: Made) -> None:
    """The insert passes the row-level checks: it succeeds, or only the row's uniqueness (it
    is the fixture's own row again) stops it; policies are checked before unique indexes."""
    try:
        try_insert(conn, table, side, made)
    except DBAPIError as e:
        assert isinstance(e.orig, psycopg.errors.UniqueViolation), e


# --- the list of tables -----------------------------------------------------------------


def test_every_government_table_is_covered(owner_db: Connection, before_0008: set[str]) -> None:
    tables = set(
        owner_db.execute(
            text("select tablename from pg_tables where schemaname = 'public'")
        ).scalars()
    )
    added = tables - before_0008
    assert added == set(TABLES) | set(NOT_SCOPED)
    with_gov_policy = set(
        owner_db.execute(
            text("select distinct tablename from pg_policies where 'anwang_gov' = any(roles)")
        ).scalars()
    )
    assert with_gov_policy & added == set(TABLES) | {"rollup_state"}
    forced = set(
        owner_db.execute(
            text(
                "select relname from pg_class where relkind = 'r' and relrowsecurity"
                " and relforcerowsecurity"
            )
        ).scalars()
    )
    assert added <= forced


# --- reading ----------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_the_owner_sees_every_test_row(owner_db: Connection, world: World, table: str) -> None:
    _, made, _ = world
    for side in rows.SIDES:
        assert rows.count(owner_db, table, made[table, side]) == 1, (table, side)


@pytest.mark.parametrize("table", TABLES)
def test_a_town_officer_sees_its_town_and_not_the_other(
    app_db: Connection, world: World, table: str
) -> None:
    _, made, who = world
    for me, mine, other in (("town_a", "a", "b"), ("town_b", "b", "a")):
        as_principal(app_db, who[me])
        assert seen(app_db, table, made[table, mine]) == 1, (me, table)
        assert seen(app_db, table, made[table, other]) == 0, (me, table)


@pytest.mark.parametrize("table", TABLES)
def test_the_district_officer_sees_both_towns_and_the_sites(
    app_db: Connection, world: World, table: str
) -> None:
    _, made, who = world
    as_principal(app_db, who["district"])
    for side in rows.SIDES:
        assert seen(app_db, table, made[table, side]) == 1, (table, side)


@pytest.mark.parametrize("table", TABLES)
def test_a_grid_inspector_sees_only_its_grid(app_db: Connection, world: World, table: str) -> None:
    sides, made, who = world
    as_principal(app_db, who["grid_a"])
    assert seen(app_db, table, made[table, "a"]) == 1
    assert seen(app_db, table, made[table, "b"]) == 0
    for site in ("edu", "health"):
        inside = sides[site].grid_path == sides["a"].grid_path
        assert seen(app_db, table, made[table, site]) == int(inside)


@pytest.mark.parametrize("table", TABLES)
def test_a_sector_department_sees_only_its_sector(
    app_db: Connection, world: World, table: str
) -> None:
    _, made, who = world
    for me, mine, theirs in (("edu", "edu", "health"), ("health", "health", "edu")):
        as_principal(app_db, who[me])
        assert seen(app_db, table, made[table, mine]) == 1, (me, table)
        assert seen(app_db, table, made[table, theirs]) == 0, (me, table)
        # the ordinary enterprises of the towns are another sector's
        assert seen(app_db, table, made[table, "a"]) == 0, (me, table)


@pytest.mark.parametrize("table", TABLES)
def test_an_enterprise_sees_only_its_own_rows(app_db: Connection, world: World, table: str) -> None:
    _, made, who = world
    for me, mine, other in (("ent_a", "a", "b"), ("ent_b", "b", "a")):
        as_principal(app_db, who[me])
        expected = 1 if table in ENTERPRISE_READS else 0
        assert seen(app_db, table, made[table, mine]) == expected, (me, table)
        assert seen(app_db, table, made[table, other]) == 0, (me, table)
        for site in ("edu", "health"):
            assert seen(app_db, table, made[table, site]) == 0, (me, table)


@pytest.mark.parametrize("table", NOT_SCOPED)
def test_the_roll_up_bookkeeping_is_not_for_principals_to_write(
    app_db: Connection, world: World, table: str
) -> None:
    _, _, who = world
    for me in ("town_a", "edu", "ent_a"):
        as_principal(app_db, who[me])
        if table == "figures_dirty":  # the system's work queue: nobody else reads it
            with refused(), app_db.begin_nested():
                app_db.execute(text("select count(*) from figures_dirty"))
        else:  # one row every principal reads: the date the figures are for
            with app_db.begin_nested():
                assert app_db.execute(text("select count(*) from rollup_state")).scalar() == 1
        with refused(), app_db.begin_nested():
            app_db.execute(text(f"delete from {table}"))


# --- writing ----------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_a_town_officer_writes_only_in_its_town(
    app_db: Connection, world: World, table: str
) -> None:
    sides, made, who = world
    as_principal(app_db, who["town_a"])
    with refused():
        try_insert(app_db, table, sides["b"], made)


@pytest.mark.parametrize("table", TABLES)
def test_a_town_officer_writes_its_own_town_where_the_government_writes(
    app_db: Connection, world: World, table: str
) -> None:
    sides, made, who = world
    as_principal(app_db, who["town_a"])
    if table in GOV_WRITES:
        allowed_insert(app_db, table, sides["a"], made)
    else:
        with refused():
            try_insert(app_db, table, sides["a"], made)


@pytest.mark.parametrize("table", TABLES)
def test_nobody_changes_rows_outside_their_scope(
    app_db: Connection, world: World, table: str
) -> None:
    _, made, who = world
    column = next(iter(made[table, "b"]))
    for me, outside in (("town_a", "b"), ("grid_a", "b"), ("edu", "health"), ("ent_a", "b")):
        as_principal(app_db, who[me])
        key = made[table, outside]
        for sql in (
            f"update {table} set {column} = {column} where {rows.where(key)}",
            f"delete from {table} where {rows.where(key)}",
        ):
            try:
                with app_db.begin_nested():
                    assert app_db.execute(text(sql), key).rowcount == 0, (me, sql)
            except DBAPIError as e:
                assert isinstance(e.orig, psycopg.errors.InsufficientPrivilege), e


@pytest.mark.parametrize("table", TABLES)
def test_a_sector_department_writes_only_its_sector(
    app_db: Connection, world: World, table: str
) -> None:
    sides, made, who = world
    as_principal(app_db, who["edu"])
    with refused():
        try_insert(app_db, table, sides["health"], made)
    with refused():
        try_insert(app_db, table, sides["a"], made)
    if table in GOV_WRITES:
        allowed_insert(app_db, table, sides["edu"], made)


@pytest.mark.parametrize("table", TABLES)
def test_an_enterprise_writes_no_government_table(
    app_db: Connection, world: World, table: str
) -> None:
    sides, made, who = world
    as_principal(app_db, who["ent_a"])
    with refused():
        try_insert(app_db, table, sides["b"], made)
    if table in ENTERPRISE_WRITES:
        allowed_insert(app_db, table, sides["a"], made)
    else:
        with refused():
            try_insert(app_db, table, sides["a"], made)


def test_an_enterprise_answers_only_the_orders_addressed_to_it(
    app_db: Connection, world: World
) -> None:
    _, made, who = world
    as_principal(app_db, who["ent_a"])
    mine, other = made["supervision_order", "a"], made["supervision_order", "b"]
    answer = "update supervision_order set response = '已整改' where id = :id"
    assert app_db.execute(text(answer), mine).rowcount == 1
    assert app_db.execute(text(answer), other).rowcount == 0
    with refused():
        app_db.execute(
            text("update supervision_order set deadline = deadline where id = :id"), mine
        )


# --- the whole demo city ----------------------------------------------------------------

SCOPED_COLUMNS = """
select c.relname from pg_attribute a join pg_class c on c.oid = a.attrelid
where a.attname = 'jurisdiction_path' and not a.attisdropped and c.relname = any(:tables)
"""
# The seed fills these at the small scale in both towns (patrol rules are left to officers,
# alarms are few).
SEEDED = ("patrol_cycle", "patrol_assignment", "patrol_visit", "spot_check",
          "spot_check_target", "supervision_order", "supervision_order_event",
          "dangerous_operation", "enterprise_figures", "enterprise_month", "area_figures",
          "area_month")  # fmt: skip


def test_over_the_seeded_city_no_principal_sees_a_row_outside_its_scope(
    app_db: Connection, world: World
) -> None:
    """The same contract over every row the demo seed made, not only the test rows."""
    sides, _, who = world
    scoped = set(app_db.execute(text(SCOPED_COLUMNS), {"tables": list(TABLES)}).scalars())
    assert scoped == set(TABLES)
    district = sides["a"].district_path
    for me, outside in (
        ("town_a", f"not (jurisdiction_path <@ cast('{sides['a'].town_path}' as ltree))"),
        ("town_b", f"not (jurisdiction_path <@ cast('{sides['b'].town_path}' as ltree))"),
        ("grid_a", f"not (jurisdiction_path <@ cast('{sides['a'].grid_path}' as ltree))"),
        ("edu", f"sector is distinct from 'education' or not (jurisdiction_path <@ '{district}')"),
        ("health", f"sector is distinct from 'health' or not (jurisdiction_path <@ '{district}')"),
    ):
        as_principal(app_db, who[me])
        for table in TABLES:
            total = app_db.execute(text(f"select count(*) from {table}")).scalar_one()
            wrong = app_db.execute(text(f"select count(*) from {table} where {outside}"))
            assert wrong.scalar_one() == 0, (me, table)
            if table in SEEDED and me.startswith("town"):
                assert total > 0, (me, table)
    for me, tenant in (("ent_a", sides["a"].tenant), ("ent_b", sides["b"].tenant)):
        as_principal(app_db, who[me])
        for table in ENTERPRISE_READS - {"spot_check", "supervision_order_event"}:
            wrong = app_db.execute(
                text(f"select count(*) from {table} where tenant_id <> :t"), {"t": tenant}
            )
            assert wrong.scalar_one() == 0, (me, table)
