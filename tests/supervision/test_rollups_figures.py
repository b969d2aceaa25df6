"""The roll-up figures equal the records: after a full rebuild, and after changes made through
SQL and the services followed by the incremental refresh, every stored figure of the towns,
the district, the city and the grids equals a direct count of hazards, risk points, tasks,
listings and patrol assignments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform import clock
from anwang.platform.principal import SYSTEM, Principal
from anwang.supervision.rollups.refresh import AREA_COUNTS, COUNTS, rebuild_all, refresh_dirty
from tests.conftest import as_principal
from tests.supervision.rollups_support import (
    expected,
    months,
    scope_of,
    stored,
    stored_months,
)
from tests.tenants.factories import company, make_risk_point, tenant_of, user_id

TODAY = clock.today()


def places(conn: Connection) -> list[str]:
    return list(
        conn.execute(text("select path::text from jurisdiction order by path")).scalars().all()
    )


def assert_agree(conn: Connection, today: date) -> None:
    """Every place's stored figures and months equal the direct counts."""
    for path in places(conn):
        want = expected(conn, path, today)
        got = stored(conn, path)
        assert {k: got[k] for k in want} == want, path
        assert stored_months(conn, path) == months(conn, path), path


def one(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).scalar_one()


def test_the_stored_columns_are_the_refreshs(owner_db: Connection) -> None:
    columns = set(
        owner_db.execute(
            text("select column_name from information_schema.columns where table_name = :t"),
            {"t": "area_figures"},
        ).scalars()
    )
    assert {*COUNTS, *AREA_COUNTS} <= columns
    assert len(COUNTS) == len(set(COUNTS))


def test_rebuild_agrees_with_the_records(owner_db: Connection) -> None:
    n = rebuild_all(owner_db, TODAY)
    assert n == one(owner_db, "select count(*) from enterprise")
    assert one(owner_db, "select count(*) from figures_dirty") == 0
    assert_agree(owner_db, TODAY)
    # the seeded city has figures worth comparing
    city = stored(owner_db, scope_of(owner_db, "city"))
    assert city["h_general_closed"] > 0 and city["risk_low"] > 0 and city["ent_red"] > 0


