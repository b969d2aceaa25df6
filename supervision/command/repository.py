"""The reads of the wall beyond a place's own figures: the stored figures of the places of one
level inside it, and the dangerous operations going on now. They run as the caller, so
row-level security decides what is counted; nothing here repeats the scope test."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import RowMapping, func, or_, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.supervision.operations.models import DangerousOperation as Op
from anwang.supervision.operations.repository import overrun, under_way
from anwang.supervision.rollups.repository import ALL_SECTORS


async def areas_at_level(db: AsyncSession, path: str, level: str) -> list[RowMapping]:
    """Each place of `level` inside `path` with its stored sums (None where nothing is
    counted), in the shape of the roll-ups' own rows of the places below a place."""
    result = await db.exec(  # type: ignore[call-overload]
        text(
            """
            select j.id as place_id, j.name as place_name, j.level as place_level,
                   j.path::text as place_path, a.*
            from jurisdiction j
            left join area_figures a on a.jurisdiction_id = j.id and a.sector = :sector
            where j.level = :level and j.path <@ cast(:p as ltree)
            order by j.code
            """
        ),
        params={"p": path, "level": level, "sector": ALL_SECTORS},
    )
    return list(result.mappings())


async def operations_now(db: AsyncSession, now: datetime) -> tuple[dict[str, int], int]:
    """Permits under way now per kind (as the live view counts them), and how many are still
    marked under way after their permit ran out. Both walk the partial index of open permits."""
    query = (
        select(
            col(Op.kind),
            func.count().filter(under_way(now)),
            func.count().filter(overrun(now)),
        )
        .where(or_(under_way(now), overrun(now)))
        .group_by(col(Op.kind))
    )
    by_kind: dict[str, int] = {}
    overran = 0
    for kind, n, late in await db.exec(query):
        by_kind[str(kind)] = int(n)
        overran += int(late)
    return by_kind, overran
