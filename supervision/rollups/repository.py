"""Every read of the roll-up figures. They run as the caller: row-level security decides which
places and enterprises are visible (a place outside the scope has no row), and nothing here
repeats the scope test."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import RowMapping, text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.web.shell_queries import PAGE_SIZE, Page

# The per-sector rows of a place are keyed by the sector; '' is the row of all sectors.
ALL_SECTORS = ""
# Above this many enterprises in a place, its list without a search walks the name index.
WALK_NAMES_ABOVE = 2000


async def _rows(db: AsyncSession, sql: str, **params: Any) -> list[RowMapping]:
    result = await db.exec(text(sql), params=params)  # type: ignore[call-overload]
    return list(result.mappings())


async def _one(db: AsyncSession, sql: str, **params: Any) -> RowMapping | None:
    rows = await _rows(db, sql, **params)
    return rows[0] if rows else None


async def place_by_path(db: AsyncSession, path: str) -> RowMapping | None:
    return await _one(
        db,
        "select id, name, level, parent_id, path::text as path from jurisdiction"
        " where path = cast(:p as ltree)",
        p=path,
    )


async def trail(db: AsyncSession, scope: str, path: str) -> list[RowMapping]:
    """The places from `scope` down to `path`, for the breadcrumb."""
    return await _rows(
        db,
        "select name, level, path::text as path from jurisdiction"
        " where path @> cast(:p as ltree) and path <@ cast(:s as ltree) order by nlevel(path)",
        p=path,
        s=scope,
    )


async def area(db: AsyncSession, place_id: int, sector: str = ALL_SECTORS) -> RowMapping | None:
    """The sums of one place (None: nothing counted there, or not visible)."""
    return await _one(
        db,
        "select * from area_figures where jurisdiction_id = :id and sector = :sector",
        id=place_id,
        sector=sector,
    )


async def children(db: AsyncSession, place_id: int, sector: str = ALL_SECTORS) -> list[RowMapping]:
    """Each place directly below `place_id` with its sums (None where nothing is counted)."""
    return await _rows(
        db,
        """
        select j.id as place_id, j.name as place_name, j.level as place_level,
               j.path::text as place_path, a.*
        from jurisdiction j
        left join area_figures a on a.jurisdiction_id = j.id and a.sector = :sector
        where j.parent_id = :id
        order by j.code
        """,
        id=place_id,
        sector=sector,
    )


async def months(
    db: AsyncSession, place_id: int, first: date, sector: str = ALL_SECTORS
) -> list[RowMapping]:
    """Hazards found and closed per month at the place, from `first` on."""
    return await _rows(
        db,
        "select month, found, closed from area_month"
        " where jurisdiction_id = :id and sector = :sector and month >= :first order by month",
        id=place_id,
        sector=sector,
        first=first,
    )


async def enterprises_at(db: AsyncSession, place_id: int, sector: str | None) -> list[RowMapping]:
    """The enterprises and sites registered directly at a place (a grid), with their figures;
    the ones needing attention first (highest risk level, then overdue hazards)."""
    return await _rows(
        db,
        f"""
        select e.name, f.*
        from enterprise_figures f join enterprise e on e.id = f.tenant_id
        where f.jurisdiction_id = :id {"and f.sector = :sector" if sector else ""}
        order by array_position(array['major', 'significant', 'general', 'low'],
                                f.highest_level) nulls last,
                 f.hazards_overdue desc, e.name, e.id
        """,
        id=place_id,
        sector=sector,
    )


async def enterprise_list(
    db: AsyncSession, under: str | None, page: int, total: int, size: int = PAGE_SIZE
) -> Page:
    """A page of the visible enterprises by name, without a search: the total comes from the
    figures, and the rows from a walk of the name index (no count or sort of every row)."""
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    # The planner cannot know how many enterprises the scope holds (ltree has no estimator:
    # it guesses 1%), so for a large place it scans the whole scope and sorts it. Where the
    # figures say the place is large, walk the name index instead and stop after one page.
    before = None
    if total > WALK_NAMES_ABOVE:
        before = await _one(
            db,
            "select current_setting('enable_sort') as sort,"
            " current_setting('enable_bitmapscan') as bitmap,"
            " set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true)",
        )
    rows = await _rows(
        db,
        f"""
        select e.id, e.name, e.credit_code, e.industry, e.scale, e.status, e.kind, e.site_type,
               e.address, e.legal_representative, e.sector, j.name as place
        from enterprise e join jurisdiction j on j.id = e.jurisdiction_id
        where e.kind = 'enterprise'
          {"and e.jurisdiction_path <@ cast(:under as ltree)" if under else ""}
        order by e.name, e.id
        limit :limit offset :offset
        """,
        under=under,
        limit=size,
        offset=(page - 1) * size,
    )
    if before is not None:  # the rest of the transaction plans as usual
        await _one(
            db,
            "select set_config('enable_sort', :s, true), set_config('enable_bitmapscan', :b, true)",
            s=before["sort"],
            b=before["bitmap"],
        )
    return Page(rows=rows, total=total, page=page, size=size)


async def enterprise(db: AsyncSession, tenant_id: int) -> RowMapping | None:
    """One enterprise's figures (None: not visible, or not computed yet)."""
    return await _one(db, "select * from enterprise_figures where tenant_id = :id", id=tenant_id)


async def enterprise_months(db: AsyncSession, tenant_id: int, first: date) -> list[RowMapping]:
    return await _rows(
        db,
        "select month, found, closed from enterprise_month"
        " where tenant_id = :id and month >= :first order by month",
        id=tenant_id,
        first=first,
    )


async def state(db: AsyncSession) -> RowMapping | None:
    """When the figures were last refreshed, and for which day."""
    return await _one(db, "select as_of, refreshed_at, rebuilt_at from rollup_state where id = 1")