def test_changes_then_refresh_agree_with_the_records(owner_db: Connection) -> None:
    db = owner_db
    rebuild_all(db, TODAY)
    tenant = tenant_of(db, "boss")
    town = scope_of(db, "town")
    # 1. A new major hazard, overdue, listed for supervision by the district, itself overdue.
    hazard = one(
        db,
        "insert into hazard (tenant_id, source, title, tier, state, deadline)"
        " values (:t, 'report', '储罐区防火堤破损', 'major', 'rectifying', :d) returning id",
        t=tenant,
        d=TODAY - timedelta(days=3),
    )
    district = one(db, "select id from jurisdiction where level = 'district' limit 1")
    db.execute(
        text(
            "insert into supervision_order (kind, subject, tenant_id, hazard_id, issuer_user_id,"
            " issuer_jurisdiction_id, jurisdiction_path, listing_level, title, deadline)"
            " select 'listed', 'hazard', :t, :h, :u, :j, e.jurisdiction_path, 'district',"
            " '挂牌督办：储罐区防火堤破损', :d from enterprise e where e.id = :t"
        ),
        {"t": tenant, "h": hazard, "u": user_id(db, "bureau"), "j": district,
         "d": TODAY - timedelta(days=1)},
    )  # fmt: skip
    # 2. A closed hazard reopened, another rejected, a reported one graded.
    db.execute(
        text(
            "update hazard set state = 'rectifying', closed_at = null where id = (select id"
            " from hazard where state = 'closed' and tenant_id <> :t order by id limit 1)"
        ),
        {"t": tenant},
    )
    db.execute(
        text(
            "update hazard set state = 'rejected' where id = (select id from hazard"
            " where state in ('reported', 'rectifying') and tenant_id <> :t order by id desc"
            " limit 1)"
        ),
        {"t": tenant},
    )
    # 3. Risk points: a red one where there was none, one retired elsewhere.
    other = one(
        db,
        "select e.id from enterprise e where not exists (select 1 from risk_point r"
        " where r.tenant_id = e.id and r.level = 'major' and r.status = 'active')"
        " and e.jurisdiction_path <@ cast(:p as ltree) order by e.id limit 1",
        p=town,
    )
    make_risk_point(db, other, company(db, other), "液氨储罐", level="major")
    db.execute(
        text(
            "update risk_point set status = 'retired' where (tenant_id, id) = (select tenant_id,"
            " id from risk_point where status = 'active' order by id desc limit 1)"
        )
    )
    # 4. This month's comprehensive self-checks: one done, one pending.
    lists = db.execute(
        text(
            "select tenant_id, id, org_unit_id from checklist where kind = 'comprehensive'"
            " order by tenant_id limit 2"
        )
    ).all()
    start = clock.CHINA  # Beijing midnight of the first of the month
    for (t, cl, unit), status in zip(lists, ("done", "pending"), strict=True):
        db.execute(
            text(
                "insert into inspection_task (tenant_id, checklist_id, org_unit_id, period_key,"
                " starts_at, due_at, status, done_at) values (:t, :c, :u, :k,"
                " timezone(:z, cast(:m as timestamp)), timezone(:z, cast(:m as timestamp))"
                " + interval '1 month', :s, case when :s = 'done' then now() end)"
                " on conflict (tenant_id, checklist_id, period_key)"
                " do update set status = excluded.status"
            ),
            {"t": t, "c": cl, "u": unit, "k": f"{TODAY:%Y-%m}", "m": TODAY.replace(day=1),
             "z": str(start), "s": status},
        )  # fmt: skip
    # 5. A grid patrol cycle under way: one visited late, one past due, the rest planned.
    grid_id, grid_path = db.execute(
        text("select id, path::text from jurisdiction where level = 'grid' order by code limit 1")
    ).one()
    cycle = one(
        db,
        "insert into patrol_cycle (patrol_kind, jurisdiction_id, jurisdiction_path, seq,"
        " starts_on, ends_on) values ('grid', :j, cast(:p as ltree), 99, :s, :e) returning id",
        j=grid_id,
        p=grid_path,
        s=TODAY - timedelta(days=20),
        e=TODAY + timedelta(days=40),
    )
    inspector = user_id(db, "grid")
    units = (
        db.execute(
            text("select id from enterprise where jurisdiction_id = :j order by id"),
            {"j": grid_id},
        )
        .scalars()
        .all()
    )
    for i, unit in enumerate(units):
        status, visited = ("visited", TODAY) if i == 0 else ("planned", None)
        due = TODAY - timedelta(days=2) if i < 2 else TODAY + timedelta(days=10)
        db.execute(
            text(
                "insert into patrol_assignment (tenant_id, cycle_id, inspector_user_id, due_on,"
                " status, visited_on) values (:t, :c, :u, :d, :s, :v)"
            ),
            {"t": unit, "c": cycle, "u": inspector, "d": due, "s": status, "v": visited},
        )
    # 6. An enterprise moves to a grid of the other town.
    mover, target = db.execute(
        text(
            "select e.id, g.id from enterprise e, jurisdiction g where g.level = 'grid'"
            " and not e.jurisdiction_path <@ cast(:p as ltree) and g.path <@ cast(:p as ltree)"
            " and e.kind = 'enterprise' order by e.id, g.code limit 1"
        ),
        {"p": town},
    ).one()
    db.execute(text("update enterprise set jurisdiction_id = :g where id = :e"),
               {"g": target, "e": mover})  # fmt: skip

    assert one(db, "select count(*) from figures_dirty") >= 5
    assert refresh_dirty(db, TODAY) >= 5
    assert one(db, "select count(*) from figures_dirty") == 0
    assert_agree(db, TODAY)
    figures = stored(db, town)
    assert figures["listed_open"] >= 1 and figures["listed_overdue"] >= 1
    assert figures["major_overdue"] >= 1
    grid = stored(db, grid_path)
    assert grid["patrol_grid_cur_assigned"] == len(units) > 1
    assert grid["patrol_grid_cur_visited"] == 1 and grid["patrol_grid_cur_missed"] == 1

    # The incremental path leaves what a full rebuild would.
    def snapshot() -> list[Any]:
        return [
            tuple(r)
            for r in db.execute(
                text("select * from area_figures order by jurisdiction_id, sector")
            ).all()
        ]

    incremental = [r[:-2] for r in snapshot()]  # without as_of and updated_at
    rebuild_all(db, TODAY)
    assert [r[:-2] for r in snapshot()] == incremental


