"""The queries behind the shell pages. They run as the request's principal, so row-level
security decides which enterprises they see; none of them repeats the scope test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, text
from sqlmodel.ext.asyncio.session import AsyncSession

PAGE_SIZE = 20


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, the total, and where it is."""

    rows: list[RowMapping]
    total: int
    page: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.size)


async def _rows(db: AsyncSession, sql: str, **params: Any) -> list[RowMapping]:
    result = await db.exec(text(sql), params=params)  # type: ignore[call-overload]
    return list(result.mappings())


async def _one(db: AsyncSession, sql: str, **params: Any) -> RowMapping | None:
    rows = await _rows(db, sql, **params)
    return rows[0] if rows else None


def _like(q: str) -> str:
    # The user's % and _ are literal characters, not wildcards.
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- the enterprise's own shell -------------------------------------------------------


async def own_enterprise(db: AsyncSession, tenant_id: int) -> RowMapping | None:
    """The tenant's record with its full jurisdiction name (苏州市 / 太仓市 / 城厢镇 …)."""
    return await _one(
        db,
        """
        select e.*, (select string_agg(a.name, ' / ' order by nlevel(a.path))
                       from jurisdiction a where a.path @> e.jurisdiction_path) as place
        from enterprise e where e.id = :id
        """,
        id=tenant_id,
    )


async def members(db: AsyncSession) -> list[RowMapping]:
    """The tenant's people, the boss first."""
    return await _rows(
        db,
        """
        select u.display_name, u.username, u.phone, m.role
        from tenant_membership m join app_user u on u.id = m.user_id
        order by array_position(
                   array['boss', 'safety_manager', 'admin', 'unit_head', 'worker'], m.role),
                 u.display_name
        """,
    )


# --- jurisdictions (public reference data) --------------------------------------------


async def jurisdiction_by_path(db: AsyncSession, path: str) -> RowMapping | None:
    return await _one(
        db,
        "select id, name, level, path::text as path from jurisdiction where path = cast(:p as ltree)",
        p=path,
    )


async def trail(db: AsyncSession, scope: str, path: str) -> list[RowMapping]:
    """The jurisdictions from `scope` down to `path`, for a breadcrumb."""
    return await _rows(
        db,
        """
        select name, level, path::text as path from jurisdiction
        where path @> cast(:p as ltree) and path <@ cast(:s as ltree)
        order by nlevel(path)
        """,
        p=path,
        s=scope,
    )


async def level_counts(db: AsyncSession, scope: str) -> dict[str, int]:
    """How many towns, grids … lie inside `scope`."""
    rows = await _rows(
        db,
        "select level, count(*) as n from jurisdiction"
        " where path <@ cast(:s as ltree) and path <> cast(:s as ltree) group by level",
        s=scope,
    )
    return {r["level"]: int(r["n"]) for r in rows}


# --- roll-ups over the enterprises the principal sees ---------------------------------


def _under(under: str | None, alias: str = "e") -> str:
    # Only narrows inside what RLS already allows; skipped at the scope itself.
    return f" and {alias}.jurisdiction_path <@ cast(:under as ltree)" if under else ""


async def totals(db: AsyncSession, under: str | None = None) -> RowMapping:
    """Enterprise and public-site totals and enterprises by status and scale."""
    row = await _one(
        db,
        f"""
        select count(*) filter (where kind = 'enterprise') as enterprises,
               count(*) filter (where kind = 'public_site') as sites,
               count(*) filter (where kind = 'enterprise' and status = 'active') as active,
               count(*) filter (where kind = 'enterprise' and status = 'suspended') as suspended,
               count(*) filter (where kind = 'enterprise' and status = 'closed') as closed,
               count(*) filter (where kind = 'enterprise' and scale = 'large') as large,
               count(*) filter (where kind = 'enterprise' and scale = 'medium') as medium,
               count(*) filter (where kind = 'enterprise' and scale = 'small') as small,
               count(*) filter (where kind = 'enterprise' and scale = 'micro') as micro
        from enterprise e where true {_under(under)}
        """,
        under=under,
    )
    assert row is not None  # an aggregate always returns one row
    return row


