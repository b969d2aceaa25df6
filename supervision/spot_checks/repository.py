"""Every query of online spot checks. They run as the caller: row-level security decides which
draws, enterprises and records are visible, and nothing here repeats the scope test."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.supervision.spot_checks.models import SpotCheck, SpotCheckFinding, SpotCheckTarget
from anwang.tenants.hazards.states import OPEN_STATES

# A review page lists at most this many hazards and photos per duty (the newest).
MAX_HAZARDS = 200
MAX_DUTY_PHOTOS = 12


async def _rows(db: AsyncSession, sql: str, **params: Any) -> list[RowMapping]:
    result = await db.execute(text(sql), params)
    return list(result.mappings())


async def _one(db: AsyncSession, sql: str, **params: Any) -> RowMapping | None:
    rows = await _rows(db, sql, **params)
    return rows[0] if rows else None


# --- the population and the checkers ----------------------------------------------------


def _population_where(c: dict[str, Any]) -> str:
    where = "e.status = 'active'"
    if c.get("under"):
        where += " and e.jurisdiction_path <@ cast(:under as ltree)"
    if c.get("kind"):
        where += " and e.kind = :kind"
    if c.get("site_type"):
        where += " and e.site_type = :site_type"
    if c.get("industry"):
        where += " and e.industry = :industry"
    if c.get("sector"):
        where += " and e.sector = :sector"
    if c.get("major_hazards"):
        where += (
            " and exists (select 1 from hazard h where h.tenant_id = e.id"
            " and h.tier = 'major' and h.state = any(:open_states))"
        )
    return where


def _population_params(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "under": c.get("under") or None,
        "kind": c.get("kind") or None,
        "site_type": c.get("site_type") or None,
        "industry": c.get("industry") or None,
        "sector": c.get("sector") or None,
        "open_states": sorted(OPEN_STATES),
    }


async def population_ids(db: AsyncSession, criteria: dict[str, Any]) -> list[int]:
    """The ids of the visible active enterprises matching `criteria`, ascending."""
    rows = await db.execute(
        text(f"select e.id from enterprise e where {_population_where(criteria)} order by e.id"),
        _population_params(criteria),
    )
    return [int(i) for (i,) in rows]


async def population_count(db: AsyncSession, criteria: dict[str, Any]) -> int:
    rows = await db.execute(
        text(f"select count(*) from enterprise e where {_population_where(criteria)}"),
        _population_params(criteria),
    )
    return int(rows.scalar_one())


async def checker_candidates(
    db: AsyncSession, scope: str, roles: Sequence[str], sector: str | None
) -> list[RowMapping]:
    """Active government staff whose membership is at the place `scope` itself, in `roles`
    (and, for a sector department, of that sector): they see the whole draw."""
    sector_test = "and b.sector = :sector" if sector else "and b.kind = 'emergency_bureau'"
    return await _rows(
        db,
        f"""
        select u.id as user_id, u.display_name as name, min(m.role) as role
        from gov_membership m
        join jurisdiction j on j.id = m.jurisdiction_id
        join gov_body b on b.id = m.gov_body_id
        join app_user u on u.id = m.user_id
        where j.path = cast(:scope as ltree) and m.role = any(:roles) and u.is_active
          {sector_test}
        group by u.id, u.display_name
        order by min(m.role), u.display_name, u.id
        """,
        scope=scope,
        roles=list(roles),
        sector=sector,
    )


async def gov_body_of(db: AsyncSession, user_id: int, scope: str, role: str) -> int | None:
    row = await _one(
        db,
        """
        select m.gov_body_id from gov_membership m join jurisdiction j on j.id = m.jurisdiction_id
        where m.user_id = :u and j.path = cast(:scope as ltree) and m.role = :role
        order by m.id limit 1
        """,
        u=user_id,
        scope=scope,
        role=role,
    )
    return int(row["gov_body_id"]) if row else None


async def jurisdiction(db: AsyncSession, path: str) -> RowMapping | None:
    return await _one(
        db,
        "select id, name, level, path::text as path from jurisdiction"
        " where path = cast(:p as ltree)",
        p=path,
    )


async def places_below(db: AsyncSession, scope: str) -> list[RowMapping]:
    """The towns and grids inside `scope` (for narrowing the population), in code order."""
    return await _rows(
        db,
        """
        select name, level, path::text as path, nlevel(path) as depth from jurisdiction
        where path <@ cast(:s as ltree) and path <> cast(:s as ltree)
        order by path
        """,
        s=scope,
    )


async def industries(db: AsyncSession) -> list[str]:
    rows = await db.execute(
        text("select distinct industry from enterprise where status = 'active' order by 1")
    )
    return [str(i) for (i,) in rows]


# --- draws ----------------------------------------------------------------------------------


async def add(db: AsyncSession, sc: SpotCheck, targets: Sequence[SpotCheckTarget]) -> SpotCheck:
    db.add(sc)
    await db.flush()
    await db.refresh(sc)
    for t in targets:
        t.spot_check_id = sc.id or 0
        db.add(t)
    await db.flush()
    return sc


async def get(db: AsyncSession, spot_check_id: int, *, lock: bool = False) -> SpotCheck | None:
    query = select(SpotCheck).where(SpotCheck.id == spot_check_id)
    if lock:
        query = query.with_for_update()
    return (await db.exec(query)).first()


async def save(db: AsyncSession, row: Any) -> None:
    db.add(row)
    await db.flush()


_PROGRESS = """
(select count(*) from spot_check_target t where t.spot_check_id = s.id
   and t.verdict is not null) as reviewed,
