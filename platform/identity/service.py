"""Authentication: passwords with throttling, server-side sessions, API tokens, and
turning a session or token back into the principal it stands for.

Everything here runs as the `auth` principal, the only one allowed to read
credentials and sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import DomainError, TooManyAttempts
from anwang.platform.identity.passwords import hash_password, verify_password
from anwang.platform.principal import Principal
from anwang.platform.settings import get_settings

GOV_ROLE_NAMES = {
    "grid_inspector": "网格员",
    "officer": "监管人员",
    "enforcement_officer": "执法人员",
    "command_centre": "指挥中心",
    "sector_officer": "行业主管部门",
}
TENANT_ROLE_NAMES = {
    "boss": "主要负责人",
    "safety_manager": "安全管理员",
    "admin": "系统管理员",
    "unit_head": "部门负责人",
    "worker": "员工",
}


class InvalidCredentials(DomainError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("用户名或密码错误")


@dataclass(frozen=True)
class Membership:
    key: str  # "tenant:<id>" or "gov:<id>"
    label: str


def token_id(token: str) -> str:
    """Only a hash of a bearer secret is stored; a database leak yields no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def authenticate(db: AsyncSession, username: str, password: str, ip: str) -> int:
    """The user id for good credentials; throttled per username after repeated failures."""
    s = get_settings()
    username = username.strip()
    failures = (
        await db.execute(
            text(
                "select count(*) from login_attempt where username = :u and not succeeded"
                " and at > now() - make_interval(mins => :m)"
            ),
            {"u": username, "m": s.login_window_minutes},
        )
    ).scalar_one()
    if failures >= s.login_max_failures:
        raise TooManyAttempts(f"登录失败次数过多，请{s.login_window_minutes}分钟后再试")
    row = (
        await db.execute(
            text("select id, password_hash from app_user where username = :u and is_active"),
            {"u": username},
        )
    ).first()
    ok = verify_password(row.password_hash if row else None, password)
    await db.execute(
        text("insert into login_attempt (username, ip, succeeded) values (:u, :ip, :ok)"),
        {"u": username, "ip": ip, "ok": ok},
    )
    if not ok or row is None:
        raise InvalidCredentials()
    return int(row.id)


async def memberships(db: AsyncSession, user_id: int) -> list[Membership]:
    rows = await db.execute(
        text(
            "select 'tenant:' || tenant_id as key, role, null as place from tenant_membership"
            " where user_id = :u"
            " union all"
            " select 'gov:' || g.id, g.role, b.name || ' · ' || j.name from gov_membership g"
            " join gov_body b on b.id = g.gov_body_id join jurisdiction j on j.id = g.jurisdiction_id"
            " where g.user_id = :u order by 1"
        ),
        {"u": user_id},
    )
    out = []
    for r in rows:
        name = TENANT_ROLE_NAMES.get(r.role) or GOV_ROLE_NAMES.get(r.role, r.role)
        out.append(Membership(r.key, f"{name}（{r.place}）" if r.place else name))
    return out


async def _new_credential(
    db: AsyncSession, table: str, user_id: int, membership: str | None, hours: int, name: str = ""
) -> tuple[str, datetime]:
    choices = {m.key for m in await memberships(db, user_id)}
    if not choices:
        raise DomainError("该账号尚未分配任何单位或辖区，请联系管理员")
    if membership is None:
        membership = sorted(choices)[0]
    elif membership not in choices:
        raise DomainError("所选身份不属于该账号")
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=hours)
    extra = ", name" if table == "api_token" else ""
    await db.execute(
        text(
            f"insert into {table} (id, user_id, membership, expires_at{extra})"
            f" values (:id, :u, :m, :e{', :n' if extra else ''})"
        ),
        {"id": token_id(token), "u": user_id, "m": membership, "e": expires, "n": name},
    )
    return token, expires


async def create_web_session(
    db: AsyncSession, user_id: int, membership: str | None = None
) -> tuple[str, datetime]:
    return await _new_credential(
        db, "web_session", user_id, membership, get_settings().session_hours
    )


async def create_api_token(
    db: AsyncSession, user_id: int, membership: str | None = None, name: str = "api", days: int = 30
) -> tuple[str, datetime]:
    return await _new_credential(db, "api_token", user_id, membership, days * 24, name)


MIN_PASSWORD = 8


async def change_password(
    db: AsyncSession, user_id: int, current: str, new: str, confirm: str, keep_session: str
) -> None:
    """Set a new password after checking the current one; every other page session and
    API token of the user ends, so a leaked password stops working everywhere.
    `db` must run as the auth principal with `user_id` set (the policy allows only oneself)."""
    row = (
        await db.execute(text("select password_hash from app_user where id = :u"), {"u": user_id})
    ).first()
    if row is None or not verify_password(row.password_hash, current):
        raise DomainError("当前密码不正确", field="current")
    if len(new) < MIN_PASSWORD:
        raise DomainError(f"新密码至少 {MIN_PASSWORD} 位", field="new")
    if new != confirm:
        raise DomainError("两次输入的新密码不一致", field="confirm")
    if new == current:
        raise DomainError("新密码不能与当前密码相同", field="new")
    changed = await db.execute(
        text("update app_user set password_hash = :h where id = :u returning id"),
        {"h": hash_password(new), "u": user_id},
    )
    if changed.first() is None:  # the policy refused: not this user's own row
        raise DomainError("无法修改密码")
    await db.execute(
        text("delete from web_session where user_id = :u and id <> :keep"),
        {"u": user_id, "keep": token_id(keep_session)},
    )
    await db.execute(text("delete from api_token where user_id = :u"), {"u": user_id})


async def end_web_session(db: AsyncSession, token: str) -> None:
    await db.execute(text("delete from web_session where id = :id"), {"id": token_id(token)})


_RESOLVE = """
select u.id as user_id, u.display_name, c.membership,
       tm.tenant_id, tm.role as tenant_role,
       gm.role as gov_role, j.path::text as scope, j.name as scope_name,
       b.kind as body_kind, b.sector
from {table} c
join app_user u on u.id = c.user_id and u.is_active
left join tenant_membership tm
       on c.membership = 'tenant:' || tm.tenant_id and tm.user_id = u.id
left join gov_membership gm on c.membership = 'gov:' || gm.id and gm.user_id = u.id
left join jurisdiction j on j.id = gm.jurisdiction_id
left join gov_body b on b.id = gm.gov_body_id
where c.id = :id and c.expires_at > now()
"""


async def resolve(db: AsyncSession, token: str, *, api: bool) -> Principal | None:
    """The principal behind a session cookie or bearer token, or None if it is not valid."""
    table = "api_token" if api else "web_session"
    r = (await db.execute(text(_RESOLVE.format(table=table)), {"id": token_id(token)})).first()
    if r is None:
        return None
    if r.tenant_id is not None:
        return Principal(
            kind="enterprise",
            user_id=r.user_id,
            role=r.tenant_role,
            tenant_id=r.tenant_id,
            display_name=r.display_name,
        )
    if r.gov_role is not None:
        return Principal(
            kind="sector" if r.body_kind == "sector_department" else "gov",
            user_id=r.user_id,
            role=r.gov_role,
            scope=r.scope,
            sector=r.sector,
            display_name=r.display_name,
            scope_name=r.scope_name,
        )
    return None  # the membership was removed after the session began
