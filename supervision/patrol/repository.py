"""Every query of patrols. They run as the caller, so row-level security decides which
cycles, assignments and visits are visible; nothing here repeats the scope test."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, func, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments.models import Attachment
from anwang.platform.registry.models import Enterprise
from anwang.supervision.patrol.models import (
    PatrolAlarm,
    PatrolAssignment,
    PatrolRule,
    PatrolVisit,
)
from anwang.tenants.hazards.models import Hazard


async def _rows(db: AsyncSession, sql: str, **params: Any) -> list[RowMapping]:
    result = await db.exec(text(sql), params=params)  # type: ignore[call-overload]
    return list(result.mappings())


# --- visits --------------------------------------------------------------------------------


async def visit_by_key(db: AsyncSession, key: uuid.UUID) -> PatrolVisit | None:
    rows = await db.exec(select(PatrolVisit).where(PatrolVisit.idempotency_key == key))
    return rows.first()


async def visit(db: AsyncSession, visit_id: int) -> PatrolVisit | None:
    # Not db.get(): the primary key is (tenant_id, id) and the reader has no tenant.
    return (await db.exec(select(PatrolVisit).where(PatrolVisit.id == visit_id))).first()


async def insert_visit(db: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert a visit unless one with its idempotency key exists (then None): concurrent
    sends of the same visit wait on the unique key, and only the first is stored."""
    statement = (
        insert(PatrolVisit)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(col(PatrolVisit.id))
    )
    result = await db.exec(statement)  # type: ignore[call-overload]
    row = result.first()
    return None if row is None else int(row[0])


async def save_visit(db: AsyncSession, v: PatrolVisit) -> PatrolVisit:
    db.add(v)
    await db.flush()
    await db.refresh(v)
    return v


async def visit_hazards(db: AsyncSession, v: PatrolVisit) -> list[Hazard]:
    rows = await db.exec(
        select(Hazard)
        .where(Hazard.tenant_id == v.tenant_id, Hazard.patrol_visit_id == v.id)
        .order_by(col(Hazard.id))
    )
    return list(rows)


async def visit_photo_ids(db: AsyncSession, v: PatrolVisit) -> list[int]:
    rows = await db.exec(
        select(Attachment.id)
        .where(
            Attachment.tenant_id == v.tenant_id,
            Attachment.subject_table == "patrol_visit",
            Attachment.subject_id == v.id,
        )
        .order_by(col(Attachment.id))
    )
    return [int(i) for i in rows if i is not None]


async def visits_of(db: AsyncSession, tenant_id: int, limit: int = 20) -> list[RowMapping]:
    """The latest visits of one enterprise, with who made them."""
    return await _rows(
        db,
        """
        select v.id, v.checked_in_at, v.patrol_kind, v.findings, v.distance_m,
               coalesce(u.display_name, '') as inspector
        from patrol_visit v left join app_user u on u.id = v.inspector_user_id
        where v.tenant_id = :t order by v.checked_in_at desc limit :n
        """,
        t=tenant_id,
        n=limit,
    )


# --- enterprises and assignments -------------------------------------------------------------


async def enterprise(db: AsyncSession, tenant_id: int) -> Enterprise | None:
    return (await db.exec(select(Enterprise).where(Enterprise.id == tenant_id))).first()


async def assignment_for_visit(
    db: AsyncSession, tenant_id: int, kind: str, day: date, user_id: int
) -> PatrolAssignment | None:
    """The assignment a visit of `tenant_id` on `day` fulfils: in the `kind` cycle containing
    that day, the caller's own first, else a colleague's of the same cycle; locked."""
    rows = await _rows(
        db,
        """
        select a.id from patrol_assignment a join patrol_cycle c on c.id = a.cycle_id
        where a.tenant_id = :t and c.patrol_kind = :k and c.starts_on <= :d and c.ends_on >= :d
        order by (a.inspector_user_id = :u) desc, a.id limit 1
        """,
        t=tenant_id,
        k=kind,
        d=day,
        u=user_id,
    )
    if not rows:
        return None
    found = await db.exec(
        select(PatrolAssignment)
        .where(PatrolAssignment.tenant_id == tenant_id, PatrolAssignment.id == rows[0]["id"])
        .with_for_update()
    )
    return found.first()


async def save_assignment(db: AsyncSession, a: PatrolAssignment) -> None:
    db.add(a)
    await db.flush()


async def resolve_alarms(db: AsyncSession, tenant_id: int, assignment_id: int) -> None:
    await db.exec(
        update(PatrolAlarm)
        .where(
            col(PatrolAlarm.tenant_id) == tenant_id,
            col(PatrolAlarm.assignment_id) == assignment_id,
            col(PatrolAlarm.resolved_at).is_(None),
        )
        .values(resolved_at=func.now())
    )


