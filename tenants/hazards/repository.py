"""Every query of hidden dangers. Row-level security decides whose rows are visible; nothing
here repeats the tenant test (it would only cost the planner its indexes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.identity.models import TenantMembership, User
from anwang.tenants.hazards.models import Hazard, HazardEvent, HazardExtension
from anwang.tenants.hazards.states import OPEN_STATES
from anwang.tenants.org.models import OrgUnit
from anwang.tenants.risk.models import RiskPoint


@dataclass(frozen=True)
class HazardFilter:
    """What a list asks for; None means any."""

    state: str | None = None
    tier: str | None = None
    source: str | None = None
    overdue: bool | None = None
    org_unit_id: int | None = None  # the unit and its whole subtree
    responsible_user_id: int | None = None
    q: str = ""


def overdue_condition(today: date) -> ColumnElement[bool]:
    """Past its deadline and still open (confirmed, being fixed or awaiting acceptance)."""
    return (col(Hazard.deadline) < today) & col(Hazard.state).in_(sorted(OPEN_STATES))


def _filtered(query: Any, f: HazardFilter, today: date, *, with_state: bool = True) -> Any:
    """`query` (a select of hazards, or of per-state counts) with the filters applied."""
    if with_state and f.state:
        query = query.where(Hazard.state == f.state)
    if f.tier:
        query = query.where(Hazard.tier == f.tier)
    if f.source:
        query = query.where(Hazard.source == f.source)
    if f.overdue is True:
        query = query.where(overdue_condition(today))
    elif f.overdue is False:
        query = query.where(~overdue_condition(today) | col(Hazard.deadline).is_(None))
    if f.responsible_user_id is not None:
        query = query.where(Hazard.responsible_user_id == f.responsible_user_id)
    if f.org_unit_id is not None:
        top = select(OrgUnit.path).where(OrgUnit.id == f.org_unit_id).scalar_subquery()
        subtree = select(OrgUnit.id).where(col(OrgUnit.path).op("<@")(top))
        query = query.where(col(Hazard.org_unit_id).in_(subtree))
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(col(Hazard.title).like(like) | col(Hazard.location).like(like))
    return query


async def list_hazards(
    db: AsyncSession, f: HazardFilter, today: date, *, limit: int = 20, offset: int = 0
) -> tuple[int, list[Hazard]]:
    query = _filtered(select(Hazard), f, today)
    total = (await db.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await db.exec(
        query.order_by(col(Hazard.found_at).desc(), col(Hazard.id).desc())
        .limit(limit)
        .offset(offset)
    )
    return int(total), list(rows)


async def state_counts(db: AsyncSession, f: HazardFilter, today: date) -> dict[str, int]:
    """Hazards per state under every filter but the state (the tabs of the list)."""
    query = _filtered(select(Hazard.state, func.count()), f, today, with_state=False)
    rows = await db.exec(query.group_by(col(Hazard.state)))
    return {str(s): int(n) for s, n in rows}


async def overdue_count(db: AsyncSession, f: HazardFilter, today: date) -> int:
    query = _filtered(select(func.count()).select_from(Hazard), f, today, with_state=False)
    return int((await db.exec(query.where(overdue_condition(today)))).one())


async def get(db: AsyncSession, hazard_id: int, *, lock: bool = False) -> Hazard | None:
    # Not db.get(): the primary key is (tenant_id, id) and a government reader has no tenant.
    query = select(Hazard).where(Hazard.id == hazard_id)
    if lock:
        query = query.with_for_update()
    return (await db.exec(query)).first()


async def add(db: AsyncSession, hazard: Hazard) -> Hazard:
    db.add(hazard)
    await db.flush()
    await db.refresh(hazard)
    return hazard


async def save(db: AsyncSession, hazard: Hazard) -> Hazard:
    hazard.updated_at = func.now()  # type: ignore[assignment]
    db.add(hazard)
    await db.flush()
    await db.refresh(hazard)
    return hazard


async def add_event(db: AsyncSession, event: HazardEvent) -> HazardEvent:
    db.add(event)
    await db.flush()
    return event


async def events(db: AsyncSession, hazard_id: int) -> list[HazardEvent]:
    """The timeline, oldest first."""
    rows = await db.exec(
        select(HazardEvent)
        .where(HazardEvent.hazard_id == hazard_id)
        .order_by(col(HazardEvent.at), col(HazardEvent.id))
    )
    return list(rows)


async def extensions(db: AsyncSession, hazard_id: int) -> list[HazardExtension]:
    rows = await db.exec(
        select(HazardExtension)
        .where(HazardExtension.hazard_id == hazard_id)
        .order_by(col(HazardExtension.id))
    )
    return list(rows)


async def pending_extension(
    db: AsyncSession, hazard_id: int, *, lock: bool = False
) -> HazardExtension | None:
    query = select(HazardExtension).where(
        HazardExtension.hazard_id == hazard_id, HazardExtension.decision == "pending"
    )
    if lock:
        query = query.with_for_update()
    return (await db.exec(query)).first()


async def add_extension(db: AsyncSession, extension: HazardExtension) -> HazardExtension:
    db.add(extension)
    await db.flush()
    await db.refresh(extension)
    return extension


async def unit(db: AsyncSession, unit_id: int) -> OrgUnit | None:
    return (await db.exec(select(OrgUnit).where(OrgUnit.id == unit_id))).first()


async def root_unit(db: AsyncSession) -> OrgUnit | None:
    return (await db.exec(select(OrgUnit).where(col(OrgUnit.parent_id).is_(None)))).first()


async def risk_point(db: AsyncSession, risk_point_id: int) -> RiskPoint | None:
    return (await db.exec(select(RiskPoint).where(RiskPoint.id == risk_point_id))).first()


async def is_member(db: AsyncSession, user_id: int) -> bool:
    """Whether the user is an active account of the caller's tenant."""
    query = (
        select(User.id)
        .join(TenantMembership, col(TenantMembership.user_id) == col(User.id))
        .where(User.id == user_id, col(User.is_active).is_(True))
    )
    return (await db.exec(query)).first() is not None


