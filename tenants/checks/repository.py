"""Every query of checklists, inspection tasks and checks. Row-level security limits each
statement to the caller's tenant (or scope); these queries never repeat that test. The
tenant id written on INSERT is the caller's own (the policies' WITH CHECK insists on it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.tenants.checks.models import (
    Checklist,
    ChecklistItem,
    CheckResult,
    InspectionCheck,
    InspectionTask,
)


async def _rows(db: AsyncSession, sql: str, **params: Any) -> list[RowMapping]:
    return list((await db.execute(text(sql), params)).mappings())


async def _one(db: AsyncSession, sql: str, **params: Any) -> RowMapping | None:
    return (await db.execute(text(sql), params)).mappings().first()


# --- units and risk points (read-only here) -----------------------------------------------


async def root_unit_id(db: AsyncSession) -> int | None:
    row = await _one(db, "select id from org_unit where parent_id is null")
    return int(row["id"]) if row else None


async def unit_exists(db: AsyncSession, unit_id: int) -> bool:
    return await _one(db, "select 1 from org_unit where id = :u", u=unit_id) is not None


async def unit_names(db: AsyncSession) -> dict[int, str]:
    return {int(r["id"]): r["name"] for r in await _rows(db, "select id, name from org_unit")}


async def risk_point(db: AsyncSession, risk_point_id: int) -> RowMapping | None:
    return await _one(
        db,
        "select id, org_unit_id, name, status, inspection_frequency from risk_point where id = :id",
        id=risk_point_id,
    )


async def risk_point_choices(db: AsyncSession) -> list[RowMapping]:
    """Active risk points with their unit, for picking the items of a special check."""
    return await _rows(
        db,
        "select rp.id, rp.name, rp.level, u.name as unit_name from risk_point rp"
        " join org_unit u on u.tenant_id = rp.tenant_id and u.id = rp.org_unit_id"
        " where rp.status = 'active' order by u.path, rp.name",
    )


async def display_name(db: AsyncSession, user_id: int | None) -> str:
    if user_id is None:
        return ""
    row = await _one(db, "select display_name from app_user where id = :id", id=user_id)
    return str(row["display_name"]) if row else ""


# --- checklists ---------------------------------------------------------------------------


async def list_checklists(db: AsyncSession, *, include_inactive: bool = True) -> list[RowMapping]:
    """Checklists with their unit's name and item count: active first, then by unit."""
    return await _rows(
        db,
        """
        select c.id, c.org_unit_id, c.name, c.kind, c.frequency, c.shifts_per_day, c.active,
               c.created_by, c.created_at, u.name as unit_name,
               (select count(*) from checklist_item i
                 where i.tenant_id = c.tenant_id and i.checklist_id = c.id) as item_count
        from checklist c
        join org_unit u on u.tenant_id = c.tenant_id and u.id = c.org_unit_id
        where c.active or :all
        order by c.active desc,
                 array_position(array['comprehensive', 'routine', 'special'], c.kind),
                 u.path,
                 array_position(array['shift', 'daily', 'weekly', 'monthly', 'quarterly',
                                      'yearly'], c.frequency),
                 c.id
        """,
        all=include_inactive,
    )


async def get_checklist(db: AsyncSession, checklist_id: int) -> Checklist | None:
    return (await db.exec(select(Checklist).where(Checklist.id == checklist_id))).first()


async def items_of(
    db: AsyncSession, checklist_id: int, risk_point_id: int | None = None
) -> list[ChecklistItem]:
    query = select(ChecklistItem).where(ChecklistItem.checklist_id == checklist_id)
    if risk_point_id is not None:
        query = query.where(ChecklistItem.risk_point_id == risk_point_id)
    rows = await db.exec(query.order_by(col(ChecklistItem.sort), col(ChecklistItem.id)))
    return list(rows)


async def items_by_checklist(
    db: AsyncSession, checklist_ids: Sequence[int]
) -> dict[int, list[ChecklistItem]]:
    out: dict[int, list[ChecklistItem]] = {i: [] for i in checklist_ids}
    if not checklist_ids:
        return out
    rows = await db.exec(
        select(ChecklistItem)
        .where(col(ChecklistItem.checklist_id).in_(list(checklist_ids)))
        .order_by(col(ChecklistItem.sort), col(ChecklistItem.id))
    )
    for item in rows:
        out[item.checklist_id].append(item)
    return out


