"""Who may act on which unit: company-level roles on the whole tree, a unit's managers on
its subtree (层层关注、层层督办). Row-level security has already limited everything to the
tenant; this is the finer rule inside it."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import Forbidden
from anwang.platform.principal import Principal

# Tenant roles that act on every unit: 主要负责人, 安全管理员, 系统管理员.
COMPANY_ROLES = frozenset({"boss", "safety_manager", "admin"})

_MANAGES = text(
    "select exists (select 1 from unit_manager m"
    " join org_unit a on a.tenant_id = m.tenant_id and a.id = m.org_unit_id"
    " join org_unit u on u.tenant_id = a.tenant_id and u.path <@ a.path"
    " where m.user_id = :uid and u.id = :unit)"
)

_MANAGED = text(
    "select distinct u.id from unit_manager m"
    " join org_unit a on a.tenant_id = m.tenant_id and a.id = m.org_unit_id"
    " join org_unit u on u.tenant_id = a.tenant_id and u.path <@ a.path"
    " where m.user_id = :uid"
)


def is_company_level(p: Principal) -> bool:
    return p.kind == "enterprise" and p.role in COMPANY_ROLES


async def can_manage(db: AsyncSession, p: Principal, org_unit_id: int) -> bool:
    """Whether `p` manages `org_unit_id`: a company-level role, or a manager of it or above."""
    if p.kind != "enterprise":
        return False
    if p.role in COMPANY_ROLES:
        return True
    result = await db.execute(_MANAGES, {"uid": p.user_id, "unit": org_unit_id})
    return bool(result.scalar())


async def require_manager(db: AsyncSession, p: Principal, org_unit_id: int) -> None:
    if not await can_manage(db, p, org_unit_id):
        raise Forbidden("您不是该部门（或其上级部门）的负责人，无权进行此操作")


async def managed_unit_ids(db: AsyncSession, p: Principal) -> set[int] | None:
    """The units `p` manages; None means all of them (a company-level role)."""
    if p.role in COMPANY_ROLES:
        return None
    result = await db.execute(_MANAGED, {"uid": p.user_id})
    return {int(r) for r in result.scalars()}
