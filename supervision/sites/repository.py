"""Every query of the sector department's sites. Row-level security limits a sector principal
to its own sector inside its jurisdiction; nothing here repeats that test. The risk picture is
counted from the records themselves (a sector's few hundred sites, a few thousand points)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.registry.models import Enterprise
from anwang.tenants.hazards.states import FINAL_STATES
from anwang.tenants.org.models import OrgUnit
from anwang.tenants.risk.models import GradingRule, RiskPoint, TenantGradingRule

# One row per visible tenant with its risk picture; `{where}` narrows, never widens.
_SITES = """
select e.id, e.kind, e.name, e.site_type, e.credit_code, e.address, e.legal_representative,
       e.jurisdiction_id, e.lon, e.lat, e.status, j.name as place,
       coalesce(r.red, 0) as red, coalesce(r.orange, 0) as orange,
       coalesce(r.yellow, 0) as yellow, coalesce(r.blue, 0) as blue,
       coalesce(r.unassessed, 0) as unassessed, coalesce(h.open, 0) as open_hazards,
       count(*) over () as total
from enterprise e
join jurisdiction j on j.id = e.jurisdiction_id
left join lateral (
  select count(*) filter (where p.level = 'major') as red,
         count(*) filter (where p.level = 'significant') as orange,
         count(*) filter (where p.level = 'general') as yellow,
         count(*) filter (where p.level = 'low') as blue,
         count(*) filter (where p.level is null) as unassessed
  from risk_point p where p.tenant_id = e.id and p.status = 'active') r on true
left join lateral (
  select count(*) as open from hazard h
  where h.tenant_id = e.id and h.state <> all(:final)) h on true
where true {where}
order by e.site_type nulls last, e.name, e.id
limit :limit offset :offset
"""


async def _rows(db: AsyncSession, sql: str, **params: Any) -> list[RowMapping]:
    result = await db.execute(text(sql), params)
    return list(result.mappings())


async def sites(
    db: AsyncSession,
    *,
    site_type: str | None = None,
    site_id: int | None = None,
    q: str = "",
    limit: int = 20,
    offset: int = 0,
) -> list[RowMapping]:
    """A page of the visible sites (and enterprises of the sector) with their risk picture."""
    where = ""
    if site_type == "":
        where += " and e.site_type is null"
    elif site_type:
        where += " and e.site_type = :site_type"
    if site_id is not None:
        where += " and e.id = :site_id"
    if q:
        where += " and e.name ilike :like"
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return await _rows(
        db,
        _SITES.format(where=where),
        final=sorted(FINAL_STATES),
        site_type=site_type,
        site_id=site_id,
        like=like,
        limit=limit,
        offset=offset,
    )


async def type_counts(db: AsyncSession) -> dict[str, int]:
    """Visible tenants by site type ('' for ordinary enterprises of the sector)."""
    rows = await _rows(
        db, "select coalesce(site_type, '') as t, count(*) as n from enterprise group by 1"
    )
    return {str(r["t"]): int(r["n"]) for r in rows}


async def colour_counts(db: AsyncSession) -> dict[str, int]:
    """Visible tenants by the highest level of their active risk points ('' when none)."""
    rows = await _rows(
        db,
        """
        select coalesce(top.level, '') as level, count(*) as n
        from enterprise e
        left join lateral (
          select p.level from risk_point p
          where p.tenant_id = e.id and p.status = 'active' and p.level is not null
          order by array_position(array['major', 'significant', 'general', 'low'], p.level)
          limit 1) top on true
        group by 1
        """,
    )
    return {str(r["level"]): int(r["n"]) for r in rows}


async def open_hazards(db: AsyncSession) -> int:
    rows = await _rows(
        db,
        "select count(*) as n from hazard where state <> all(:final)",
        final=sorted(FINAL_STATES),
    )
    return int(rows[0]["n"])


async def get_tenant(db: AsyncSession, tenant_id: int) -> Enterprise | None:
    return (await db.exec(select(Enterprise).where(Enterprise.id == tenant_id))).first()


async def grid_in_scope(db: AsyncSession, grid_id: int, scope: str) -> bool:
    """Whether `grid_id` is a grid inside the jurisdiction `scope` (reference data)."""
    result = await db.execute(
        text(
            "select exists (select 1 from jurisdiction where id = :g and level = 'grid'"
            " and path <@ cast(:s as ltree))"
        ),
        {"g": grid_id, "s": scope},
    )
    return bool(result.scalar())


async def units_of(db: AsyncSession, tenant_id: int) -> list[OrgUnit]:
    """The site's org units in tree order."""
    rows = await db.exec(
        select(OrgUnit).where(OrgUnit.tenant_id == tenant_id).order_by(col(OrgUnit.path))
    )
    return list(rows)


async def root_unit(db: AsyncSession, tenant_id: int) -> OrgUnit | None:
    query = select(OrgUnit).where(OrgUnit.tenant_id == tenant_id, col(OrgUnit.parent_id).is_(None))
    return (await db.exec(query)).first()


async def points_of(
    db: AsyncSession, tenant_id: int, *, active_only: bool = True
) -> list[RiskPoint]:
    """The site's risk points, most dangerous first."""
    query = select(RiskPoint).where(RiskPoint.tenant_id == tenant_id)
    if active_only:
        query = query.where(RiskPoint.status == "active")
    order = text(
        "array_position(array['major','significant','general','low']::text[], risk_point.level)"
        " nulls last"
    )
    return list(await db.exec(query.order_by(order, col(RiskPoint.name), col(RiskPoint.id))))


async def point_of(db: AsyncSession, tenant_id: int, point_id: int) -> RiskPoint | None:
    query = select(RiskPoint).where(RiskPoint.tenant_id == tenant_id, RiskPoint.id == point_id)
    return (await db.exec(query)).first()


async def tenant_rule(db: AsyncSession, tenant_id: int, method: str) -> TenantGradingRule | None:
    query = select(TenantGradingRule).where(
        TenantGradingRule.tenant_id == tenant_id, TenantGradingRule.method == method
    )
    return (await db.exec(query)).first()


async def region_rule(db: AsyncSession, region: str, method: str) -> GradingRule | None:
    return await db.get(GradingRule, (region, method))
