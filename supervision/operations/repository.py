"""Every query of dangerous-operation permits. Row-level security decides whose permits are
visible (the enterprise its own, a bureau its jurisdiction, a sector department its sector);
nothing here repeats that test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, func, or_, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.registry.models import Enterprise
from anwang.supervision.operations.models import DangerousOperation as Op

View = Literal["now", "upcoming", "past", "all"]


def under_way(now: datetime) -> ColumnElement[bool]:
    """Started and within its permit, or reported and inside its window (the work may
    begin at any moment): what a supervisor must know is going on now."""
    return or_(
        and_(col(Op.status) == "active", col(Op.valid_to) > now),
        and_(col(Op.status) == "reported", col(Op.valid_from) <= now, col(Op.valid_to) > now),
    )


def overrun(now: datetime) -> ColumnElement[bool]:
    """Marked under way after its permit ran out 超时未关闭."""
    return and_(col(Op.status) == "active", col(Op.valid_to) <= now)


def upcoming(now: datetime) -> ColumnElement[bool]:
    return and_(col(Op.status) == "reported", col(Op.valid_from) > now)


def ended(now: datetime) -> ColumnElement[bool]:
    """Finished, cancelled, or reported and never started before its permit ran out."""
    return or_(
        col(Op.status).in_(("finished", "cancelled")),
        and_(col(Op.status) == "reported", col(Op.valid_to) <= now),
    )


@dataclass(frozen=True)
class OperationFilter:
    view: View = "all"
    kind: str | None = None
    # the permits whose window meets [day_start, day_end) (past ones searched by date)
    day_start: datetime | None = None
    day_end: datetime | None = None
    q: str = ""


def _filtered(query: Any, f: OperationFilter, now: datetime, *, with_kind: bool = True) -> Any:
    if f.view == "now":
        query = query.where(or_(under_way(now), overrun(now)))
    elif f.view == "upcoming":
        query = query.where(upcoming(now))
    elif f.view == "past":
        query = query.where(ended(now))
    if with_kind and f.kind:
        query = query.where(Op.kind == f.kind)
    if f.day_start is not None and f.day_end is not None:
        query = query.where(col(Op.valid_from) < f.day_end, col(Op.valid_to) > f.day_start)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            col(Op.permit_no).ilike(like)
            | col(Op.location).ilike(like)
            | col(Op.content).ilike(like)
            | col(Enterprise.name).ilike(like)
        )
    return query


def _joined(*columns: Any) -> Any:
    return select(*columns).join(Enterprise, col(Enterprise.id) == col(Op.tenant_id))


async def get(db: AsyncSession, op_id: int) -> Op | None:
    return (await db.exec(select(Op).where(Op.id == op_id))).first()


async def get_for_update(db: AsyncSession, op_id: int) -> Op | None:
    """The permit, locked until the end of the transaction, so two steps never cross."""
    return (await db.exec(select(Op).where(Op.id == op_id).with_for_update())).first()


async def list_operations(
    db: AsyncSession,
    f: OperationFilter,
    now: datetime,
    *,
    limit: int = 20,
    offset: int = 0,
    newest_first: bool = False,
) -> tuple[int, list[tuple[Op, str]]]:
    """A page of permits with their enterprise's name: the soonest first, or the newest
    first for the past."""
    query = _filtered(_joined(Op, Enterprise.name), f, now)
    total = (await db.exec(select(func.count()).select_from(query.subquery()))).one()
    order = (
        (col(Op.valid_from).desc(), col(Op.id).desc())
        if newest_first
        else (col(Op.valid_from), col(Op.id))
    )
    rows = await db.exec(query.order_by(*order).limit(limit).offset(offset))
    return int(total), [(op, str(name)) for op, name in rows]


async def kind_counts(db: AsyncSession, f: OperationFilter, now: datetime) -> dict[str, int]:
    """Permits per kind under every filter but the kind."""
    query = _filtered(_joined(Op.kind, func.count()), f, now, with_kind=False)
    rows = await db.exec(query.group_by(col(Op.kind)))
    return {str(kind): int(n) for kind, n in rows}


async def live(
    db: AsyncSession, now: datetime, day_end: datetime, *, limit: int = 500
) -> list[tuple[Op, str, float | None, float | None]]:
    """Under way now, overrun, and starting before `day_end`, with each enterprise's name and
    location (for the map), soonest end first."""
    query = (
        _joined(Op, Enterprise.name, Enterprise.lon, Enterprise.lat)
        .where(
            or_(
                under_way(now),
                overrun(now),
                and_(upcoming(now), col(Op.valid_from) < day_end),
            )
        )
        .order_by(col(Op.valid_to), col(Op.id))
        .limit(limit)
    )
    return [(op, str(name), lon, lat) for op, name, lon, lat in await db.exec(query)]


async def unit_exists(db: AsyncSession, unit_id: int) -> bool:
    result = await db.execute(
        text("select exists (select 1 from org_unit where id = :u)"), {"u": unit_id}
    )
    return bool(result.scalar())


async def permit_taken(db: AsyncSession, permit_no: str) -> bool:
    result = await db.execute(
        text("select exists (select 1 from dangerous_operation where permit_no = :n)"),
        {"n": permit_no},
    )
    return bool(result.scalar())


async def view_counts(db: AsyncSession, now: datetime) -> dict[str, int]:
    """How many permits each tab of the enterprise's list holds (now, upcoming, past)."""
    query = select(
        func.count().filter(or_(under_way(now), overrun(now))),
        func.count().filter(upcoming(now)),
        func.count().filter(ended(now)),
    ).select_from(Op)
    now_n, upcoming_n, past_n = (await db.exec(query)).one()
    return {"now": int(now_n), "upcoming": int(upcoming_n), "past": int(past_n)}


async def enterprise_name(db: AsyncSession, tenant_id: int) -> str:
    result = await db.execute(text("select name from enterprise where id = :t"), {"t": tenant_id})
    return str(result.scalar() or "")


async def area_outlines(db: AsyncSession, scope: str) -> list[tuple[str, Any]]:
    """The areas one level below `scope` (the grid itself for a grid) with their boundary
    GeoJSON, for the schematic map. Jurisdictions are public reference data."""
    result = await db.execute(
        text(
            """
            select j.name, j.boundary from jurisdiction j
            where j.boundary is not null
              and (j.parent_id = (select id from jurisdiction where path = cast(:s as ltree))
                   or (j.path = cast(:s as ltree) and j.level = 'grid'))
            order by j.code
            """
        ),
        {"s": scope},
    )
    return [(str(name), boundary) for name, boundary in result]
