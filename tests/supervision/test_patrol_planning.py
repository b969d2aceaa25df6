"""Patrol planning: calendar-aligned cycles, every enterprise of every grid, town and sector
department planned exactly once per cycle, idempotent runs, rules (nearest wins), newcomers
joining the open cycle, balanced and compact shares, and the end of a cycle (missed visits
and their alarms)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.principal import SYSTEM
from anwang.supervision.patrol import planning
from anwang.supervision.patrol.planning import Place
from tests.conftest import as_principal
from tests.supervision.patrol_support import (
    FAR,
    add_enterprise,
    add_officer,
    expected_areas,
    once_each,
    patrolled,
)

# --- dates and shares (no database) -------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "months", "seq", "starts", "ends"),
    [
        (date(2026, 1, 1), 2, 1, date(2026, 1, 1), date(2026, 2, 28)),
        (date(2026, 4, 30), 2, 2, date(2026, 3, 1), date(2026, 4, 30)),
        (date(2028, 2, 29), 2, 1, date(2028, 1, 1), date(2028, 2, 29)),
        (date(2026, 11, 24), 2, 6, date(2026, 11, 1), date(2026, 12, 31)),
        (date(2026, 5, 15), 3, 2, date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 12, 31), 3, 4, date(2026, 10, 1), date(2026, 12, 31)),
        (date(2026, 7, 4), 1, 7, date(2026, 7, 1), date(2026, 7, 31)),
        (date(2026, 12, 1), 5, 3, date(2026, 11, 1), date(2026, 12, 31)),
    ],
)
def test_cycles_are_aligned_to_the_calendar(
    on: date, months: int, seq: int, starts: date, ends: date
) -> None:
    assert planning.cycle_period(on, months) == planning.Period(seq, starts, ends)


def test_planned_days_are_working_days_spread_over_the_cycle() -> None:
    days = planning.working_days(date(2026, 11, 1), date(2026, 12, 31))
    assert all(d.weekday() < 5 for d in days)
    assert len(days) == 44
    planned = planning.spread(100, days)
    assert planned == sorted(planned)
    assert planned[0] == days[0] and planned[-1] >= days[-3]
    assert max(Counter(planned).values()) - min(Counter(planned).values()) <= 1
    # a weekend-only range still gets days
    assert planning.working_days(date(2026, 11, 28), date(2026, 11, 29)) == [
        date(2026, 11, 28),
        date(2026, 11, 29),
    ]


def test_shares_are_balanced_and_compact() -> None:
    # Two clusters far apart, and one place without coordinates.
    west = [Place(i, 120.0 + i * 0.001, 31.5) for i in range(1, 11)]
    east = [Place(i, 121.0 + i * 0.001, 31.5) for i in range(11, 21)]
    loose = [Place(99, None, None)]
    groups = planning.split_among([*east, *loose, *west], 2)
    assert sorted(len(g) for g in groups) == [10, 11]
    ids = [{p.id for p in g if p.lon is not None} for g in groups]
    west_ids, east_ids = {p.id for p in west}, {p.id for p in east}
    assert west_ids in ids or east_ids in ids, "one person per cluster"
    assert {p.id for g in groups for p in g} == west_ids | east_ids | {99}
    # a route visits neighbours one after the other
    route = planning.route_order([*east, *west])
    sides = [p.id <= 10 for p in route]
    assert sum(a != b for a, b in pairwise(sides)) == 1


def test_nearest_rule_wins() -> None:
    rules = [
        planning.Rule("1.2", "grid", None, 4),
        planning.Rule("1.2.3", "grid", None, 3),
        planning.Rule("1.2.3", "sector", "education", 1),
        planning.Rule("1.2", "sector", None, 6),
    ]
    assert planning.rule_months(rules, "grid", "1.2.3.4") == 3
    assert planning.rule_months(rules, "grid", "1.2.5.6") == 4
    assert planning.rule_months(rules, "grid", "1.9.5.6") == 2  # the default
    assert planning.rule_months(rules, "town", "1.2.3") == 3  # the default
    assert planning.rule_months(rules, "sector", "1.2.3", "education") == 1
    assert planning.rule_months(rules, "sector", "1.2.3", "health") == 6
    assert planning.rule_months(rules, "grid", "1.22.3.4") == 2  # not under "1.2"


# --- the planner on the demo city ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["grid", "town", "sector"])
def test_every_enterprise_is_planned_exactly_once_per_cycle(app_db: Connection, kind: str) -> None:
    as_principal(app_db, SYSTEM)  # what the daily job runs as
    result = planning.plan_cycles(app_db, FAR)
    assert result.assignments_created > 0 and not result.unstaffed
    expected = expected_areas(app_db, kind)
    assert expected, f"the demo city has {kind} areas to patrol"
    found = patrolled(app_db, kind, FAR)
    assert set(found) == set(expected)
    assert all(len(v) == 1 for v in found.values()), "one assignment per enterprise and cycle"
    assert {t: v[0][0] for t, v in found.items()} == expected, "each in its own area's cycle"
    # one cycle per area; its dates are the calendar's
    months = planning.DEFAULT_MONTHS[kind]
    period = planning.cycle_period(FAR, months)
    cycles = app_db.execute(
        text(
            "select jurisdiction_id, sector, starts_on, ends_on, seq from patrol_cycle"
            " where patrol_kind = :k and starts_on <= :on and ends_on >= :on"
        ),
        {"k": kind, "on": FAR},
    ).all()
    keys = [(c.jurisdiction_id, c.sector) for c in cycles]
    assert len(keys) == len(set(keys))
    assert {(c.starts_on, c.ends_on, c.seq) for c in cycles} == {
        (period.starts_on, period.ends_on, period.seq)
    }


def test_planned_days_lie_in_the_cycle_and_inspectors_are_the_areas_own(
    owner_db: Connection,
) -> None:
    planning.plan_cycles(owner_db, FAR)
    bad = owner_db.execute(
        text("""
        select count(*) from patrol_assignment a join patrol_cycle c on c.id = a.cycle_id
        where c.starts_on <= :on and c.ends_on >= :on
          and (a.due_on < greatest(c.starts_on, :on) or a.due_on > c.ends_on
               or extract(isodow from a.due_on) > 5)
        """),
        {"on": FAR},
    ).scalar_one()
    assert bad == 0
    strangers = owner_db.execute(
        text("""
        select count(*) from patrol_assignment a join patrol_cycle c on c.id = a.cycle_id
        where c.starts_on <= :on and c.ends_on >= :on and not exists (
          select 1 from gov_membership m
          left join gov_body b on b.id = m.gov_body_id
          where m.user_id = a.inspector_user_id
            and case c.patrol_kind
                  when 'grid' then m.role = 'grid_inspector' and m.jurisdiction_id = c.jurisdiction_id
                  when 'town' then m.role = 'officer' and m.jurisdiction_id = c.jurisdiction_id
                  else m.role = 'sector_officer' and b.sector = c.sector
                       and b.jurisdiction_id = c.jurisdiction_id
                end)
        """),
        {"on": FAR},
    ).scalar_one()
    assert strangers == 0


def test_planning_again_changes_nothing(app_db: Connection) -> None:
    as_principal(app_db, SYSTEM)
    first = planning.plan_cycles(app_db, FAR)
    before = app_db.execute(
        text("select tenant_id, cycle_id, inspector_user_id, due_on from patrol_assignment")
    ).all()
    for later in (FAR, FAR + timedelta(days=3)):
        again = planning.plan_cycles(app_db, later)
        assert (again.cycles_created, again.assignments_created) == (0, 0)
        assert again.cycles == first.cycles
    after = app_db.execute(
        text("select tenant_id, cycle_id, inspector_user_id, due_on from patrol_assignment")
    ).all()
    assert sorted(after) == sorted(before)


def test_an_enterprise_registered_mid_cycle_joins_the_open_cycles(owner_db: Connection) -> None:
    planning.plan_cycles(owner_db, FAR)
    grid = owner_db.execute(
        text(
            "select e.jurisdiction_id from enterprise e where e.kind = 'enterprise'"
            " order by e.id limit 1"
        )
    ).scalar_one()
    newcomer = add_enterprise(owner_db, grid, sector="industry")
    school = add_enterprise(owner_db, grid, sector="education", kind="public_site")
    later = FAR + timedelta(days=9)  # a Tuesday
    result = planning.plan_cycles(owner_db, later)
    assert result.cycles_created == 0
    # the enterprise joins its grid's and its town's cycle; the school its sector department's
    assert result.assignments_created == 3
    rows = owner_db.execute(
        text(
            "select a.tenant_id, c.patrol_kind, a.due_on from patrol_assignment a"
            " join patrol_cycle c on c.id = a.cycle_id where a.tenant_id = any(:t)"
        ),
        {"t": [newcomer, school]},
    ).all()
    assert sorted(k for t, k, _ in rows if t == newcomer) == ["grid", "town"]
    assert [k for t, k, _ in rows if t == school] == ["sector"]
    assert {d for _, _, d in rows} == {later}
    for kind in ("grid", "town", "sector"):
        assert set(once_each(owner_db, kind, later).values()) == {1}


def test_a_town_is_split_among_its_officers(owner_db: Connection) -> None:
    town = owner_db.execute(
        text("""
        select g.parent_id from enterprise e join jurisdiction g on g.id = e.jurisdiction_id
        where e.kind = 'enterprise' and e.status <> 'closed'
        group by g.parent_id order by count(*) desc limit 1
        """)
    ).scalar_one()
    before = owner_db.execute(
        text("select count(*) from gov_membership where jurisdiction_id = :t and role = 'officer'"),
        {"t": town},
    ).scalar_one()
    officers = {add_officer(owner_db, town), add_officer(owner_db, town)}
    planning.plan_cycles(owner_db, FAR)
    shares = Counter(
        who for v in patrolled(owner_db, "town", FAR).values() for jid, who in v if jid == town
    )
    assert len(shares) == before + 2 and officers <= set(shares)
    assert max(shares.values()) - min(shares.values()) <= 1


def test_rules_set_the_cycle_length_and_the_nearest_wins(owner_db: Connection) -> None:
    district, town, other_town = owner_db.execute(
        text("""
        select d.id, t.id, (select o.id from jurisdiction o where o.parent_id = d.id
                            and o.level = 'town' and o.id <> t.id order by o.id limit 1)
        from jurisdiction d join jurisdiction t on t.parent_id = d.id and t.level = 'town'
        where d.level = 'district' order by d.id, t.id limit 1
        """)
    ).one()
    for jid, months in ((district, 4), (town, 6)):
        owner_db.execute(
            text(
                "insert into patrol_rule (jurisdiction_id, jurisdiction_path, patrol_kind,"
                " cycle_months) select id, path, 'grid', :m from jurisdiction where id = :j"
            ),
            {"j": jid, "m": months},
        )
    on = date(2031, 7, 15)
    planning.plan_cycles(owner_db, on)
    spans = dict(
        owner_db.execute(
            text("""
            select g.parent_id, array_agg(distinct c.starts_on || '/' || c.ends_on)
            from patrol_cycle c join jurisdiction g on g.id = c.jurisdiction_id
            where c.patrol_kind = 'grid' and c.starts_on <= :on and c.ends_on >= :on
            group by g.parent_id
            """),
            {"on": on},
        ).all()
    )
    assert spans[town] == ["2031-07-01/2031-12-31"]  # the town's own rule: 6 months
    assert spans[other_town] == ["2031-05-01/2031-08-31"]  # the district's: 4 months


def test_a_longer_cycle_after_a_rule_change_starts_where_the_last_ended(
    owner_db: Connection,
) -> None:
    planning.plan_cycles(owner_db, date(2031, 1, 5))  # grid cycle Jan–Feb
    owner_db.execute(
        text(
            "insert into patrol_rule (jurisdiction_id, jurisdiction_path, patrol_kind,"
            " cycle_months) select id, path, 'grid', 3 from jurisdiction where level = 'city'"
        )
    )
    planning.plan_cycles(owner_db, date(2031, 2, 20))  # still the Jan–Feb cycle
    planning.plan_cycles(owner_db, date(2031, 3, 10))  # quarter Q1, but Jan–Feb is taken
    spans = owner_db.execute(
        text(
            "select distinct starts_on, ends_on from patrol_cycle where patrol_kind = 'grid'"
            " and starts_on >= '2031-01-01' order by 1"
        )
    ).all()
    assert [tuple(s) for s in spans] == [
        (date(2031, 1, 1), date(2031, 2, 28)),
        (date(2031, 3, 1), date(2031, 3, 31)),
    ]


def test_an_area_without_patroller_is_reported_not_planned(owner_db: Connection) -> None:
    grid, name = owner_db.execute(
        text(
            "select j.id, j.name from jurisdiction j where j.level = 'grid' and exists"
            " (select 1 from enterprise e where e.jurisdiction_id = j.id and e.kind = 'enterprise'"
            "  and e.status <> 'closed') order by j.id limit 1"
        )
    ).one()
    owner_db.execute(
        text(
            "update app_user set is_active = false where id in (select user_id"
            " from gov_membership where jurisdiction_id = :g and role = 'grid_inspector')"
        ),
        {"g": grid},
    )
    result = planning.plan_cycles(owner_db, FAR)
    assert name in result.unstaffed
    assert all(jid != grid for v in patrolled(owner_db, "grid", FAR).values() for jid, _ in v)


# --- the end of a cycle ----------------------------------------------------------------------


def _planned_in_cycles_ended_before(conn: Connection, day: date) -> int:
    return int(
        conn.execute(
            text(
                "select count(*) from patrol_assignment a join patrol_cycle c on c.id = a.cycle_id"
                " where a.status = 'planned' and c.ends_on < :d"
            ),
            {"d": day},
        ).scalar_one()
    )


def test_unvisited_enterprises_are_missed_with_an_alarm_once(app_db: Connection) -> None:
    as_principal(app_db, SYSTEM)
    planning.plan_cycles(app_db, FAR)
    grid_cycle = app_db.execute(
        text(
            "select id, ends_on from patrol_cycle where patrol_kind = 'grid'"
            " and starts_on <= :on and ends_on >= :on order by id limit 1"
        ),
        {"on": FAR},
    ).one()
    visited = app_db.execute(
        text(
            "update patrol_assignment set status = 'visited', visited_on = due_on"
            " where id = (select min(id) from patrol_assignment where cycle_id = :c)"
            " returning tenant_id"
        ),
        {"c": grid_cycle.id},
    ).scalar_one()
    # Close to the end: a reminder for every enterprise of the cycle not yet visited.
    near = grid_cycle.ends_on - timedelta(days=3)
    to_miss = _planned_in_cycles_ended_before(app_db, near)
    soon = planning.mark_missed(app_db, near)
    assert soon.missed == soon.missed_alarms == to_miss
    reminded = app_db.execute(
        text(
            "select a.status, count(*) from patrol_alarm l join patrol_assignment a"
            " on a.tenant_id = l.tenant_id and a.id = l.assignment_id"
            " where l.cycle_id = :c and l.kind = 'patrol_due_soon' group by 1"
        ),
        {"c": grid_cycle.id},
    ).all()
    unvisited = app_db.execute(
        text("select count(*) from patrol_assignment where cycle_id = :c and status = 'planned'"),
        {"c": grid_cycle.id},
    ).scalar_one()
    assert dict(reminded) == {"planned": unvisited}
    assert planning.mark_missed(app_db, near).due_soon_alarms == 0  # raised once

    after = grid_cycle.ends_on + timedelta(days=1)
    to_miss = _planned_in_cycles_ended_before(app_db, after)
    result = planning.mark_missed(app_db, after)
    assert result.missed == result.missed_alarms == to_miss >= unvisited
    assert _planned_in_cycles_ended_before(app_db, after) == 0
    assert result.resolved >= unvisited  # the reminders gave way to the alarms
    alarms = app_db.execute(
        text(
            "select tenant_id, severity, message, resolved_at from patrol_alarm"
            " where cycle_id = :c and kind = 'patrol_missed'"
        ),
        {"c": grid_cycle.id},
    ).all()
    assert len(alarms) == unvisited
    assert all(a.severity == "alarm" and "未到访" in a.message for a in alarms)
    assert all(a.resolved_at is None for a in alarms)
    assert visited not in {a.tenant_id for a in alarms}
    again = planning.mark_missed(app_db, after)
    assert (again.missed, again.missed_alarms) == (0, 0)