_ASSIGNMENTS = """
select a.id, a.tenant_id, e.name as enterprise_name, e.address, e.lon, e.lat, e.status as
       enterprise_status, a.cycle_id, a.due_on, a.status, a.visited_on, a.visit_id,
       c.patrol_kind, c.starts_on, c.ends_on
from patrol_assignment a
join patrol_cycle c on c.id = a.cycle_id
join enterprise e on e.id = a.tenant_id
where a.inspector_user_id = :u and c.starts_on <= :on and c.ends_on >= :on
order by a.due_on, e.name, a.id
"""


async def my_assignments(db: AsyncSession, user_id: int, on: date) -> list[RowMapping]:
    """The caller's assignments in the cycles containing `on`, by planned day."""
    return await _rows(db, _ASSIGNMENTS, u=user_id, on=on)


async def my_cycles(db: AsyncSession, user_id: int, on: date) -> list[RowMapping]:
    """The cycles containing `on` in which the caller has assignments, with their progress."""
    return await _rows(
        db,
        """
        select c.id, c.patrol_kind, c.seq, c.starts_on, c.ends_on, c.sector,
               j.name as jurisdiction_name,
               count(*) as total,
               count(*) filter (where a.status = 'visited') as visited,
               count(*) filter (where a.status = 'visited' and a.visited_on > a.due_on) as late
        from patrol_assignment a
        join patrol_cycle c on c.id = a.cycle_id
        join jurisdiction j on j.id = c.jurisdiction_id
        where a.inspector_user_id = :u and c.starts_on <= :on and c.ends_on >= :on
        group by c.id, j.name order by c.starts_on, c.id
        """,
        u=user_id,
        on=on,
    )


async def my_open_alarms(db: AsyncSession, user_id: int, limit: int = 50) -> list[RowMapping]:
    return await _rows(
        db,
        """
        select l.id, l.kind, l.severity, l.message, l.due_on, l.raised_at, l.tenant_id
        from patrol_alarm l
        where l.inspector_user_id = :u and l.resolved_at is null
        order by l.severity = 'alarm' desc, l.raised_at desc limit :n
        """,
        u=user_id,
        n=limit,
    )


# --- overview ----------------------------------------------------------------------------------


async def cycle_periods(db: AsyncSession, kind: str, limit: int = 12) -> list[RowMapping]:
    """The distinct periods of the visible `kind` cycles, newest first."""
    return await _rows(
        db,
        """
        select starts_on, ends_on, min(seq) as seq, count(*) as cycles from patrol_cycle
        where patrol_kind = :k group by starts_on, ends_on
        order by starts_on desc, ends_on desc limit :n
        """,
        k=kind,
        n=limit,
    )


_COVERAGE = """
select {group_cols},
       count(*) as total,
       count(*) filter (where a.status = 'visited') as visited,
       count(*) filter (where a.status = 'visited' and a.visited_on > a.due_on) as late,
       count(*) filter (where a.status = 'missed') as missed,
       count(*) filter (where a.status = 'planned' and a.due_on < :today) as behind
from patrol_assignment a
join patrol_cycle c on c.id = a.cycle_id
{joins}
where c.patrol_kind = :k and c.starts_on = :s and c.ends_on = :e
group by {group_by}
order by {order}
"""


async def cycles_on(db: AsyncSession, kind: str, on: date) -> list[RowMapping]:
    """The visible `kind` cycles containing `on`, with their coverage."""
    return await _rows(
        db,
        """
        select c.id, c.patrol_kind, c.jurisdiction_id, j.name as jurisdiction_name, c.sector,
               c.seq, c.starts_on, c.ends_on,
               count(a.id) as total,
               count(a.id) filter (where a.status = 'visited') as visited,
               count(a.id) filter (where a.status = 'visited' and a.visited_on > a.due_on)
                 as late,
               count(a.id) filter (where a.status = 'missed') as missed
        from patrol_cycle c
        join jurisdiction j on j.id = c.jurisdiction_id
        left join patrol_assignment a on a.cycle_id = c.id
        where c.patrol_kind = :k and c.starts_on <= :on and c.ends_on >= :on
        group by c.id, j.name, j.code order by j.code, c.sector
        """,
        k=kind,
        on=on,
    )