async def site_type_counts(db: AsyncSession) -> list[RowMapping]:
    """Visible rows counted by site type (None for ordinary enterprises), largest first."""
    return await _rows(
        db,
        "select site_type, count(*) as n from enterprise group by site_type"
        " order by count(*) desc, site_type nulls last",
    )


# --- lists -----------------------------------------------------------------------------

_LIST = """
select e.id, e.name, e.credit_code, e.industry, e.scale, e.status, e.kind, e.site_type,
       e.address, e.legal_representative, e.sector, j.name as place, count(*) over () as total
from enterprise e join jurisdiction j on j.id = e.jurisdiction_id
where true {where}
order by {order}
limit :limit offset :offset
"""


async def enterprise_page(
    db: AsyncSession,
    *,
    q: str = "",
    under: str | None = None,
    kind: str | None = "enterprise",
    site_type: str | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
    order: str = "e.name",
) -> Page:
    """A page of the visible enterprises, searched by name or credit code."""
    where = _under(under)
    if q:
        where += " and (e.name ilike :like or e.credit_code like :code)"
    if kind:
        where += " and e.kind = :kind"
    if site_type:
        where += " and e.site_type = :site_type"
    page = max(1, page)
    rows = await _rows(
        db,
        _LIST.format(where=where, order=f"{order}, e.id"),
        like=_like(q),
        code=q.strip().upper() + "%",
        under=under,
        kind=kind,
        site_type=site_type,
        limit=size,
        offset=(page - 1) * size,
    )
    if not rows and page > 1:
        # Past the end (the list shrank since the link was made): start again at page 1.
        return await enterprise_page(
            db, q=q, under=under, kind=kind, site_type=site_type, size=size, order=order
        )
    total = int(rows[0]["total"]) if rows else 0
    return Page(rows=rows, total=total, page=page, size=size)


# --- registering an enterprise, one enterprise's record --------------------------------


async def grid_groups(db: AsyncSession, scope: str) -> list[tuple[str, list[RowMapping]]]:
    """The grids inside `scope`, grouped by town in code order, for a <select>.

    The group label names the places between the scope and the grid (城厢镇 for a county
    officer, 太仓市 / 城厢镇 for a city officer), so towns of the same name stay apart."""
    rows = await _rows(
        db,
        """
        select g.id, g.name, t.id as town_id,
               (select string_agg(a.name, ' / ' order by nlevel(a.path)) from jurisdiction a
                 where a.path @> t.path
                   and nlevel(a.path) > least(nlevel(cast(:s as ltree)), nlevel(t.path) - 1)
               ) as town
        from jurisdiction g join jurisdiction t on t.id = g.parent_id
        where g.level = 'grid' and g.path <@ cast(:s as ltree)
        order by t.code, g.code
        """,
        s=scope,
    )
    groups: list[tuple[str, list[RowMapping]]] = []
    for row in rows:
        if not groups or groups[-1][1][0]["town_id"] != row["town_id"]:
            groups.append((row["town"], []))
        groups[-1][1].append(row)
    return groups


async def place_trail(db: AsyncSession, path: str) -> list[RowMapping]:
    """Every jurisdiction from the top down to `path` (苏州市 / 太仓市 / 城厢镇 / …)."""
    return await _rows(
        db,
        "select name, level, path::text as path from jurisdiction"
        " where path @> cast(:p as ltree) order by nlevel(path)",
        p=path,
    )


async def jurisdiction_names(db: AsyncSession, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await _rows(db, "select id, name from jurisdiction where id = any(:ids)", ids=ids)
    return {int(r["id"]): str(r["name"]) for r in rows}


async def display_names(db: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    """The names of those users the caller may see; RLS leaves the others out."""
    if not user_ids:
        return {}
    rows = await _rows(
        db, "select id, display_name from app_user where id = any(:ids)", ids=list(user_ids)
    )
    return {int(r["id"]): str(r["display_name"]) for r in rows}
