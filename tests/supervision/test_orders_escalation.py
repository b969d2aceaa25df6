"""The daily job `orders.escalate`: an overdue order climbs one level above its issuer on its
first overdue day and one more every week until the city, leaves one timeline row per level,
raises nothing twice, and shows in the superior's list of overdue orders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import today
from anwang.platform.principal import SYSTEM, Principal
from anwang.supervision.orders import repository
from anwang.supervision.orders.tasks import ESCALATE_EVERY_DAYS, EscalationResult, escalate
from tests.supervision.orders_support import City, city_of
from tests.tenants.factories import committed
from tests.tenants.hazards_support import act_as, run

TODAY = today()


@pytest.fixture(scope="module")
def c(owner_url: str) -> City:
    with committed(owner_url) as conn:
        return city_of(conn)


async def made(
    db: AsyncSession,
    issuer: Principal,
    target: int,
    deadline: date,
    *,
    status: str = "issued",
) -> int:
    """An order of `issuer`'s place to the jurisdiction `target` (written as the system
    principal: the service refuses a deadline in the past)."""
    await act_as(db, SYSTEM)
    result = await db.execute(
        text(
            "insert into supervision_order (subject, issuer_user_id, issuer_jurisdiction_id,"
            " target_jurisdiction_id, jurisdiction_path, title, deadline, status)"
            " select 'task', :u, i.id, t.id, t.path, '逾期测试督办', :d, :s"
            " from jurisdiction i, jurisdiction t"
            " where i.path = cast(:scope as ltree) and t.id = :t returning id"
        ),
        {"u": issuer.user_id, "scope": issuer.scope, "t": target, "d": deadline, "s": status},
    )
    return int(result.scalar_one())


async def run_job(db: AsyncSession, on: date) -> EscalationResult:
    await act_as(db, SYSTEM)
    return await db.run_sync(lambda s: escalate(s, on))


async def level(db: AsyncSession, order_id: int) -> int:
    await act_as(db, SYSTEM)
    r = await db.execute(
        text("select escalation_level from supervision_order where id = :o"), {"o": order_id}
    )
    return int(r.scalar_one())


async def escalations(db: AsyncSession, order_id: int) -> list[tuple[int, str]]:
    await act_as(db, SYSTEM)
    rows = await db.execute(
        text(
            "select (data ->> 'level')::int, note from supervision_order_event"
            " where order_id = :o and action = 'escalate' order by id"
        ),
        {"o": order_id},
    )
    return [(int(k), str(n)) for k, n in rows]


def test_one_level_up_on_the_first_overdue_day_then_one_a_week(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        o = await made(db, c.town, c.grid_id, TODAY - timedelta(days=1))
        assert await run_job(db, TODAY - timedelta(days=1)) == EscalationResult(0, 0)  # due day
        assert await level(db, o) == 0
        await run_job(db, TODAY)
        assert await level(db, o) == 1
        last = TODAY + timedelta(days=ESCALATE_EVERY_DAYS - 1)  # day 7 overdue: still level 1
        await run_job(db, last)
        assert await level(db, o) == 1
        await run_job(db, last + timedelta(days=1))
        assert await level(db, o) == 2
        await run_job(db, TODAY + timedelta(days=60))  # a town's order stops at the city
        assert await level(db, o) == 2
        [(k1, n1), (k2, n2)] = await escalations(db, o)
        assert (k1, k2) == (1, 2)
        assert n1.startswith("逾期1天未办结，升级至") and n1.endswith("应急管理局")
        assert n2.startswith(f"逾期{ESCALATE_EVERY_DAYS + 1}天未办结")

    run(app_url, fn)


def test_running_twice_raises_nothing_twice(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        o = await made(db, c.town, c.grid_id, TODAY - timedelta(days=3))
        first = await run_job(db, TODAY)
        assert first.escalated >= 1
        again = await run_job(db, TODAY)
        assert again == EscalationResult(0, 0)
        assert [k for k, _ in await escalations(db, o)] == [1]

    run(app_url, fn)


def test_a_missed_run_raises_the_skipped_levels_at_once(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        o = await made(db, c.town, c.grid_id, TODAY - timedelta(days=30))
        await run_job(db, TODAY)
        assert await level(db, o) == 2
        assert [k for k, _ in await escalations(db, o)] == [1, 2]

    run(app_url, fn)


def test_closed_due_and_city_orders_do_not_climb(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        closed = await made(db, c.town, c.grid_id, TODAY - timedelta(days=9), status="closed")
        not_due = await made(db, c.town, c.grid_id, TODAY)
        answered = await made(
            db, c.bureau, c.town_id, TODAY - timedelta(days=9), status="responded"
        )
        from_city = await made(db, c.city, c.district_id, TODAY - timedelta(days=9))
        await run_job(db, TODAY)
        assert await level(db, closed) == 0
        assert await level(db, not_due) == 0
        # Answered but not closed by its issuer: still overdue; a district's order reaches
        # the city and no further.
        assert await level(db, answered) == 1
        assert await level(db, from_city) == 0

    run(app_url, fn)


def test_the_superior_sees_what_was_escalated_to_it(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        o = await made(db, c.town, c.grid_id, TODAY - timedelta(days=2))

        async def escalated_to(p: Principal) -> set[int]:
            await act_as(db, p)
            f = repository.OrderFilter(box="escalated")
            _, rows = await repository.list_orders(db, f, p.scope, TODAY, limit=500)
            return {int(r["id"]) for r in rows}

        assert o not in await escalated_to(c.bureau)  # not raised yet
        await run_job(db, TODAY)
        assert o in await escalated_to(c.bureau)
        assert o not in await escalated_to(c.city)  # one level only, so far
        assert o not in await escalated_to(c.town)  # the issuer's own are not "escalated"
        await run_job(db, TODAY + timedelta(days=ESCALATE_EVERY_DAYS))
        assert o in await escalated_to(c.city)

    run(app_url, fn)
