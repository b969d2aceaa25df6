"""Every query of the registry. RLS decides what each principal sees; these queries
never repeat the scope test (it would only cost the planner its indexes)."""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.registry.models import Enterprise, Jurisdiction


async def get_enterprise(db: AsyncSession, enterprise_id: int) -> Enterprise | None:
    return await db.get(Enterprise, enterprise_id)


async def list_enterprises(
    db: AsyncSession,
    *,
    q: str = "",
    under: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Enterprise]]:
    query = select(Enterprise)
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(col(Enterprise.name).like(like), col(Enterprise.credit_code) == q.upper())
        )
    if under:
        query = query.where(col(Enterprise.jurisdiction_path).op("<@")(under))
    if kind:
        query = query.where(Enterprise.kind == kind)
    total = (await db.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await db.exec(query.order_by(col(Enterprise.id)).limit(limit).offset(offset))
    return total, list(rows)


async def get_jurisdiction(db: AsyncSession, jurisdiction_id: int) -> Jurisdiction | None:
    return await db.get(Jurisdiction, jurisdiction_id)


async def child_jurisdictions(db: AsyncSession, parent_id: int | None) -> list[Jurisdiction]:
    query = select(Jurisdiction).where(Jurisdiction.parent_id == parent_id)
    return list(await db.exec(query.order_by(col(Jurisdiction.code))))