(select count(*) from spot_check_target t where t.spot_check_id = s.id
   and t.verdict = 'fail') as failed,
(select count(*) from spot_check_target t where t.spot_check_id = s.id
   and t.checker_user_id = :me and t.verdict is null) as mine_open
"""


async def list_draws(
    db: AsyncSession, me: int | None, *, status: str | None = None, limit: int = 20, offset: int = 0
) -> tuple[int, list[RowMapping]]:
    """The visible draws, newest first, with their progress."""
    where = "where s.status = :status" if status else ""
    rows = await _rows(
        db,
        f"""
        select s.id, s.title, s.status, s.sample_size, s.sector, s.drawn_by, s.drawn_at,
               s.published_at, s.review_from, s.review_to, s.algorithm,
               cardinality(s.population_ids) as population_size,
               j.name as jurisdiction_name, u.display_name as drawn_by_name,
               {_PROGRESS}, count(*) over () as total
        from spot_check s
        join jurisdiction j on j.id = s.jurisdiction_id
        left join app_user u on u.id = s.drawn_by
        {where}
        order by s.drawn_at desc, s.id desc
        limit :limit offset :offset
        """,
        me=me,
        status=status,
        limit=limit,
        offset=offset,
    )
    return (int(rows[0]["total"]) if rows else 0), rows


async def draw_facts(db: AsyncSession, spot_check_id: int, me: int | None) -> RowMapping | None:
    """Names and progress of one draw."""
    return await _one(
        db,
        f"""
        select j.name as jurisdiction_name, u.display_name as drawn_by_name,
               b.name as body_name, {_PROGRESS}
        from spot_check s
        join jurisdiction j on j.id = s.jurisdiction_id
        left join app_user u on u.id = s.drawn_by
        left join gov_body b on b.id = s.gov_body_id
        where s.id = :id
        """,
        id=spot_check_id,
        me=me,
    )


async def targets(db: AsyncSession, spot_check_id: int) -> list[RowMapping]:
    """The sampled enterprises in the order drawn, with their checker and verdicts."""
    return await _rows(
        db,
        """
        select t.tenant_id, t.position, t.checker_user_id, t.verdict, t.summary, t.reviewed_at,
               coalesce(e.name, '') as name, coalesce(e.credit_code, '') as credit_code,
               coalesce(j.name, '') as place, coalesce(u.display_name, '') as checker_name,
               e.lon, e.lat,
               (select count(*) from spot_check_finding f where f.tenant_id = t.tenant_id
                  and f.spot_check_id = t.spot_check_id) as findings,
               (select count(*) from spot_check_finding f where f.tenant_id = t.tenant_id
                  and f.spot_check_id = t.spot_check_id and f.verdict = 'fail')
                 as failed_findings
        from spot_check_target t
        left join enterprise e on e.id = t.tenant_id
        left join jurisdiction j on j.id = e.jurisdiction_id
        left join app_user u on u.id = t.checker_user_id
        where t.spot_check_id = :id
        order by t.position
        """,
        id=spot_check_id,
    )


async def stored_targets(db: AsyncSession, spot_check_id: int) -> list[tuple[int, int, int | None]]:
    """(position, enterprise id, checker) as stored, for verifying the draw."""
    rows = await db.execute(
        text(
            "select position, tenant_id, checker_user_id from spot_check_target"
            " where spot_check_id = :id order by position"
        ),
        {"id": spot_check_id},
    )
    return [(int(p), int(t), int(c) if c is not None else None) for p, t, c in rows]


async def target(
    db: AsyncSession, spot_check_id: int, tenant_id: int, *, lock: bool = False
) -> SpotCheckTarget | None:
    query = select(SpotCheckTarget).where(
        SpotCheckTarget.spot_check_id == spot_check_id, SpotCheckTarget.tenant_id == tenant_id
    )
    if lock:
        query = query.with_for_update()
    return (await db.exec(query)).first()


async def open_targets(db: AsyncSession, spot_check_id: int) -> int:
    rows = await db.execute(
        text(
            "select count(*) from spot_check_target where spot_check_id = :id and verdict is null"
        ),
        {"id": spot_check_id},
    )
    return int(rows.scalar_one())


async def findings(
    db: AsyncSession, spot_check_id: int, tenant_id: int | None = None
) -> list[SpotCheckFinding]:
    query = select(SpotCheckFinding).where(SpotCheckFinding.spot_check_id == spot_check_id)
    if tenant_id is not None:
        query = query.where(SpotCheckFinding.tenant_id == tenant_id)
    rows = await db.exec(query.order_by(col(SpotCheckFinding.id)))
    return list(rows)


async def finding_for(
    db: AsyncSession,
    spot_check_id: int,
    tenant_id: int,
    item: str,
    subject_table: str | None,
    subject_id: int | None,
) -> SpotCheckFinding | None:
    query = select(SpotCheckFinding).where(
        SpotCheckFinding.spot_check_id == spot_check_id,
        SpotCheckFinding.tenant_id == tenant_id,
        SpotCheckFinding.item == item,
    )
    query = query.where(
        col(SpotCheckFinding.subject_table).is_(None)
        if subject_table is None
        else SpotCheckFinding.subject_table == subject_table
    )
    query = query.where(
        col(SpotCheckFinding.subject_id).is_(None)
        if subject_id is None
        else SpotCheckFinding.subject_id == subject_id
    )
    return (await db.exec(query)).first()


# Which record each review item is about, and how to find one of the tenant's.
SUBJECT_QUERIES: dict[str, str] = {
    "inspection_task": (
        "select 1 from inspection_task t join checklist c"
        " on c.tenant_id = t.tenant_id and c.id = t.checklist_id"
        " where t.tenant_id = :t and t.id = :id and c.kind = 'comprehensive'"
    ),
    "hazard": "select 1 from hazard where tenant_id = :t and id = :id",
    "risk_point": "select 1 from risk_point where tenant_id = :t and id = :id",
}


async def subject_exists(db: AsyncSession, table: str, tenant_id: int, subject_id: int) -> bool:
    rows = await db.execute(text(SUBJECT_QUERIES[table]), {"t": tenant_id, "id": subject_id})
    return rows.first() is not None


async def hazard_facts(db: AsyncSession, tenant_id: int, hazard_id: int) -> RowMapping | None:
    return await _one(
        db,
        "select id, title, risk_point_id from hazard where tenant_id = :t and id = :id",
        t=tenant_id,
        id=hazard_id,
    )


# --- the records of one enterprise in the review period ---------------------------------


async def self_checks(
    db: AsyncSession, tenant_id: int, start: datetime, end: datetime
) -> list[RowMapping]:
    """The monthly comprehensive self-checks 月度综合检查 whose period overlaps [start, end),
    each with its (latest) check and the count of results by kind."""
    return await _rows(
        db,
        """
        select t.id, t.period_key, t.starts_at, t.due_at, t.status, t.done_at,
               c.name as checklist, k.id as check_id, k.checked_by, k.finished_at, k.note,
               coalesce(u.display_name, '') as checked_by_name,
               coalesce(r.ok, 0) as ok, coalesce(r.not_ok, 0) as not_ok, coalesce(r.na, 0) as na
        from inspection_task t
        join checklist c on c.tenant_id = t.tenant_id and c.id = t.checklist_id
        left join lateral (
          select k.* from inspection_check k where k.tenant_id = t.tenant_id and k.task_id = t.id
          order by k.finished_at desc nulls last, k.id desc limit 1) k on true
        left join app_user u on u.id = k.checked_by
        left join lateral (
          select count(*) filter (where x.result = 'ok') as ok,
                 count(*) filter (where x.result = 'not_ok') as not_ok,
                 count(*) filter (where x.result = 'na') as na
          from check_result x where x.tenant_id = t.tenant_id and x.check_id = k.id) r on true
        where t.tenant_id = :t and c.kind = 'comprehensive'
          and t.starts_at < :end and t.due_at > :start
        order by t.starts_at, t.id
        """,
        t=tenant_id,
        start=start,
        end=end,
    )


async def failed_results(
    db: AsyncSession, tenant_id: int, check_ids: Sequence[int]
) -> list[RowMapping]:
    """The items judged 不符合 in these checks, with their notes and the hazards they opened."""
    if not check_ids:
        return []
    return await _rows(
        db,
        """
        select x.check_id, x.note, x.hazard_id, i.content
        from check_result x
        join checklist_item i on i.tenant_id = x.tenant_id and i.id = x.item_id
        where x.tenant_id = :t and x.check_id = any(:ids) and x.result = 'not_ok'
        order by x.check_id, i.sort, i.id
        """,
        t=tenant_id,
        ids=list(check_ids),
    )


async def photos_of(
    db: AsyncSession, tenant_id: int, subject_table: str, subject_ids: Sequence[int]
) -> list[RowMapping]:
    if not subject_ids:
        return []
    return await _rows(
        db,
        """
        select id, subject_id, subject_role, taken_at, uploaded_at
        from attachment
        where tenant_id = :t and subject_table = :table and subject_id = any(:ids)
          and kind = 'photo'
        order by subject_id, id
        """,
        t=tenant_id,
        table=subject_table,
        ids=list(subject_ids),
    )


async def hazards(
    db: AsyncSession, tenant_id: int, start: datetime, end: datetime
) -> list[RowMapping]:
    """Hazards found in [start, end), and those found before that were still open, newest
    first: their rectification is what the review looks at."""
    return await _rows(
        db,
        """
        select h.id, h.source, h.tier, h.state, h.title, h.found_at, h.deadline, h.measure,
               h.rectified_at, h.accepted_at, h.closed_at, h.risk_point_id, h.stop_work,
               coalesce(rp.name, '') as risk_point
        from hazard h
        left join risk_point rp on rp.tenant_id = h.tenant_id and rp.id = h.risk_point_id
        where h.tenant_id = :t and h.found_at < :end
          and (h.found_at >= :start or h.state = any(:open_states) or h.closed_at >= :start)
        order by h.found_at desc, h.id desc
        limit :limit
        """,
        t=tenant_id,
        start=start,
        end=end,
        open_states=sorted(OPEN_STATES),
        limit=MAX_HAZARDS,
    )


async def daily_duties(db: AsyncSession, tenant_id: int) -> list[RowMapping]:
    """Risk points checked every shift or every day 每日/每班 (dust cleaning and the like),
    the highest level first."""
    return await _rows(
        db,
        """
        select rp.id, rp.name, rp.level, rp.location, rp.inspection_frequency
        from risk_point rp
        where rp.tenant_id = :t and rp.inspection_frequency in ('shift', 'daily')
        order by array_position(array['major', 'significant', 'general', 'low'], rp.level),
                 rp.name, rp.id
        """,
        t=tenant_id,
    )


async def duty_tasks(
    db: AsyncSession, tenant_id: int, point_ids: Sequence[int], start: datetime, end: datetime
) -> list[RowMapping]:
    """Per risk point: its routine tasks starting in [start, end) by status."""
    if not point_ids:
        return []
    return await _rows(
        db,
        """
        select p.risk_point_id, t.status, count(*) as n
        from (select distinct i.checklist_id, i.risk_point_id from checklist_item i
              where i.tenant_id = :t and i.risk_point_id = any(:ids)) p
        join checklist c on c.tenant_id = :t and c.id = p.checklist_id and c.kind = 'routine'
        join inspection_task t on t.tenant_id = :t and t.checklist_id = p.checklist_id
        where t.starts_at >= :start and t.starts_at < :end
        group by p.risk_point_id, t.status
        """,
        t=tenant_id,
        ids=list(point_ids),
        start=start,
        end=end,
    )


async def duty_photos(
    db: AsyncSession, tenant_id: int, point_ids: Sequence[int], start: datetime, end: datetime
) -> list[RowMapping]:
    """Per risk point: the photos of the checks of its checklists in [start, end), each with
    its Beijing day; newest first."""
    if not point_ids:
        return []
    return await _rows(
        db,
        """
        select p.risk_point_id, a.id, a.taken_at, k.started_at,
               (k.started_at at time zone 'Asia/Shanghai')::date as day
        from (select distinct i.checklist_id, i.risk_point_id from checklist_item i
              where i.tenant_id = :t and i.risk_point_id = any(:ids)) p
        join inspection_check k on k.tenant_id = :t and k.checklist_id = p.checklist_id
        join attachment a on a.tenant_id = :t and a.subject_table = 'inspection_check'
                         and a.subject_id = k.id and a.kind = 'photo'
        where k.started_at >= :start and k.started_at < :end
        order by p.risk_point_id, k.started_at desc, a.id desc
        """,
        t=tenant_id,
        ids=list(point_ids),
        start=start,
        end=end,
    )


# --- published results --------------------------------------------------------------------


async def published_results(
    db: AsyncSession,
    *,
    spot_check_id: int | None = None,
    verdict: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[RowMapping]]:
    where = "s.status = 'published'"
    if spot_check_id is not None:
        where += " and s.id = :id"
    if verdict:
        where += " and t.verdict = :verdict"
    rows = await _rows(
        db,
        f"""
        select s.id as spot_check_id, s.title, j.name as jurisdiction_name, s.published_at,
               s.review_from, s.review_to, t.tenant_id, t.position,
               coalesce(e.name, '') as enterprise, coalesce(e.credit_code, '') as credit_code,
               coalesce(ej.name, '') as place, t.verdict, t.summary,
               (select count(*) from spot_check_finding f where f.tenant_id = t.tenant_id
                  and f.spot_check_id = t.spot_check_id and f.verdict = 'fail') as failed_items,
               count(*) over () as total
        from spot_check s
        join spot_check_target t on t.spot_check_id = s.id
        join jurisdiction j on j.id = s.jurisdiction_id
        left join enterprise e on e.id = t.tenant_id
        left join jurisdiction ej on ej.id = e.jurisdiction_id
        where {where}
        order by s.published_at desc, s.id desc, t.position
        limit :limit offset :offset
        """,
        id=spot_check_id,
        verdict=verdict,
        limit=limit,
        offset=offset,
    )
    return (int(rows[0]["total"]) if rows else 0), rows


async def my_results(db: AsyncSession) -> list[RowMapping]:
    """The calling enterprise's published results (only the columns it is granted)."""
    return await _rows(
        db,
        """
        select s.id as spot_check_id, s.title, s.review_from, s.review_to, s.published_at,
               t.verdict, t.summary
        from spot_check s join spot_check_target t on t.spot_check_id = s.id
        where s.status = 'published'
        order by s.published_at desc, s.id desc
        """,
    )


async def my_findings(db: AsyncSession, spot_check_ids: Sequence[int]) -> list[RowMapping]:
    if not spot_check_ids:
        return []
    return await _rows(
        db,
        """
        select spot_check_id, item, verdict, note, hazard_id, order_id
        from spot_check_finding where spot_check_id = any(:ids)
        order by spot_check_id, id
        """,
        ids=list(spot_check_ids),
    )
