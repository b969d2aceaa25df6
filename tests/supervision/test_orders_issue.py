"""Issuing supervision orders, as the application role on the demo city: who may issue, to
which places (strictly below the issuer, inside its scope), what about (a hazard of the
enterprise, an enterprise, a task), and the listing of open major hazards 挂牌督办."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import Conflict, DomainError, Forbidden, NotFound
from anwang.platform.principal import Principal
from anwang.supervision.orders import service
from anwang.supervision.orders.service import InvalidInput
from tests.supervision.orders_support import City, city_of, events, hazard, in_days, order
from tests.tenants.factories import committed
from tests.tenants.hazards_support import act_as, run


@pytest.fixture(scope="module")
def c(owner_url: str) -> City:
    with committed(owner_url) as conn:
        return city_of(conn)


def go(app_url: str, fn: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    return run(app_url, fn)


async def issue(db: AsyncSession, p: Principal, **kw: Any) -> Any:
    await act_as(db, p)
    return await service.issue(db, p, order(**kw))


async def path_of(db: AsyncSession, jurisdiction_id: int) -> str:
    r = await db.execute(
        text("select path::text from jurisdiction where id = :i"), {"i": jurisdiction_id}
    )
    return str(r.scalar_one())


def test_district_issues_a_task_to_a_town(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        o = await issue(db, c.bureau, target_jurisdiction_id=c.town_id)
        assert (o.status, o.kind, o.subject, o.sector) == ("issued", "order", "task", None)
        assert o.jurisdiction_path == await path_of(db, c.town_id)
        assert o.issuer_jurisdiction_id == c.district_id
        assert o.issuer_user_id == c.bureau.user_id
        assert o.issuer_body_id is not None
        assert o.escalation_level == 0
        assert await events(db, o.id) == [("issue", None, "issued")]

    go(app_url, fn)


def test_the_district_may_skip_a_level_down_to_a_grid(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        o = await issue(db, c.bureau, target_jurisdiction_id=c.grid_id)
        assert o.jurisdiction_path == await path_of(db, c.grid_id)

    go(app_url, fn)


@pytest.mark.parametrize(
    ("who", "where", "error"),
    [
        ("town", "town", InvalidInput),  # its own level
        ("town", "district", NotFound),  # above it: outside its scope
        ("town", "other_town", NotFound),  # a neighbour
        ("bureau", "city", NotFound),
        ("bureau", "district", InvalidInput),
    ],
)
def test_the_target_is_strictly_below_the_issuer(
    app_url: str, c: City, who: str, where: str, error: type[DomainError]
) -> None:
    async def fn(db: AsyncSession) -> None:
        with pytest.raises(error) as e:
            await issue(db, c.people[who], target_jurisdiction_id=getattr(c, where + "_id"))
        if error is InvalidInput:
            assert "target_jurisdiction_id" in e.value.errors  # type: ignore[attr-defined]

    go(app_url, fn)


@pytest.mark.parametrize("who", ["grid", "command", "zhifa", "boss"])
def test_only_officers_and_sector_departments_issue(app_url: str, c: City, who: str) -> None:
    async def fn(db: AsyncSession) -> None:
        with pytest.raises(Forbidden):
            await issue(db, c.people[who], tenant_id=c.tenant)

    go(app_url, fn)


def test_deadline_in_the_future_and_a_title(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        with pytest.raises(InvalidInput) as e:
            await issue(db, c.town, tenant_id=c.tenant, deadline=in_days(0), title="  ")
        assert set(e.value.errors) == {"deadline", "title"}
        assert e.value.errors["deadline"] == "办理期限须晚于今天"
        with pytest.raises(InvalidInput) as e:
            await issue(db, c.town, tenant_id=c.tenant, title="长" * 101)
        assert "title" in e.value.errors

    go(app_url, fn)


def test_an_order_to_an_enterprise_takes_its_place(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        o = await issue(db, c.town, subject="enterprise", tenant_id=c.tenant)
        assert o.target_jurisdiction_id is None and o.tenant_id == c.tenant
        assert o.jurisdiction_path == await path_of(db, c.grid_id)
        with pytest.raises(NotFound):
            await issue(db, c.town, subject="enterprise", tenant_id=c.other_tenant)
        with pytest.raises(InvalidInput) as e:
            await issue(db, c.town, subject="enterprise")
        assert "tenant_id" in e.value.errors

    go(app_url, fn)


def test_an_enterprise_must_lie_inside_the_target_place(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        o = await issue(
            db, c.bureau, subject="enterprise", tenant_id=c.tenant, target_jurisdiction_id=c.town_id
        )
        assert o.jurisdiction_path == await path_of(db, c.town_id)
        with pytest.raises(InvalidInput) as e:
            await issue(
                db, c.bureau, subject="enterprise", tenant_id=c.tenant,
                target_jurisdiction_id=c.other_town_id,
            )  # fmt: skip
        assert "不在" in e.value.errors["target_jurisdiction_id"]

    go(app_url, fn)


def test_a_hazard_order_concerns_a_hazard_of_the_enterprise(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        mine = await hazard(db, c.tenant, tier="general")
        theirs = await hazard(db, c.other_tenant, tier="general")
        o = await issue(db, c.town, subject="hazard", hazard_id=mine)
        assert o.tenant_id == c.tenant  # taken from the hazard
        with pytest.raises(NotFound):
            await issue(db, c.town, subject="hazard", hazard_id=theirs)
        with pytest.raises(NotFound):  # the hazard is not that enterprise's
            await issue(db, c.bureau, subject="hazard", hazard_id=mine, tenant_id=c.other_tenant)
        with pytest.raises(InvalidInput) as e:
            await issue(db, c.town, subject="hazard", tenant_id=c.tenant)
        assert "hazard_id" in e.value.errors
        with pytest.raises(InvalidInput) as e:
            await issue(db, c.town, subject="task", hazard_id=mine)
        assert "hazard_id" in e.value.errors

    go(app_url, fn)


def test_listing_a_major_hazard_at_the_issuers_level(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        h = await hazard(db, c.tenant)
        o = await issue(db, c.bureau, subject="hazard", kind="listed", hazard_id=h)
        assert (o.kind, o.listing_level, o.tenant_id) == ("listed", "district", c.tenant)
        h2 = await hazard(db, c.tenant)
        with pytest.raises(InvalidInput) as e:
            await issue(
                db, c.town, subject="hazard", kind="listed", hazard_id=h2, listing_level="city"
            )
        assert "listing_level" in e.value.errors
        o2 = await issue(db, c.town, subject="hazard", kind="listed", hazard_id=h2)
        assert o2.listing_level == "town"

    go(app_url, fn)


@pytest.mark.parametrize(
    ("tier", "state", "error"),
    [
        ("general", "rectifying", InvalidInput),
        (None, "reported", InvalidInput),
        ("major", "closed", Conflict),
    ],
)
def test_only_open_major_hazards_are_listed(
    app_url: str, c: City, tier: str | None, state: str, error: type[DomainError]
) -> None:
    async def fn(db: AsyncSession) -> None:
        h = await hazard(db, c.tenant, tier=tier, state=state)
        with pytest.raises(error):
            await issue(db, c.bureau, subject="hazard", kind="listed", hazard_id=h)

    go(app_url, fn)


def test_a_listing_is_about_a_hazard_and_is_not_passed_on_as_one(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        with pytest.raises(InvalidInput) as e:
            await issue(db, c.bureau, kind="listed", tenant_id=c.tenant)
        assert "kind" in e.value.errors
        with pytest.raises(InvalidInput) as e:
            await issue(db, c.bureau, tenant_id=c.tenant, listing_level="district")
        assert "listing_level" in e.value.errors

    go(app_url, fn)


def test_one_open_listing_per_hazard(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        h = await hazard(db, c.tenant)
        first = await issue(db, c.bureau, subject="hazard", kind="listed", hazard_id=h)
        with pytest.raises(Conflict):
            await issue(db, c.bureau, subject="hazard", kind="listed", hazard_id=h)
        with pytest.raises(Conflict):  # another level neither
            await issue(db, c.city, subject="hazard", kind="listed", hazard_id=h)
        # An ordinary order about the listed hazard is still possible.
        await issue(db, c.town, subject="hazard", hazard_id=h)
        # Once delisted, it may be listed again.
        await act_as(db, c.bureau)
        await service.close(db, c.bureau, first.id, "企业已完成整改方案，转为常规督办")
        again = await issue(db, c.city, subject="hazard", kind="listed", hazard_id=h)
        assert again.listing_level == "city"

    go(app_url, fn)


def test_the_unique_index_backs_a_listing_the_caller_cannot_see(app_url: str, c: City) -> None:
    """A sector department's listing is invisible to the bureau; the database still refuses a
    second open listing, and the bureau gets a 409, not a 500."""

    async def fn(db: AsyncSession) -> None:
        h = await hazard(db, c.school)
        await issue(db, c.edu, subject="hazard", kind="listed", hazard_id=h)
        with pytest.raises(Conflict):
            await issue(db, c.bureau, subject="hazard", kind="listed", hazard_id=h)

    go(app_url, fn)


def test_a_sector_department_issues_within_its_sector(app_url: str, c: City) -> None:
    async def fn(db: AsyncSession) -> None:
        o = await issue(db, c.edu, subject="enterprise", tenant_id=c.school)
        assert o.sector == "education"
        with pytest.raises(NotFound):  # a factory is not the education department's
            await issue(db, c.edu, subject="enterprise", tenant_id=c.tenant)
        with pytest.raises(NotFound):
            await issue(db, c.health, subject="enterprise", tenant_id=c.school)
        # No education department in the town to receive it.
        with pytest.raises(InvalidInput) as e:
            await issue(db, c.edu, target_jurisdiction_id=c.town_id)
        assert "行业主管部门" in e.value.errors["target_jurisdiction_id"]

    go(app_url, fn)
