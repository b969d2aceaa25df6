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
    # 5. The grid's patrol cycle under way (made here if the seed has none): one enterprise
    # visited after its due date, one not visited past it.
    grid_id, grid_path = db.execute(
        text("select id, path::text from jurisdiction where level = 'grid' order by code limit 1")
    ).one()
    cycle = db.execute(
        text(
            "select id from patrol_cycle where patrol_kind = 'grid' and jurisdiction_id = :j"
            " and starts_on <= :d and ends_on >= :d"
        ),
        {"j": grid_id, "d": TODAY},
    ).scalar()
    if cycle is None:
        cycle = one(
            db,
            "insert into patrol_cycle (patrol_kind, jurisdiction_id, jurisdiction_path, seq,"
            " starts_on, ends_on) values ('grid', :j, cast(:p as ltree), 99, :s, :e)"
            " returning id",
            j=grid_id,
            p=grid_path,
            s=TODAY - timedelta(days=20),
            e=TODAY + timedelta(days=40),
        )
        db.execute(
            text(
                "insert into patrol_assignment (tenant_id, cycle_id, inspector_user_id, due_on)"
                " select e.id, :c, :u, :d from enterprise e where e.jurisdiction_id = :j"
            ),
            {"c": cycle, "u": user_id(db, "grid"), "d": TODAY + timedelta(days=10), "j": grid_id},
        )
    assigned = (
        db.execute(
            text("select tenant_id from patrol_assignment where cycle_id = :c order by tenant_id"),
            {"c": cycle},
        )
        .scalars()
        .all()
    )
    for unit, (status, due, visited) in zip(
        assigned,
        (
            ("visited", TODAY - timedelta(days=2), TODAY),
            ("planned", TODAY - timedelta(days=2), None),
        ),
        strict=False,
    ):
        db.execute(
            text(
                "update patrol_assignment set status = :s, due_on = :d, visited_on = :v"
                " where tenant_id = :t and cycle_id = :c"
            ),
            {"s": status, "d": due, "v": visited, "t": unit, "c": cycle},
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

    marked = one(db, "select count(*) from figures_dirty")
    assert marked >= 3
    assert refresh_dirty(db, TODAY) == marked
    assert one(db, "select count(*) from figures_dirty") == 0
    assert_agree(db, TODAY)
    figures = stored(db, town)
    assert figures["listed_open"] >= 1 and figures["listed_overdue"] >= 1
    assert figures["major_overdue"] >= 1
    grid = stored(db, grid_path)
    assert grid["patrol_grid_cur_assigned"] >= len(assigned) > 1
    assert grid["patrol_grid_cur_late"] >= 1 and grid["patrol_grid_cur_missed"] >= 1

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


def test_the_register_is_counted_at_once(owner_db: Connection) -> None:
    """A registered, suspended or moved enterprise changes its places' unit counts in the same
    transaction (the bureau page's headline), before the refresh computes the rest."""
    db = owner_db
    rebuild_all(db, TODAY)
    grid_id, grid = db.execute(
        text("select id, path::text from jurisdiction where level = 'grid' order by code limit 1")
    ).one()
    new = one(
        db,
        "insert into enterprise (name, credit_code, industry, scale, jurisdiction_id, sector)"
        " values ('太仓市汇总测试机械有限公司', '91320585MA1TEST00X', '机械制造', 'medium', :g,"
        " 'industry') returning id",
        g=grid_id,
    )
    for path in places(db):
        want, got = expected(db, path, TODAY), stored(db, path)
        for key in ("enterprises", "sites", "status_active", "scale_medium"):
            assert got[key] == want[key], (path, key)
    assert stored(db, grid, "industry")["enterprises"] == one(
        db,
        "select count(*) from enterprise where jurisdiction_id = :g and sector = 'industry'"
        " and kind = 'enterprise'",
        g=grid_id,
    )
    db.execute(text("update enterprise set status = 'suspended' where id = :e"), {"e": new})
    assert stored(db, grid)["status_suspended"] == expected(db, grid, TODAY)["status_suspended"]
    other = one(
        db, "select id from jurisdiction where level = 'grid' and id <> :g limit 1", g=grid_id
    )
    db.execute(text("update enterprise set jurisdiction_id = :o where id = :e"),
               {"o": other, "e": new})  # fmt: skip
    assert stored(db, grid)["enterprises"] == expected(db, grid, TODAY)["enterprises"]
    refresh_dirty(db, TODAY)
    assert_agree(db, TODAY)


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


def test_the_scheduled_jobs_run_as_the_system(owner_url: str) -> None:
    """Both jobs are periodic, run without a principal in their message, and commit."""
    from anwang.supervision.rollups import tasks

    assert {tasks.refresh.actor_name, tasks.rebuild.actor_name} == {
        "rollups.refresh",
        "rollups.rebuild",
    }
    assert "periodic" in tasks.refresh.options and "periodic" in tasks.rebuild.options
    assert tasks.rebuild.call_as(SYSTEM) > 0
    assert tasks.refresh.call_as(SYSTEM, on=TODAY.isoformat()) >= 0