async def get_item(db: AsyncSession, item_id: int) -> ChecklistItem | None:
    return (await db.exec(select(ChecklistItem).where(ChecklistItem.id == item_id))).first()


async def item_has_results(db: AsyncSession, item_id: int) -> bool:
    return (
        await _one(db, "select 1 from check_result where item_id = :i limit 1", i=item_id)
        is not None
    )


async def next_sort(db: AsyncSession, checklist_id: int) -> int:
    row = await _one(
        db,
        "select coalesce(max(sort), 0) + 1 as n from checklist_item where checklist_id = :c",
        c=checklist_id,
    )
    return int(row["n"]) if row else 1


# Routine lists check what can be seen on site; training and emergency measures are checked
# in the monthly comprehensive self-check.
ROUTINE_MEASURE_KINDS = ("engineering", "management", "ppe")
_ROUTINE_KINDS = ", ".join(f"'{k}'" for k in ROUTINE_MEASURE_KINDS)

_FREQUENCY_NAMES = """case {0} when 'shift' then '每班' when 'daily' then '每日'
  when 'weekly' then '每周' when 'monthly' then '每月' when 'quarterly' then '每季度'
  else '每年' end"""

# The risk points of a unit's subtree (the unit itself included).
_SUBTREE_POINTS = """
  from risk_point rp
  join org_unit u on u.tenant_id = rp.tenant_id and u.id = rp.org_unit_id
  join org_unit top on top.tenant_id = u.tenant_id and top.id = :unit and u.path <@ top.path
  where rp.status = 'active'
"""


async def create_routine_lists(
    db: AsyncSession, tenant_id: int, unit_id: int, user_id: int | None
) -> list[int]:
    """One active routine checklist per (unit, frequency) of the subtree's risk points that
    have control measures and no such list yet; returns the new lists' ids."""
    rows = await _rows(
        db,
        f"""
        insert into checklist (tenant_id, org_unit_id, name, kind, frequency, created_by)
        select distinct on (rp.org_unit_id, rp.inspection_frequency)
               :t, rp.org_unit_id,
               left(u.name, 80) || {_FREQUENCY_NAMES.format("rp.inspection_frequency")}
                 || '排查清单',
               'routine', rp.inspection_frequency, :uid
        {_SUBTREE_POINTS}
          and exists (select 1 from control_measure m
                      where m.tenant_id = rp.tenant_id and m.risk_point_id = rp.id
                        and m.kind in ({_ROUTINE_KINDS}))
          and not exists (select 1 from checklist c
                          where c.tenant_id = rp.tenant_id and c.org_unit_id = rp.org_unit_id
                            and c.kind = 'routine' and c.frequency = rp.inspection_frequency
                            and c.active)
        order by rp.org_unit_id, rp.inspection_frequency
        returning id
        """,
        t=tenant_id,
        uid=user_id,
        unit=unit_id,
    )
    return [int(r["id"]) for r in rows]


async def add_routine_items(db: AsyncSession, tenant_id: int, unit_id: int) -> list[int]:
    """Into each (unit, frequency) routine list (the oldest active one), one item per control
    measure of the subtree's risk points that the list does not have yet; returns the lists
    that received items (one id per item)."""
    rows = await _rows(
        db,
        f"""
        insert into checklist_item (tenant_id, checklist_id, risk_point_id, control_measure_id,
                                    content, sort)
        select :t, c.id, rp.id, m.id, left(rp.name || '：' || m.content, 500),
               coalesce((select max(i.sort) from checklist_item i
                         where i.tenant_id = c.tenant_id and i.checklist_id = c.id), 0)
               + row_number() over (partition by c.id order by rp.id, m.sort, m.id)
        from risk_point rp
        join org_unit u on u.tenant_id = rp.tenant_id and u.id = rp.org_unit_id
        join org_unit top on top.tenant_id = u.tenant_id and top.id = :unit
                         and u.path <@ top.path
        join control_measure m on m.tenant_id = rp.tenant_id and m.risk_point_id = rp.id
                              and m.kind in ({_ROUTINE_KINDS})
        join lateral (
          select c.id, c.tenant_id from checklist c
          where c.tenant_id = rp.tenant_id and c.org_unit_id = rp.org_unit_id
            and c.kind = 'routine' and c.frequency = rp.inspection_frequency and c.active
          order by c.id limit 1
        ) c on true
        where rp.status = 'active'
          and not exists (select 1 from checklist_item i
                          where i.tenant_id = c.tenant_id and i.checklist_id = c.id
                            and i.control_measure_id = m.id)
        returning checklist_id
        """,
        t=tenant_id,
        unit=unit_id,
    )
    return [int(r["checklist_id"]) for r in rows]