async def coverage_by_inspector(
    db: AsyncSession, kind: str, starts: date, ends: date, today: date
) -> list[RowMapping]:
    return await _rows(
        db,
        _COVERAGE.format(
            group_cols="a.inspector_user_id as id, coalesce(u.display_name, '（已停用账号）') as name,"
            " string_agg(distinct j.name, '、') as area",
            joins="left join app_user u on u.id = a.inspector_user_id"
            " join jurisdiction j on j.id = c.jurisdiction_id",
            group_by="a.inspector_user_id, u.display_name",
            order="min(j.code), name",
        ),
        k=kind,
        s=starts,
        e=ends,
        today=today,
    )


async def coverage_by_area(
    db: AsyncSession, kind: str, starts: date, ends: date, today: date, level: str
) -> list[RowMapping]:
    """Coverage per grid or per town (`level`), from the cycles' jurisdictions."""
    depth = {"grid": 4, "town": 3, "district": 2}[level]
    return await _rows(
        db,
        _COVERAGE.format(
            group_cols="j.id, j.name, j.path::text as path",
            joins="join jurisdiction j on j.path = subpath(a.jurisdiction_path, 0, :depth)",
            group_by="j.id, j.name, j.path",
            order="j.path",
        ),
        k=kind,
        s=starts,
        e=ends,
        today=today,
        depth=depth,
    )


async def unvisited(
    db: AsyncSession, kind: str, starts: date, ends: date, limit: int = 200
) -> list[RowMapping]:
    """Enterprises of the period not visited (yet), the missed and the most overdue first."""
    return await _rows(
        db,
        """
        select a.tenant_id, e.name as enterprise_name, e.address, a.due_on, a.status,
               coalesce(u.display_name, '') as inspector, j.name as area
        from patrol_assignment a
        join patrol_cycle c on c.id = a.cycle_id
        join enterprise e on e.id = a.tenant_id
        join jurisdiction j on j.id = c.jurisdiction_id
        left join app_user u on u.id = a.inspector_user_id
        where c.patrol_kind = :k and c.starts_on = :s and c.ends_on = :e
          and a.status <> 'visited'
        order by a.status = 'missed' desc, a.due_on, e.name limit :n
        """,
        k=kind,
        s=starts,
        e=ends,
        n=limit,
    )


async def unvisited_count(db: AsyncSession, kind: str, starts: date, ends: date) -> int:
    rows = await _rows(
        db,
        """
        select count(*) as n from patrol_assignment a join patrol_cycle c on c.id = a.cycle_id
        where c.patrol_kind = :k and c.starts_on = :s and c.ends_on = :e and a.status <> 'visited'
        """,
        k=kind,
        s=starts,
        e=ends,
    )
    return int(rows[0]["n"])


# --- rules ----------------------------------------------------------------------------------------


async def rules(db: AsyncSession) -> list[RowMapping]:
    return await _rows(
        db,
        """
        select r.id, r.jurisdiction_id, j.name as jurisdiction_name, j.level, r.patrol_kind,
               r.sector, r.cycle_months, r.set_at
        from patrol_rule r join jurisdiction j on j.id = r.jurisdiction_id
        order by r.jurisdiction_path, r.patrol_kind, r.sector nulls first
        """,
    )


async def rule(
    db: AsyncSession, jurisdiction_id: int, kind: str, sector: str | None
) -> PatrolRule | None:
    query = select(PatrolRule).where(
        PatrolRule.jurisdiction_id == jurisdiction_id, PatrolRule.patrol_kind == kind
    )
    query = query.where(
        col(PatrolRule.sector).is_(None) if sector is None else PatrolRule.sector == sector
    )
    return (await db.exec(query.with_for_update())).first()


async def save_rule(db: AsyncSession, r: PatrolRule) -> PatrolRule:
    db.add(r)
    await db.flush()
    await db.refresh(r)
    return r


async def delete_rule(db: AsyncSession, r: PatrolRule) -> None:
    await db.delete(r)
    await db.flush()


async def jurisdiction(db: AsyncSession, jurisdiction_id: int) -> RowMapping | None:
    rows = await _rows(
        db,
        "select id, name, level, path::text as path from jurisdiction where id = :i",
        i=jurisdiction_id,
    )
    return rows[0] if rows else None


async def jurisdiction_at(db: AsyncSession, path: str) -> RowMapping | None:
    rows = await _rows(
        db,
        "select id, name, level, path::text as path from jurisdiction"
        " where path = cast(:p as ltree)",
        p=path,
    )
    return rows[0] if rows else None


async def rule_places(db: AsyncSession, scope: str) -> list[RowMapping]:
    """The jurisdictions a rule can be set for: the scope itself and its districts and towns."""
    return await _rows(
        db,
        "select id, name, level from jurisdiction where path <@ cast(:s as ltree)"
        " and level in ('city', 'district', 'town') order by path",
        s=scope,
    )