def test_a_new_day_brings_deadlines_into_the_overdue_figures(owner_db: Connection) -> None:
    db = owner_db
    tenant = tenant_of(db, "boss")
    yesterday = TODAY - timedelta(days=1)
    db.execute(
        text(
            "insert into hazard (tenant_id, source, title, tier, state, deadline)"
            " values (:t, 'report', '配电箱门损坏', 'general', 'rectifying', :d)"
        ),
        {"t": tenant, "d": yesterday},
    )
    rebuild_all(db, yesterday)  # on its deadline day it is not overdue yet
    town = scope_of(db, "town")
    before = stored(db, town)["hazards_overdue"]
    assert before == expected(db, town, yesterday)["hazards_overdue"]
    # Nothing is marked dirty; the change of day alone finds it.
    assert one(db, "select count(*) from figures_dirty") == 0
    assert refresh_dirty(db, TODAY) >= 1
    assert stored(db, town)["hazards_overdue"] == before + 1
    assert_agree(db, TODAY)


def test_a_new_month_rebuilds_everything(owner_db: Connection) -> None:
    db = owner_db
    rebuild_all(db, TODAY)
    next_month = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert refresh_dirty(db, next_month) == one(db, "select count(*) from enterprise")
    assert one(db, "select as_of from rollup_state") == next_month


@pytest.mark.parametrize("kind", ["routine", "comprehensive"])
def test_only_comprehensive_tasks_mark_their_enterprise(app_db: Connection, kind: str) -> None:
    """The shift and daily tasks generated by the thousand change no figure."""
    as_principal(app_db, SYSTEM)
    tenant, checklist, unit = app_db.execute(
        text(
            "select tenant_id, id, org_unit_id from checklist where kind = :k"
            " order by tenant_id, id limit 1"
        ),
        {"k": kind},
    ).one()
    app_db.execute(text("delete from figures_dirty"))
    app_db.execute(
        text(
            "insert into inspection_task (tenant_id, checklist_id, org_unit_id, period_key,"
            " starts_at, due_at) values (:t, :c, :u, 'test-period', now(), now() + interval '1h')"
        ),
        {"t": tenant, "c": checklist, "u": unit},
    )
    marked = app_db.execute(text("select enterprise_id from figures_dirty")).scalars().all()
    assert marked == ([tenant] if kind == "comprehensive" else [])


def test_an_enterprise_users_report_marks_it_for_the_system(
    app_db: Connection, owner_db: Connection
) -> None:
    """The trigger writes the mark whoever changes the record (it runs as the owner);
    the mark itself is visible only to the system principal."""
    owner = owner_db.execute(
        text(
            "select m.tenant_id, u.id from tenant_membership m join app_user u"
            " on u.id = m.user_id where u.username = 'worker'"
        )
    ).one()
    as_principal(app_db, SYSTEM)
    app_db.execute(text("delete from figures_dirty"))
    worker = Principal(kind="enterprise", user_id=owner.id, tenant_id=owner.tenant_id,
                       role="worker")  # fmt: skip
    as_principal(app_db, worker)
    app_db.execute(
        text(
            "insert into hazard (tenant_id, source, title, reported_by)"
            " values (:t, 'report', '消防通道堵塞', :u)"
        ),
        {"t": owner.tenant_id, "u": owner.id},
    )
    as_principal(app_db, SYSTEM)
    assert app_db.execute(text("select enterprise_id from figures_dirty")).scalars().all() == [
        owner.tenant_id
    ]
    as_principal(app_db, worker)
    with pytest.raises(Exception, match="permission denied"):
        app_db.execute(text("select count(*) from figures_dirty"))


def test_refresh_as_the_system_principal(app_db: Connection) -> None:
    """The scheduled job's role has every grant the refresh needs."""
    as_principal(app_db, SYSTEM)
    assert rebuild_all(app_db, TODAY) > 0
    app_db.execute(text("update hazard set title = title where id = (select min(id) from hazard)"))
    assert refresh_dirty(app_db, TODAY) == 1