async def comprehensive_list(db: AsyncSession) -> Checklist | None:
    return (
        await db.exec(
            select(Checklist)
            .where(Checklist.kind == "comprehensive", col(Checklist.active).is_(True))
            .order_by(col(Checklist.id))
        )
    ).first()


async def add_point_summaries(db: AsyncSession, tenant_id: int, checklist_id: int) -> int:
    """Into the monthly comprehensive self-check: one item per active risk point the list
    does not cover yet, naming the point's control measures (or asking for them, when it
    has none). Returns the number of items added."""
    rows = await _rows(
        db,
        """
        insert into checklist_item (tenant_id, checklist_id, risk_point_id, content, sort)
        select :t, :c, rp.id,
               left(rp.name || '：' || coalesce(
                 (select string_agg(m.content, '；' order by m.sort, m.id) from control_measure m
                   where m.tenant_id = rp.tenant_id and m.risk_point_id = rp.id),
                 '管控措施落实情况'), 500),
               coalesce((select max(i.sort) from checklist_item i
                          where i.tenant_id = :t and i.checklist_id = :c), 0)
               + row_number() over (order by u.path, rp.id)
        from risk_point rp
        join org_unit u on u.tenant_id = rp.tenant_id and u.id = rp.org_unit_id
        where rp.status = 'active'
          and not exists (select 1 from checklist_item i
                          where i.tenant_id = :t and i.checklist_id = :c
                            and i.risk_point_id = rp.id)
        returning id
        """,
        t=tenant_id,
        c=checklist_id,
    )
    return len(rows)


async def add_point_items(
    db: AsyncSession, tenant_id: int, checklist_id: int, risk_point_ids: Sequence[int]
) -> int:
    """Items of the picked risk points into one list (a special check): one per control
    measure the list lacks, and for a point without any measure one general item. Returns the
    number of items added."""
    rows = await _rows(
        db,
        """
        with picked as (
          select rp.*, u.path from risk_point rp
          join org_unit u on u.tenant_id = rp.tenant_id and u.id = rp.org_unit_id
          where rp.status = 'active' and rp.id = any(:ids)
        ), wanted as (
          select rp.id as risk_point_id, m.id as measure_id,
                 left(rp.name || '：' || m.content, 500) as content,
                 rp.path, m.sort as m_sort
          from picked rp
          join control_measure m on m.tenant_id = rp.tenant_id and m.risk_point_id = rp.id
          where not exists (select 1 from checklist_item i
                            where i.tenant_id = :t and i.checklist_id = :c
                              and i.control_measure_id = m.id)
          union all
          select rp.id, null, left(rp.name || '：管控措施落实情况', 500), rp.path, 0
          from picked rp
          where not exists (select 1 from control_measure m
                            where m.tenant_id = rp.tenant_id and m.risk_point_id = rp.id)
            and not exists (select 1 from checklist_item i
                            where i.tenant_id = :t and i.checklist_id = :c
                              and i.risk_point_id = rp.id)
        )
        insert into checklist_item (tenant_id, checklist_id, risk_point_id, control_measure_id,
                                    content, sort)
        select :t, :c, w.risk_point_id, w.measure_id, w.content,
               coalesce((select max(i.sort) from checklist_item i
                          where i.tenant_id = :t and i.checklist_id = :c), 0)
               + row_number() over (order by w.path, w.risk_point_id, w.m_sort, w.measure_id)
        from wanted w
        returning id
        """,
        t=tenant_id,
        c=checklist_id,
        ids=list(risk_point_ids),
    )
    return len(rows)


async def checklist_has_checks(db: AsyncSession, checklist_id: int) -> bool:
    return (
        await _one(
            db, "select 1 from inspection_check where checklist_id = :c limit 1", c=checklist_id
        )
        is not None
    )


