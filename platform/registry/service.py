"""Rules of the registry: registering and updating tenants. Flushes, never commits."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import Conflict, DomainError, NotFound
from anwang.platform.principal import Principal
from anwang.platform.registry import repository
from anwang.platform.registry.models import Enterprise
from anwang.platform.registry.schemas import EnterpriseCreate, EnterpriseUpdate


async def get_enterprise(db: AsyncSession, enterprise_id: int) -> Enterprise:
    enterprise = await repository.get_enterprise(db, enterprise_id)
    if enterprise is None:
        # Also the answer for another tenant's id: its existence is not disclosed.
        raise NotFound("企业不存在或您无权查看")
    return enterprise


async def register_enterprise(
    db: AsyncSession, principal: Principal, data: EnterpriseCreate
) -> Enterprise:
    place = await repository.get_jurisdiction(db, data.jurisdiction_id)
    if place is None or not principal.scope or not _within(place.path, principal.scope):
        raise DomainError("所选辖区不在您的管辖范围内", field="jurisdiction_id")
    enterprise = Enterprise(**data.model_dump(), jurisdiction_path=place.path)
    db.add(enterprise)
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError as e:
        if "credit_code" in str(e.orig):
            raise Conflict("该统一社会信用代码已登记", field="credit_code") from e
        raise
    await db.refresh(enterprise)
    return enterprise


async def update_enterprise(
    db: AsyncSession, enterprise_id: int, data: EnterpriseUpdate
) -> Enterprise:
    enterprise = await get_enterprise(db, enterprise_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(enterprise, field, value)
    db.add(enterprise)
    await db.flush()
    await db.refresh(enterprise)
    return enterprise


def _within(path: str, scope: str) -> bool:
    return path == scope or path.startswith(scope + ".")
