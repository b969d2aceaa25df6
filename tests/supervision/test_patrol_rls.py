"""Row-level security of the patrol tables, as the application role: a grid inspector reads
and writes only its grid, a town officer its town, a sector officer its sector's cycles, an
enterprise its own assignments and visits but never the government's patrol alarms; the
scheduled jobs run as the system principal."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import SYSTEM
from anwang.supervision.patrol import planning, tasks
from tests.conftest import as_principal
from tests.supervision.patrol_support import FAR
from tests.supervision.support import enterprise_principal, gov_principal


@pytest.fixture
def planned(app_db: Connection, owner_db: Connection) -> dict[str, Any]:
    """FAR's cycles planned and closed (missed alarms raised) as the system principal; the
    demo's principals (read as the owner)."""
    grid = gov_principal(owner_db, "grid")
    boss = enterprise_principal(owner_db, "boss")
    other = owner_db.execute(
        text(
            "select id from enterprise where kind = 'enterprise'"
            " and not jurisdiction_path <@ cast(:g as ltree) order by id limit 1"
        ),
        {"g": grid.scope},
    ).scalar_one()
    other_town = owner_db.execute(
        text(
            "select u.username from app_user u join gov_membership g on g.user_id = u.id"
            " join jurisdiction j on j.id = g.jurisdiction_id where g.role = 'officer'"
            " and j.level = 'town' and not j.path @> (select jurisdiction_path from enterprise"
            " where id = :t) order by u.id limit 1"
        ),
        {"t": boss.tenant_id},
    ).scalar_one()
    as_principal(app_db, SYSTEM)
    planning.plan_cycles(app_db, FAR)
    planning.mark_missed(app_db, FAR.replace(year=FAR.year + 1))
    return {
        "grid": grid,
        "boss": boss,
        "other": other,
        "town": gov_principal(owner_db, "town"),
        "other_town": gov_principal(owner_db, other_town),
        "edu": gov_principal(owner_db, "edu"),
    }


def scalar(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).scalar_one()


def insert_visit(conn: Connection, tenant: int, user_id: int) -> None:
    conn.execute(
        text(
            "insert into patrol_visit (tenant_id, inspector_user_id, patrol_kind,"
            " idempotency_key, checked_in_at) values (:t, :u, 'grid', :k, now())"
        ),
        {"t": tenant, "u": user_id, "k": uuid.uuid4()},
    )


def test_a_grid_inspector_reads_and_writes_only_its_grid(
    app_db: Connection, planned: dict[str, Any]
) -> None:
    grid = planned["grid"]
    as_principal(app_db, grid)
    outside = scalar(
        app_db,
        "select count(*) from patrol_assignment where not jurisdiction_path <@ cast(:g as ltree)",
        g=grid.scope,
    )
    assert outside == 0
    assert scalar(app_db, "select count(*) from patrol_assignment") > 0
    assert scalar(app_db, "select count(*) from patrol_alarm") > 0
    assert scalar(app_db, "select count(*) from patrol_assignment where tenant_id = :t",
                  t=planned["other"]) == 0  # fmt: skip
    insert_visit(app_db, planned["boss"].tenant_id, grid.user_id)
    with pytest.raises(DBAPIError), app_db.begin_nested():
        insert_visit(app_db, planned["other"], grid.user_id)
    updated = app_db.execute(
        text("update patrol_assignment set status = 'visited' where tenant_id = :t"),
        {"t": planned["other"]},
    )
    assert updated.rowcount == 0


def test_towns_and_sectors_see_their_own(app_db: Connection, planned: dict[str, Any]) -> None:
    boss_tenant = planned["boss"].tenant_id
    town = planned["town"]
    as_principal(app_db, town)
    assert scalar(app_db, "select count(*) from patrol_assignment where tenant_id = :t",
                  t=boss_tenant) >= 2  # fmt: skip
    assert (
        scalar(
            app_db,
            "select count(*) from patrol_cycle where not jurisdiction_path <@ cast(:s as ltree)",
            s=town.scope,
        )
        == 0
    )
    as_principal(app_db, planned["other_town"])
    for table in ("patrol_assignment", "patrol_visit", "patrol_alarm"):
        assert scalar(app_db, f"select count(*) from {table} where tenant_id = :t",
                      t=boss_tenant) == 0, table  # fmt: skip
    as_principal(app_db, planned["edu"])
    sectors = app_db.execute(text("select distinct sector from patrol_cycle")).scalars().all()
    assert list(sectors) == ["education"]
    assert set(app_db.execute(text("select distinct sector from patrol_assignment")).scalars()) == {
        "education"
    }


def test_an_enterprise_sees_its_visits_but_not_the_patrol_alarms(
    app_db: Connection, planned: dict[str, Any]
) -> None:
    boss = planned["boss"]
    as_principal(app_db, boss)
    assert scalar(app_db, "select count(*) from patrol_assignment") >= 2
    assert scalar(app_db, "select count(*) from patrol_assignment where tenant_id <> :t",
                  t=boss.tenant_id) == 0  # fmt: skip
    with pytest.raises(DBAPIError, match="permission denied"), app_db.begin_nested():
        app_db.execute(text("select count(*) from patrol_alarm"))
    with pytest.raises(DBAPIError, match="permission denied"), app_db.begin_nested():
        insert_visit(app_db, boss.tenant_id, boss.user_id or 0)


def test_the_jobs_run_as_the_system_principal(app_db: Connection) -> None:
    assert tasks.plan.run_as == SYSTEM and tasks.mark_missed.run_as == SYSTEM
    assert "periodic" in tasks.plan.options and "periodic" in tasks.mark_missed.options
    as_principal(app_db, SYSTEM)
    # The planner learns who patrols where through patrol_staff() alone.
    for table in ("gov_membership", "app_user"):
        with pytest.raises(DBAPIError, match="permission denied"), app_db.begin_nested():
            app_db.execute(text(f"select count(*) from {table}"))
    day = FAR.replace(year=FAR.year + 2)
    first = tasks.plan.fn(app_db, on=day.isoformat())
    assert first["cycles_created"] > 0 and first["assignments_created"] > 0
    assert tasks.plan.fn(app_db, on=day.isoformat())["assignments_created"] == 0
    closed = tasks.mark_missed.fn(app_db, on=day.replace(year=day.year + 1).isoformat())
    assert closed["missed"] == closed["missed_alarms"] >= first["assignments_created"]
