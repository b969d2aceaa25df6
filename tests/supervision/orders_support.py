"""Shared set-up of the supervision-order tests: the demo city's government people as
principals, the places of the demo enterprise, and hazards made in a rolled-back session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import today
from anwang.platform.principal import Principal
from anwang.supervision.orders.schemas import OrderCreate
from tests.supervision.support import enterprise_principal, gov_principal
from tests.tenants.hazards_support import act_as


@dataclass(frozen=True)
class City:
    """The demo enterprise (of `boss`) and the places around it: its grid, its town, the
    other town of the district and an enterprise there, a school of the district."""

    tenant: int
    grid_id: int
    town_id: int
    district_id: int
    city_id: int
    other_town_id: int
    other_grid_id: int
    other_tenant: int
    school: int
    people: dict[str, Principal]

    def __getattr__(self, name: str) -> Principal:
        try:
            return self.people[name]
        except KeyError as e:
            raise AttributeError(name) from e


PEOPLE = ("grid", "town", "bureau", "city", "edu", "health", "command", "zhifa")


def city_of(conn: Connection) -> City:
    tenant = int(
        conn.execute(
            text(
                "select m.tenant_id from tenant_membership m join app_user u on u.id = m.user_id"
                " where u.username = 'boss'"
            )
        ).scalar_one()
    )
    grid, town, district, city = conn.execute(
        text(
            "select g.id, t.id, d.id, c.id from enterprise e"
            " join jurisdiction g on g.id = e.jurisdiction_id"
            " join jurisdiction t on t.id = g.parent_id"
            " join jurisdiction d on d.id = t.parent_id"
            " join jurisdiction c on c.id = d.parent_id where e.id = :e"
        ),
        {"e": tenant},
    ).one()
    other_town, other_grid = conn.execute(
        text(
            "select t.id, g.id from jurisdiction t join jurisdiction g on g.parent_id = t.id"
            " where t.parent_id = :d and t.id <> :t order by t.code, g.code limit 1"
        ),
        {"d": district, "t": town},
    ).one()
    other_tenant = conn.execute(
        text(
            "select e.id from enterprise e join jurisdiction g on g.id = e.jurisdiction_id"
            " where g.parent_id = :t and e.kind = 'enterprise' order by e.id limit 1"
        ),
        {"t": other_town},
    ).scalar_one()
    school = conn.execute(
        text(
            "select id from enterprise where kind = 'public_site' and sector = 'education'"
            " and jurisdiction_path <@ (select path from jurisdiction where id = :d)"
            " order by id limit 1"
        ),
        {"d": district},
    ).scalar_one()
    people = {u: gov_principal(conn, u) for u in PEOPLE}
    people.update({u: enterprise_principal(conn, u) for u in ("boss", "safety", "worker")})
    return City(
        tenant, grid, town, district, city, other_town, other_grid, other_tenant, school, people
    )  # the places' ids end in _id: `c.town` is the town's officer


def in_days(n: int) -> date:
    return today() + timedelta(days=n)


async def hazard(
    db: AsyncSession,
    tenant: int,
    *,
    tier: str | None = "major",
    state: str = "rectifying",
    title: str = "",
) -> int:
    """A hazard of `tenant` (major and being rectified unless told), inserted by the enterprise
    itself in the rolled-back session; act as someone else afterwards."""
    p = Principal(kind="enterprise", tenant_id=tenant, role="boss")
    await act_as(db, p)
    result = await db.execute(
        text(
            "insert into hazard (tenant_id, source, tier, state, title, deadline)"
            " values (:t, 'report', :tier, :s, :title, :d) returning id"
        ),
        {
            "t": tenant,
            "tier": tier,
            "s": state,
            "title": title or f"储罐区防爆设施失效{uuid.uuid4().hex[:4]}",
            "d": in_days(30),
        },
    )
    return int(result.scalar_one())


def order(**kw: Any) -> OrderCreate:
    """An order's input with sensible defaults (a task to the caller's choice of target)."""
    values: dict[str, Any] = {
        "subject": "task",
        "title": "开展有限空间作业专项检查",
        "requirement": "逐家排查并报送结果",
        "deadline": in_days(10),
    }
    values.update(kw)
    return OrderCreate(**values)


async def events(db: AsyncSession, order_id: int) -> list[tuple[str, str | None, str]]:
    rows = await db.execute(
        text(
            "select action, from_status, to_status from supervision_order_event"
            " where order_id = :o order by at, id"
        ),
        {"o": order_id},
    )
    return [(str(a), f, str(t)) for a, f, t in rows]