# --- tasks --------------------------------------------------------------------------------

_TASK_COLUMNS = """
  t.id, t.checklist_id, t.org_unit_id, t.period_key, t.starts_at, t.due_at, t.status,
  t.done_at, c.name as checklist_name, c.kind, c.frequency, u.name as unit_name,
  (select max(k.id) from inspection_check k
    where k.tenant_id = t.tenant_id and k.task_id = t.id) as check_id
from inspection_task t
join checklist c on c.tenant_id = t.tenant_id and c.id = t.checklist_id
join org_unit u on u.tenant_id = t.tenant_id and u.id = t.org_unit_id
"""


async def list_tasks(
    db: AsyncSession,
    *,
    units: Sequence[int] | None,
    status: str | None,
    since: datetime,
    limit: int = 500,
) -> list[RowMapping]:
    """Tasks of `units` (None: every unit), of one status or, without one, the pending ones
    and those due since `since`, soonest due first."""
    where = ["(cast(:units as bigint[]) is null or t.org_unit_id = any(:units))"]
    if status:
        where.append("t.status = :status")
        if status != "pending":
            where.append("t.due_at >= :since")
    else:
        where.append("(t.status = 'pending' or t.due_at >= :since)")
    return await _rows(
        db,
        f"select {_TASK_COLUMNS} where {' and '.join(where)} order by t.due_at, t.id limit :limit",
        units=None if units is None else list(units),
        status=status,
        since=since,
        limit=limit,
    )


async def task_row(db: AsyncSession, task_id: int) -> RowMapping | None:
    return await _one(db, f"select {_TASK_COLUMNS} where t.id = :id", id=task_id)


async def lock_task(db: AsyncSession, task_id: int) -> InspectionTask | None:
    """The task, locked for the rest of the transaction: two submissions of the same task
    wait for each other, and the second finds it done."""
    return (
        await db.exec(select(InspectionTask).where(InspectionTask.id == task_id).with_for_update())
    ).first()


# --- checks -------------------------------------------------------------------------------


async def get_check(db: AsyncSession, check_id: int) -> InspectionCheck | None:
    return (await db.exec(select(InspectionCheck).where(InspectionCheck.id == check_id))).first()


async def results_of(db: AsyncSession, check_id: int) -> list[RowMapping]:
    return await _rows(
        db,
        """
        select r.item_id, r.result, r.note, r.hazard_id, i.content, i.risk_point_id
        from check_result r
        join checklist_item i on i.tenant_id = r.tenant_id and i.id = r.item_id
        where r.check_id = :c
        order by i.sort, i.id
        """,
        c=check_id,
    )


def add_result(db: AsyncSession, result: CheckResult) -> None:
    db.add(result)


async def recent_checks(db: AsyncSession, limit: int = 20) -> list[RowMapping]:
    """The latest checks with their list, who, and how many items were not ok."""
    return await _rows(
        db,
        """
        select k.id, k.task_id, k.started_at, k.finished_at, c.name as checklist_name,
               c.kind, coalesce(a.display_name, '') as checked_by_name,
               (select count(*) from check_result r
                 where r.tenant_id = k.tenant_id and r.check_id = k.id
                   and r.result = 'not_ok') as not_ok
        from inspection_check k
        join checklist c on c.tenant_id = k.tenant_id and c.id = k.checklist_id
        left join app_user a on a.id = k.checked_by
        order by k.started_at desc, k.id desc
        limit :n
        """,
        n=limit,
    )


async def checklists_with_point(db: AsyncSession, risk_point_id: int) -> list[int]:
    """Active lists holding items of a risk point: routine ones of the point's own unit
    first, then other routine lists, the comprehensive one, special ones."""
    rows = await _rows(
        db,
        """
        select c.id from checklist c
        join risk_point rp on rp.id = :rp
        where c.active and exists (select 1 from checklist_item i
                                   where i.tenant_id = c.tenant_id and i.checklist_id = c.id
                                     and i.risk_point_id = :rp)
        order by (c.kind = 'routine' and c.org_unit_id = rp.org_unit_id) desc,
                 array_position(array['routine', 'comprehensive', 'special'], c.kind), c.id
        """,
        rp=risk_point_id,
    )
    return [int(r["id"]) for r in rows]
