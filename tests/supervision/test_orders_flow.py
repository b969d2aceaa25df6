"""The life of a supervision order, as the application role on the demo city: passed down
level by level 层层督办, answered by its target, returned or closed by its issuer (a hazard
order only once its hazard is closed, or with a reason), and the timeline of every step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import Conflict, Forbidden, NotFound
from anwang.platform.principal import Principal
from anwang.supervision.orders import repository, service
from anwang.supervision.orders.models import SupervisionOrder
from anwang.supervision.orders.schemas import OrderForward
from anwang.supervision.orders.service import InvalidInput
from tests.supervision.orders_support import City, city_of, events, hazard, in_days, order
from tests.tenants.factories import committed
from tests.tenants.hazards_support import act_as, run


@pytest.fixture(scope="module")
def c(owner_url: str) -> City:
    with committed(owner_url) as conn:
        return city_of(conn)


async def issue(db: AsyncSession, p: Principal, **kw: Any) -> SupervisionOrder:
    await act_as(db, p)
    return await service.issue(db, p, order(**kw))


async def forward(db: AsyncSession, p: Principal, parent: int, **kw: Any) -> SupervisionOrder:
    await act_as(db, p)
    return await service.forward(db, p, parent, OrderForward(**kw))


async def respond(db: AsyncSession, p: Principal, o: int, answer: str) -> SupervisionOrder:
    await act_as(db, p)
    return await service.respond(db, p, o, answer)


async def close(db: AsyncSession, p: Principal, o: int, note: str = "") -> SupervisionOrder:
    await act_as(db, p)
    return await service.close(db, p, o, note)


async def send_back(db: AsyncSession, p: Principal, o: int, note: str) -> SupervisionOrder:
    await act_as(db, p)
    return await service.return_order(db, p, o, note)


async def allowed(db: AsyncSession, p: Principal, o: int) -> list[str]:
    await act_as(db, p)
    return await service.allowed_actions(db, p, await service.get(db, o))


def test_passed_down_level_by_level_and_answered_at_the_bottom(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        top = await issue(db, c.bureau, subject="enterprise", tenant_id=c.tenant,
                          target_jurisdiction_id=c.town_id, deadline=in_days(20))  # fmt: skip
        assert await allowed(db, c.town, top.id) == ["respond", "forward"]
        mid = await forward(db, c.town, top.id, target_jurisdiction_id=c.grid_id)
        assert (mid.parent_id, mid.subject, mid.tenant_id) == (top.id, "enterprise", c.tenant)
        assert (mid.title, mid.deadline, mid.issuer_jurisdiction_id) == (
            top.title, top.deadline, c.town_id,
        )  # fmt: skip
        # The grid inspector passes it to the enterprise itself, sooner.
        low = await forward(db, c.grid, mid.id, deadline=in_days(5), requirement="三日内报送")
        assert low.target_jurisdiction_id is None and low.deadline == in_days(5)
        assert await allowed(db, c.safety, low.id) == ["respond"]
        assert await allowed(db, c.worker, low.id) == []
        await respond(db, c.safety, low.id, "已完成有限空间作业审批台账整改")
        assert await allowed(db, c.grid, low.id) == ["return", "close"]
        await close(db, c.grid, low.id)
        # The parents show their children's progress.
        await act_as(db, c.bureau)
        [child] = await repository.children_rows(db, top.id)
        assert (child["id"], child["children"], child["children_closed"]) == (mid.id, 1, 1)
        assert await events(db, top.id) == [
            ("issue", None, "issued"),
            ("forward", "issued", "issued"),
        ]
        assert await events(db, low.id) == [
            ("issue", None, "issued"),
            ("respond", "issued", "responded"),
            ("close", "responded", "closed"),
        ]

    run(app_url, fn)


def test_only_the_receiver_passes_an_order_down_to_a_place_below_it(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        top = await issue(db, c.bureau, target_jurisdiction_id=c.town_id, deadline=in_days(9))
        with pytest.raises(Forbidden):  # the issuer itself
            await forward(db, c.bureau, top.id, target_jurisdiction_id=c.grid_id)
        other = Principal(**{**c.town.__dict__, "scope": await _path(db, c.other_town_id)})
        with pytest.raises(NotFound):  # the neighbouring town does not even see it
            await forward(db, other, top.id, target_jurisdiction_id=c.other_grid_id)
        with pytest.raises(NotFound):  # a grid of the other town: outside the receiver
            await forward(db, c.town, top.id, target_jurisdiction_id=c.other_grid_id)
        with pytest.raises(InvalidInput) as e:
            await forward(db, c.town, top.id, target_jurisdiction_id=c.grid_id,
                          deadline=in_days(10))  # fmt: skip
        assert "上级督办的期限" in e.value.errors["deadline"]
        with pytest.raises(InvalidInput) as e:
            await forward(db, c.town, top.id, target_jurisdiction_id=c.grid_id, title="")
        assert "title" in e.value.errors
        await respond(db, c.town, top.id, "已部署")
        with pytest.raises(Conflict):
            await forward(db, c.town, top.id, target_jurisdiction_id=c.grid_id)

    run(app_url, fn)


async def _path(db: AsyncSession, jurisdiction_id: int) -> str:
    r = await db.execute(
        text("select path::text from jurisdiction where id = :i"), {"i": jurisdiction_id}
    )
    return str(r.scalar_one())


def test_answering(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        h = await hazard(db, c.tenant)
        o = await issue(db, c.town, subject="hazard", hazard_id=h)
        with pytest.raises(Forbidden):
            await respond(db, c.worker, o.id, "收到")
        with pytest.raises(Forbidden):  # the issuer does not answer its own order
            await respond(db, c.town, o.id, "收到")
        with pytest.raises(InvalidInput) as e:
            await respond(db, c.boss, o.id, "  ")
        assert "text" in e.value.errors
        done = await respond(db, c.boss, o.id, "防爆设施更换中，预计月底完成")
        assert (done.status, done.responded_by) == ("responded", c.boss.user_id)
        assert done.response == "防爆设施更换中，预计月底完成"
        with pytest.raises(Conflict):
            await respond(db, c.boss, o.id, "再答复一次")
        # The hazard's state at the time of the answer stays in the timeline.
        await act_as(db, c.town)
        [answer] = [e for e in await repository.events(db, o.id) if e.action == "respond"]
        assert answer.data == {"hazard_state": "rectifying"}

    run(app_url, fn)


def test_returned_with_a_note_and_answered_again(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        o = await issue(db, c.town, subject="enterprise", tenant_id=c.tenant)
        with pytest.raises(Conflict):  # nothing to return yet
            await send_back(db, c.town, o.id, "请补充材料")
        await respond(db, c.safety, o.id, "已整改")
        with pytest.raises(Forbidden):
            await send_back(db, c.bureau, o.id, "请补充材料")
        with pytest.raises(InvalidInput):
            await send_back(db, c.town, o.id, "")
        back = await send_back(db, c.town, o.id, "请附整改前后照片")
        assert back.status == "returned"
        assert await allowed(db, c.safety, o.id) == ["respond"]
        await respond(db, c.safety, o.id, "已补充照片")
        await close(db, c.town, o.id)
        assert await events(db, o.id) == [
            ("issue", None, "issued"),
            ("respond", "issued", "responded"),
            ("return", "responded", "returned"),
            ("respond", "returned", "responded"),
            ("close", "responded", "closed"),
        ]

    run(app_url, fn)


def test_a_hazard_order_closes_with_its_hazard_or_with_a_reason(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        open_h = await hazard(db, c.tenant)
        closed_h = await hazard(db, c.tenant, state="closed")
        o = await issue(db, c.town, subject="hazard", hazard_id=open_h)
        await respond(db, c.safety, o.id, "整改中")
        with pytest.raises(InvalidInput) as e:
            await close(db, c.town, o.id)
        assert "隐患尚未销号（当前：整改中）" in e.value.errors["text"]
        with pytest.raises(Forbidden):
            await close(db, c.bureau, o.id, "上级代为办结")
        done = await close(db, c.town, o.id, "已纳入挂牌督办统一跟踪")
        assert (done.status, done.closed_by) == ("closed", c.town.user_id)
        with pytest.raises(Conflict):
            await close(db, c.town, o.id, "再办结一次")
        # Its hazard closed, an order closes without a word, even unanswered.
        o2 = await issue(db, c.town, subject="hazard", hazard_id=closed_h)
        assert (await close(db, c.town, o2.id)).status == "closed"
        # A task order not answered yet needs a reason.
        o3 = await issue(db, c.town, subject="enterprise", tenant_id=c.tenant)
        with pytest.raises(InvalidInput) as e:
            await close(db, c.town, o3.id)
        assert "尚未答复" in e.value.errors["text"]

    run(app_url, fn)


def test_closing_an_order_closes_what_was_passed_down(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        top = await issue(db, c.bureau, target_jurisdiction_id=c.town_id)
        mid = await forward(db, c.town, top.id, target_jurisdiction_id=c.grid_id)
        low = await forward(db, c.grid, mid.id, tenant_id=c.tenant)
        await close(db, c.bureau, top.id, "专项检查提前结束")
        await act_as(db, c.bureau)
        for child in (mid, low):
            again = await service.get(db, child.id)
            assert (again.status, again.closed_by) == ("closed", c.bureau.user_id)
        assert (await events(db, low.id))[-1] == ("close", "issued", "closed")

    run(app_url, fn)


def test_listing_delisted_by_its_issuer(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        h = await hazard(db, c.tenant)
        o = await issue(db, c.bureau, subject="hazard", kind="listed", hazard_id=h)
        assert await allowed(db, c.safety, o.id) == ["respond"]
        assert await allowed(db, c.town, o.id) == []  # below the issuer: reads only
        assert await allowed(db, c.city, o.id) == []  # above it: reads only
        assert await allowed(db, c.bureau, o.id) == ["close"]
        await respond(db, c.safety, o.id, "五落实已完成，正在整改")
        # The hazard closes in the enterprise's own loop; the listing then closes freely.
        await act_as(db, c.safety)
        await db.execute(text("update hazard set state = 'closed' where id = :h"), {"h": h})
        assert (await close(db, c.bureau, o.id)).status == "closed"

    run(app_url, fn)