async def members(db: AsyncSession) -> list[tuple[int, str, str]]:
    """The tenant's active accounts (id, name, role), for choosing a responsible person."""
    query = (
        select(User.id, User.display_name, TenantMembership.role)
        .join(TenantMembership, col(TenantMembership.user_id) == col(User.id))
        .where(col(User.is_active).is_(True))
        .order_by(col(User.display_name), col(User.id))
    )
    return [(int(i or 0), str(n), str(r)) for i, n, r in await db.exec(query)]


async def display_names(db: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    """Names of the users the caller may see; RLS leaves the others out."""
    if not user_ids:
        return {}
    query = select(User.id, User.display_name).where(col(User.id).in_(list(user_ids)))
    return {int(i or 0): str(n) for i, n in await db.exec(query)}


async def unit_names(db: AsyncSession, unit_ids: Sequence[int]) -> dict[int, str]:
    if not unit_ids:
        return {}
    query = select(OrgUnit.id, OrgUnit.name).where(col(OrgUnit.id).in_(list(unit_ids)))
    return {int(i or 0): str(n) for i, n in await db.exec(query)}


async def risk_point_names(db: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await db.execute(
        text("select id, name from risk_point where id = any(:ids)"), {"ids": list(ids)}
    )
    return {int(i): str(n) for i, n in rows}


async def resolve_alarms(db: AsyncSession, hazard_id: int, kind: str | None = None) -> int:
    """Mark the hazard's open alarms (of one kind, or all) resolved; returns how many."""
    sql = (
        "update alarm set resolved_at = now()"
        " where subject_table = 'hazard' and subject_id = :h and resolved_at is null"
    )
    params: dict[str, Any] = {"h": hazard_id}
    if kind:
        sql += " and kind = :k"
        params["k"] = kind
    result = await db.execute(text(sql), params)
    return int(getattr(result, "rowcount", 0) or 0)
