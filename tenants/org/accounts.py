"""Login accounts for the enterprise's own people 开通账号: a company-level user gives a person
of the staff list an account (username, initial password, role), linked to their staff record.
The database function `create_tenant_account` (migration 0007) is the only write path to
app_user for enterprise principals and checks the caller's role itself."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import Conflict, DomainError, Forbidden
from anwang.platform.identity.passwords import hash_password
from anwang.platform.identity.service import MIN_PASSWORD, TENANT_ROLE_NAMES
from anwang.platform.principal import Principal
from anwang.tenants.org import service
from anwang.tenants.org.access import COMPANY_ROLES

# Roles a company-level user may give; 主要负责人 accounts come with the enterprise's registration.
GRANTABLE_ROLES = ("worker", "unit_head", "safety_manager", "admin")
USERNAME = re.compile(r"[A-Za-z0-9_.@-]{3,64}")


async def open_account(
    db: AsyncSession, p: Principal, staff_id: int, *, username: str, password: str, role: str
) -> int:
    """Create the account and link it to the staff record; returns the new user id."""
    if p.role not in COMPANY_ROLES:
        raise Forbidden("只有主要负责人、安全管理员或系统管理员可以开通账号")
    person = await service.get_staff(db, staff_id)
    if person.user_id is not None:
        raise Conflict("该人员已有登录账号", field="username")
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise DomainError("账号为 3–64 位字母、数字或 _ . @ -", field="username")
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"初始密码至少 {MIN_PASSWORD} 位", field="password")
    if role not in GRANTABLE_ROLES:
        names = "、".join(TENANT_ROLE_NAMES[r] for r in GRANTABLE_ROLES)
        raise DomainError(f"角色只能是{names}", field="role")
    try:
        async with db.begin_nested():
            user_id = (
                await db.execute(
                    text("select create_tenant_account(:u, :n, :ph, :h, :r)"),
                    {
                        "u": username,
                        "n": person.name,
                        "ph": person.phone,
                        "h": hash_password(password),
                        "r": role,
                    },
                )
            ).scalar_one()
    except IntegrityError as e:
        raise Conflict("该账号已被使用，请换一个", field="username") from e
    except DBAPIError as e:
        if getattr(e.orig, "sqlstate", "") == "42501":
            raise Forbidden("只有主要负责人、安全管理员或系统管理员可以开通账号") from e
        raise
    person.user_id = int(user_id)
    db.add(person)
    await db.flush()
    return int(user_id)
