"""Shared set-up of the hazard tests: one tenant's people and units, the service run as the
application role in a rolled-back async session, and a hazard driven to any state."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.db import apply_principal
from anwang.platform.principal import Principal
from anwang.tenants.hazards import service
from anwang.tenants.hazards.models import Hazard
from anwang.tenants.hazards.schemas import FiveImplementations, HazardAction, HazardCreate
from tests.aio import run_as
from tests.tenants.factories import company, make_manager, make_unit, make_user, user_id

T = TypeVar("T")


@dataclass(frozen=True)
class Cast:
    """The people and units of one tenant for the hazard tests. The hazards sit in `shop`
    (a workshop under `dept`, under the company)."""

    tenant: int
    root: int
    dept: int
    shop: int
    people: dict[str, Principal]

    def __getattr__(self, name: str) -> Principal:
        try:
            return self.people[name]
        except KeyError as e:
            raise AttributeError(name) from e


ROLES = {
    "boss": "boss",  # 主要负责人 (company role)
    "safety": "safety_manager",  # 安全管理员 (company role)
    "dept_head": "unit_head",  # manager of the department (the level above the workshop)
    "shop_head": "unit_head",  # manager of the workshop
    "other_head": "unit_head",  # manager of an unrelated unit
    "responsible": "worker",  # the person who fixes it
    "reporter": "worker",  # who found it
    "worker": "worker",  # anyone else
}


def make_cast(conn: Connection, tenant: int) -> Cast:
    root = company(conn, tenant)
    dept = make_unit(conn, tenant, f"测试部{uuid.uuid4().hex[:4]}", "department")
    shop = make_unit(conn, tenant, f"测试车间{uuid.uuid4().hex[:4]}", parent_id=dept)
    elsewhere = make_unit(conn, tenant, f"其他车间{uuid.uuid4().hex[:4]}")
    people: dict[str, Principal] = {}
    for key, role in ROLES.items():
        username = make_user(conn, tenant, role, name=f"测试{key}")
        people[key] = Principal(
            kind="enterprise",
            user_id=user_id(conn, username),
            role=role,
            tenant_id=tenant,
            display_name=f"测试{key}",
        )
        unit = {"dept_head": dept, "shop_head": shop, "other_head": elsewhere}.get(key)
        if unit is not None:
            make_manager(conn, tenant, unit, username)
    return Cast(tenant, root, dept, shop, people)


def run(app_url: str, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`fn` in an async session of the application role, rolled back at the end. Call
    `await act_as(db, principal)` to act as someone (again at any time)."""
    return run_as(app_url, None, fn)


async def act_as(db: AsyncSession, p: Principal) -> None:
    """From now on in this transaction, the database sees `p` (RLS and the audit actor)."""
    db.info["principal"] = p
    conn = await db.connection()
    await conn.run_sync(lambda c: apply_principal(c, p))


async def photo(db: AsyncSession, tenant: int) -> int:
    """An uploaded photo that belongs to nothing yet (the row only, no file needed)."""
    result = await db.execute(
        text(
            "insert into attachment (tenant_id, kind, storage_key, content_type, bytes, sha256)"
            " values (:t, 'photo', :k, 'image/jpeg', 100, 'x') returning id"
        ),
        {"t": tenant, "k": f"test/{uuid.uuid4().hex}.jpg"},
    )
    return int(result.scalar_one())


def in_days(n: int) -> date:
    return service.today() + timedelta(days=n)


FIVE = FiveImplementations(
    responsibility="由车间主任负责",
    measures="更换防护罩并加装联锁",
    funds="3万元，已列入预算",
    emergency_plan="按机械伤害专项应急预案执行",
)


async def step(
    db: AsyncSession, c: Cast, p: Principal, h: Hazard, action: str, **data: Any
) -> Hazard:
    await act_as(db, p)
    return await service.act(db, p, h.id or 0, action, HazardAction(**data))


async def valid_input(
    db: AsyncSession, c: Cast, action: str, tier: str = "general"
) -> dict[str, Any]:
    """Input that the step `action` accepts."""
    match action:
        case "confirm":
            extra = {"five": FIVE, "stop_work": True} if tier == "major" else {}
            return {
                "tier": tier,
                "responsible_user_id": c.responsible.user_id,
                "deadline": in_days(7),
                "plan": "更换损坏的防护罩",
                **extra,
            }
        case "reject" | "refuse" | "reopen":
            return {"reason": "现场复核后的结论"}
        case "assign":
            return {"responsible_user_id": c.worker.user_id}
        case "submit":
            return {"measure": "已更换防护罩", "photo_ids": [await photo(db, c.tenant)]}
        case "fix_on_spot":
            return {"measure": "当场关闭了阀门"}
        case "request_extension":
            return {"new_deadline": in_days(30), "reason": "备件到货需要时间"}
        case "refuse_extension":
            return {"reason": "期限内可以完成"}
    return {}


# Who takes each step when it is taken by the right person.
ACTOR = {
    "fix_on_spot": "reporter",
    "confirm": "shop_head",
    "reject": "shop_head",
    "assign": "shop_head",
    "reopen": "shop_head",
    "report_to_bureau": "shop_head",
    "start": "responsible",
    "submit": "responsible",
    "accept": "shop_head",
    "refuse": "shop_head",
    "request_extension": "responsible",
    "approve_extension": "dept_head",
    "refuse_extension": "dept_head",
}

# The path from a new report to each state.
PATHS: dict[str, list[str]] = {
    "reported": [],
    "rejected": ["reject"],
    "confirmed": ["confirm"],
    "rectifying": ["confirm", "start"],
    "awaiting_acceptance": ["confirm", "start", "submit"],
    "closed": ["confirm", "start", "submit", "accept"],
}


async def reported(db: AsyncSession, c: Cast, title: str = "冲床防护罩缺失") -> Hazard:
    await act_as(db, c.reporter)
    return await service.report(
        db,
        c.reporter,
        HazardCreate(title=title, org_unit_id=c.shop, photo_ids=[await photo(db, c.tenant)]),
    )


async def drive_to(
    db: AsyncSession, c: Cast, state: str, *, tier: str = "general", pending: bool = False
) -> Hazard:
    """A new hazard in `state`; with `pending`, an extension request waits for a decision
    (made while the hazard was confirmed)."""
    h = await reported(db, c)
    for action in PATHS[state]:
        h = await step(
            db, c, c.people[ACTOR[action]], h, action, **await valid_input(db, c, action, tier)
        )
        if pending and h.state == "confirmed":
            h = await step(
                db, c, c.responsible, h, "request_extension",
                **await valid_input(db, c, "request_extension"),
            )  # fmt: skip
    return h


async def event_rows(
    db: AsyncSession, hazard_id: int
) -> list[tuple[str, str | None, str, int | None]]:
    rows = await db.execute(
        text(
            "select action, from_state, to_state, actor_user_id from hazard_event"
            " where hazard_id = :h order by at, id"
        ),
        {"h": hazard_id},
    )
    return [(str(a), f, str(t), u) for a, f, t, u in rows]
