"""Administrative identity operations (the CLI), run as the owner."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from anwang.platform.db import owner_engine
from anwang.platform.identity.passwords import hash_password
from anwang.platform.identity.service import GOV_ROLE_NAMES, MIN_PASSWORD, TENANT_ROLE_NAMES


def create_user(
    *,
    username: str,
    display_name: str,
    password: str,
    role: str,
    tenant_id: int | None = None,
    gov_body_id: int | None = None,
    jurisdiction_id: int | None = None,
) -> int:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"密码至少 {MIN_PASSWORD} 位")
    allowed = TENANT_ROLE_NAMES if tenant_id is not None else GOV_ROLE_NAMES
    if role not in allowed:
        raise ValueError(f"角色应为：{'、'.join(allowed)}")
    with owner_engine().begin() as conn:
        try:
            user_id = conn.execute(
                text(
                    "insert into app_user (username, display_name, password_hash)"
                    " values (:u, :n, :h) returning id"
                ),
                {"u": username, "n": display_name, "h": hash_password(password)},
            ).scalar_one()
            if tenant_id is not None:
                conn.execute(
                    text("insert into tenant_membership values (:t, :u, :r)"),
                    {"t": tenant_id, "u": user_id, "r": role},
                )
            else:
                added = conn.execute(
                    text(
                        "insert into gov_membership (user_id, gov_body_id, jurisdiction_id, role)"
                        " select :u, b.id, coalesce(:j, b.jurisdiction_id), :r"
                        " from gov_body b where b.id = :b"
                    ),
                    {"u": user_id, "b": gov_body_id, "j": jurisdiction_id, "r": role},
                ).rowcount
                if not added:
                    raise ValueError(f"政府部门 {gov_body_id} 不存在")
        except IntegrityError as e:
            raise ValueError(f"无法创建用户：{e.orig}") from e
    return int(user_id)
