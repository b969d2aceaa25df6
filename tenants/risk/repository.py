"""Every query of risk points, their measures, assessments and grading thresholds.

Row-level security limits every statement to the caller's tenant; nothing here repeats that
test. Subtree filters go through the org tree's ltree paths."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.tenants.org.models import OrgUnit
from anwang.tenants.risk.models import (
    ControlMeasure,
    GradingRule,
    RiskAssessment,
    RiskPoint,
    TenantGradingRule,
)


@dataclass
class PointFilter:
    """What the list of risk points is narrowed to; empty fields do not narrow."""

    org_unit_id: int | None = None  # the unit and its whole subtree
    level: str | None = None  # major | significant | general | low | none (not assessed)
    kind: str | None = None
    q: str = ""
    status: str = "active"  # active | retired | all


async def get_point(db: AsyncSession, point_id: int) -> RiskPoint | None:
    return (await db.exec(select(RiskPoint).where(RiskPoint.id == point_id))).first()


async def get_point_by_token(db: AsyncSession, token: str) -> RiskPoint | None:
    return (await db.exec(select(RiskPoint).where(RiskPoint.qr_token == token))).first()


def _filtered(query: Any, f: PointFilter, *, with_level: bool) -> Any:
    if f.status != "all":
        query = query.where(RiskPoint.status == f.status)
    if f.org_unit_id is not None:
        under = (
            select(OrgUnit.id)
            .where(
                col(OrgUnit.path).op("<@")(
                    select(OrgUnit.path).where(OrgUnit.id == f.org_unit_id).scalar_subquery()
                )
            )
            .scalar_subquery()
        )
        query = query.where(col(RiskPoint.org_unit_id).in_(under))
    if f.kind:
        query = query.where(RiskPoint.kind == f.kind)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        query = query.where(
            col(RiskPoint.name).ilike(like)
            | col(RiskPoint.location).ilike(like)
            | col(RiskPoint.responsible_name).ilike(like)
        )
    if with_level and f.level:
        if f.level == "none":
            query = query.where(col(RiskPoint.level).is_(None))
        else:
            query = query.where(RiskPoint.level == f.level)
    return query


async def list_points(
    db: AsyncSession, f: PointFilter, *, limit: int = 50, offset: int = 0
) -> tuple[int, list[RiskPoint]]:
    query = _filtered(select(RiskPoint), f, with_level=True)
    total = (await db.exec(select(func.count()).select_from(query.subquery()))).one()
    # Most dangerous first, then by unit and name, so the list reads like the control list.
    order = func.array_position(
        text("array['major','significant','general','low']::text[]"), col(RiskPoint.level)
    )
    rows = await db.exec(
        query.order_by(
            order.nulls_last(), col(RiskPoint.org_unit_id), col(RiskPoint.name), col(RiskPoint.id)
        )
        .limit(limit)
        .offset(offset)
    )
    return int(total), list(rows)


async def level_counts(db: AsyncSession, f: PointFilter) -> dict[str | None, int]:
    """Points per level under the same filter without its level (the four-colour counts)."""
    query = _filtered(select(RiskPoint.level, func.count()), f, with_level=False)
    rows = await db.exec(query.group_by(col(RiskPoint.level)))
    return {level: int(n) for level, n in rows}


async def measures_of(
    db: AsyncSession, point_ids: Sequence[int]
) -> dict[int, list[ControlMeasure]]:
    if not point_ids:
        return {}
    rows = await db.exec(
        select(ControlMeasure)
        .where(col(ControlMeasure.risk_point_id).in_(list(point_ids)))
        .order_by(
            col(ControlMeasure.risk_point_id), col(ControlMeasure.sort), col(ControlMeasure.id)
        )
    )
    result: dict[int, list[ControlMeasure]] = {i: [] for i in point_ids}
    for m in rows:
        result[m.risk_point_id].append(m)
    return result


async def delete_measures(db: AsyncSession, point_id: int, keep: Sequence[int]) -> None:
    await db.exec(  # type: ignore[call-overload]
        delete(ControlMeasure).where(
            col(ControlMeasure.risk_point_id) == point_id,
            col(ControlMeasure.id).not_in(list(keep)),
        )
    )


async def assessments_of(db: AsyncSession, point_id: int) -> list[RiskAssessment]:
    """Every assessment of the point, oldest first."""
    rows = await db.exec(
        select(RiskAssessment)
        .where(RiskAssessment.risk_point_id == point_id)
        .order_by(col(RiskAssessment.assessed_at), col(RiskAssessment.id))
    )
    return list(rows)


async def tenant_rule(db: AsyncSession, method: str) -> TenantGradingRule | None:
    return (
        await db.exec(select(TenantGradingRule).where(TenantGradingRule.method == method))
    ).first()


async def delete_tenant_rule(db: AsyncSession, method: str) -> None:
    await db.exec(  # type: ignore[call-overload]
        delete(TenantGradingRule).where(col(TenantGradingRule.method) == method)
    )


async def region_rule(db: AsyncSession, region: str, method: str) -> GradingRule | None:
    return await db.get(GradingRule, (region, method))


async def tenant_jurisdiction_path(db: AsyncSession, tenant_id: int) -> str | None:
    result = await db.execute(
        text("select jurisdiction_path::text from enterprise where id = :t"), {"t": tenant_id}
    )
    return result.scalar()


async def tenant_name(db: AsyncSession, tenant_id: int) -> str:
    result = await db.execute(text("select name from enterprise where id = :t"), {"t": tenant_id})
    return str(result.scalar() or "")


async def get_unit(db: AsyncSession, unit_id: int) -> OrgUnit | None:
    return (await db.exec(select(OrgUnit).where(OrgUnit.id == unit_id))).first()


async def ancestors(db: AsyncSession, unit_id: int) -> list[OrgUnit]:
    """The unit and every unit above it, nearest first."""
    rows = await db.exec(
        select(OrgUnit)
        .where(
            col(OrgUnit.path).op("@>")(
                select(OrgUnit.path).where(OrgUnit.id == unit_id).scalar_subquery()
            )
        )
        .order_by(func.nlevel(col(OrgUnit.path)).desc())
    )
    return list(rows)


async def tenant_members(db: AsyncSession) -> list[tuple[int, str]]:
    """The tenant's accounts (id, display name), for the responsible-person choice."""
    result = await db.execute(
        text(
            "select u.id, u.display_name from tenant_membership m"
            " join app_user u on u.id = m.user_id order by u.display_name, u.id"
        )
    )
    return [(int(r[0]), str(r[1])) for r in result]


async def is_member(db: AsyncSession, user_id: int) -> bool:
    result = await db.execute(
        text("select exists (select 1 from tenant_membership where user_id = :u)"), {"u": user_id}
    )
    return bool(result.scalar())


async def display_names(db: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    result = await db.execute(
        text("select id, display_name from app_user where id = any(:ids)"),
        {"ids": list(user_ids)},
    )
    return {int(r[0]): str(r[1]) for r in result}


async def count_points(db: AsyncSession) -> int:
    return int((await db.exec(select(func.count()).select_from(RiskPoint))).one())


async def safety_department_phones(db: AsyncSession) -> list[str]:
    """Phone numbers of the people of the safety department(s), for the notice cards."""
    result = await db.execute(
        text(
            "select distinct s.phone from staff s join org_unit u on u.id = s.org_unit_id"
            " where u.is_safety_department and s.active and s.phone <> '' order by 1 limit 3"
        )
    )
    return [str(r[0]) for r in result]
