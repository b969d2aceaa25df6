"""Row-level security of supervision_order and supervision_order_event, as the application
role: a government body sees the orders of its jurisdiction (its place and below), another
town sees none of them, a sector department only its sector's, an enterprise only the
orders addressed to it (and answers them: status and response only), the system principal
of the escalation job everything."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import SYSTEM, Principal
from tests.conftest import as_principal
from tests.supervision.orders_support import City, city_of, in_days
from tests.supervision.support import enterprise_principal
from tests.tenants.factories import committed, make_user

TABLES = ("supervision_order", "supervision_order_event")


@pytest.fixture(scope="module")
def c(owner_url: str) -> City:
    with committed(owner_url) as conn:
        return city_of(conn)


@dataclass(frozen=True)
class Orders:
    grid: int  # the town to its grid
    other_town: int  # the district to the other town
    to_tenant: int  # the town to the demo enterprise
    about_tenant: int  # the district to the town, about the demo enterprise
    school: int  # the education department to a school
    to_other_tenant: int  # the other town to an enterprise of its own

    def all(self) -> set[int]:
        return set(self.__dict__.values())


def _order(
    conn: Connection,
    issuer: Principal,
    *,
    target: int | None = None,
    tenant: int | None = None,
    sector: str | None = None,
) -> int:
    order_id = conn.execute(
        text(
            "insert into supervision_order (subject, tenant_id, issuer_user_id,"
            " issuer_jurisdiction_id, target_jurisdiction_id, jurisdiction_path, sector, title,"
            " deadline)"
            " select case when cast(:tenant as bigint) is null then 'task' else 'enterprise' end,"
            " :tenant, :u, i.id, :target,"
            " coalesce((select path from jurisdiction where id = cast(:target as bigint)),"
            "          (select jurisdiction_path from enterprise where id = cast(:tenant as bigint))),"
            " cast(:sector as text), '隔离测试督办', :d from jurisdiction i"
            " where i.path = cast(:scope as ltree)"
            " returning id"
        ),
        {
            "tenant": tenant,
            "u": issuer.user_id,
            "target": target,
            "sector": sector,
            "d": in_days(5),
            "scope": issuer.scope,
        },
    ).scalar_one()
    conn.execute(
        text(
            "insert into supervision_order_event (order_id, jurisdiction_path, sector, action,"
            " to_status) select id, jurisdiction_path, sector, 'issue', 'issued'"
            " from supervision_order where id = :o"
        ),
        {"o": order_id},
    )
    return int(order_id)


@pytest.fixture
def orders(app_db: Connection, c: City) -> Iterator[Orders]:
    """The orders, written by the system principal inside the rolled-back transaction."""
    as_principal(app_db, SYSTEM)
    other_town = Principal(**{**c.town.__dict__, "scope": _path(app_db, c.other_town_id)})
    yield Orders(
        grid=_order(app_db, c.town, target=c.grid_id),
        other_town=_order(app_db, c.bureau, target=c.other_town_id),
        to_tenant=_order(app_db, c.town, tenant=c.tenant),
        about_tenant=_order(app_db, c.bureau, target=c.town_id, tenant=c.tenant),
        school=_order(app_db, c.edu, tenant=c.school, sector="education"),
        to_other_tenant=_order(app_db, other_town, tenant=c.other_tenant),
    )


def _path(conn: Connection, jurisdiction_id: int) -> str:
    return str(
        conn.execute(
            text("select path::text from jurisdiction where id = :i"), {"i": jurisdiction_id}
        ).scalar_one()
    )


def seen(conn: Connection, p: Principal, table: str, mine: set[int]) -> set[int]:
    as_principal(conn, p)
    column = "id" if table == "supervision_order" else "order_id"
    rows = conn.execute(text(f"select {column} from {table}")).scalars()
    return {int(i) for i in rows} & mine


def _school_in_town(conn: Connection, c: City) -> bool:
    as_principal(conn, SYSTEM)
    return bool(
        conn.execute(
            text(
                "select e.jurisdiction_path <@ j.path from enterprise e, jurisdiction j"
                " where e.id = :e and j.id = :t"
            ),
            {"e": c.school, "t": c.town_id},
        ).scalar_one()
    )


@pytest.mark.parametrize("table", TABLES)
def test_each_place_sees_its_own_and_below(
    app_db: Connection, c: City, orders: Orders, table: str
) -> None:
    o = orders
    school_here = {o.school} if _school_in_town(app_db, c) else set()
    assert seen(app_db, c.bureau, table, o.all()) == o.all()
    assert seen(app_db, c.city, table, o.all()) == o.all()
    assert seen(app_db, c.town, table, o.all()) == {o.grid, o.to_tenant, o.about_tenant} | (
        school_here
    )
    other_town = Principal(**{**c.town.__dict__, "scope": _path(app_db, c.other_town_id)})
    assert seen(app_db, other_town, table, o.all()) == {o.other_town, o.to_other_tenant} | (
        {o.school} - school_here
    )
    assert seen(app_db, c.grid, table, o.all()) == {o.grid, o.to_tenant}


@pytest.mark.parametrize("table", TABLES)
def test_sector_departments_see_only_their_sector(
    app_db: Connection, c: City, orders: Orders, table: str
) -> None:
    assert seen(app_db, c.edu, table, orders.all()) == {orders.school}
    assert seen(app_db, c.health, table, orders.all()) == set()


@pytest.mark.parametrize("table", TABLES)
def test_an_enterprise_sees_only_the_orders_addressed_to_it(
    app_db: Connection, c: City, orders: Orders, table: str
) -> None:
    # Not the one addressed to its town about it: that is the town's until passed down.
    assert seen(app_db, c.boss, table, orders.all()) == {orders.to_tenant}
    other = Principal(kind="enterprise", tenant_id=c.other_tenant, role="boss")
    assert seen(app_db, other, table, orders.all()) == {orders.to_other_tenant}


def test_system_sees_everything(app_db: Connection, orders: Orders) -> None:
    for table in TABLES:
        assert seen(app_db, SYSTEM, table, orders.all()) == orders.all()


def test_an_enterprise_answers_its_own_orders_and_changes_nothing_else(
    app_db: Connection, c: City, orders: Orders
) -> None:
    as_principal(app_db, c.safety)
    answered = app_db.execute(
        text(
            "update supervision_order set status = 'responded', response = '已整改'"
            " where id = any(:ids) returning id"
        ),
        {"ids": [orders.to_tenant, orders.about_tenant]},
    ).scalars()
    assert set(answered) == {orders.to_tenant}
    for stmt in (
        "update supervision_order set title = '改标题' where id = :o",
        "update supervision_order set deadline = deadline + 30 where id = :o",
        "update supervision_order set escalation_level = 0 where id = :o",
        "delete from supervision_order where id = :o",
        "insert into supervision_order (subject, issuer_user_id, issuer_jurisdiction_id,"
        " jurisdiction_path, title, deadline, tenant_id) select 'task', 1, 1, jurisdiction_path,"
        " '自己给自己督办', current_date + 3, id from enterprise where id = :t",
    ):
        with pytest.raises(DBAPIError), app_db.begin_nested():
            app_db.execute(text(stmt), {"o": orders.to_tenant, "t": c.tenant})


def test_an_enterprise_writes_timeline_rows_of_its_own_orders_only(
    app_db: Connection, c: City, orders: Orders
) -> None:
    as_principal(app_db, c.safety)
    insert = text(
        "insert into supervision_order_event (order_id, jurisdiction_path, action, to_status)"
        " select id, jurisdiction_path, 'respond', 'responded' from supervision_order"
        " where id = :o"
    )
    assert app_db.execute(insert, {"o": orders.to_tenant}).rowcount == 1
    # The town's order about it is not visible, so nothing can be written for it either.
    assert app_db.execute(insert, {"o": orders.about_tenant}).rowcount == 0
    with pytest.raises(DBAPIError), app_db.begin_nested():
        app_db.execute(
            text(
                "insert into supervision_order_event (order_id, jurisdiction_path, action,"
                " to_status) values (:o, 'x', 'respond', 'responded')"
            ),
            {"o": orders.about_tenant},
        )


def test_a_government_body_writes_only_inside_its_scope(
    app_db: Connection, c: City, orders: Orders
) -> None:
    as_principal(app_db, c.town)
    with pytest.raises(DBAPIError), app_db.begin_nested():
        _order(app_db, c.town, target=c.other_town_id)
    changed = app_db.execute(
        text("update supervision_order set title = '越权修改' where id = any(:ids) returning id"),
        {"ids": [orders.other_town, orders.to_other_tenant]},
    ).all()
    assert changed == []


def test_a_sector_department_writes_only_its_sector(
    app_db: Connection, c: City, orders: Orders
) -> None:
    as_principal(app_db, c.edu)
    for sector in (None, "health"):
        with pytest.raises(DBAPIError), app_db.begin_nested():
            _order(app_db, c.edu, tenant=c.school, sector=sector)
    as_principal(app_db, c.health)
    changed = app_db.execute(
        text("update supervision_order set status = 'closed' where id = :o returning id"),
        {"o": orders.school},
    ).all()
    assert changed == []


def test_an_enterprise_account_of_another_tenant_reads_nothing(
    owner_url: str, app_db: Connection, c: City, orders: Orders
) -> None:
    """A worker of the other enterprise: none of the orders, not even their timeline."""
    with committed(owner_url) as conn:
        other = enterprise_principal(conn, make_user(conn, c.other_tenant, "safety_manager"))
    for table in TABLES:
        assert seen(app_db, other, table, orders.all() - {orders.to_other_tenant}) == set()
