"""Visit rules on the real database, in rolled-back transactions: who records which kind of
patrol; a visit fulfils its cycle's assignment (the first one counts) and resolves its alarms;
a visit kept offline past the cycle's end still counts for the cycle it happened in; an
enterprise outside the plan gets an unplanned visit; the distance to the registered place."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import CHINA, today
from anwang.platform.errors import Forbidden
from anwang.platform.principal import SYSTEM, Principal
from anwang.supervision.patrol import planning, service
from anwang.supervision.patrol.schemas import VisitCreate
from tests.supervision.patrol_support import visit_payload
from tests.supervision.support import gov_principal
from tests.tenants.factories import committed
from tests.tenants.hazards_support import act_as, run


@pytest.fixture(scope="module")
def people(owner_url: str) -> dict[str, Any]:
    with committed(owner_url) as conn:
        out: dict[str, Any] = {u: gov_principal(conn, u) for u in ("grid", "town", "bureau", "edu")}
        out["grid_id"], out["lon"], out["lat"] = conn.execute(
            text(
                "select j.id, j.center_lon, j.center_lat from jurisdiction j"
                " where j.path = cast(:p as ltree)"
            ),
            {"p": out["grid"].scope},
        ).one()
    return out


async def newcomer(db: AsyncSession, people: dict[str, Any], status: str = "active") -> int:
    """A new enterprise of the demo grid, registered by the town officer (rolled back)."""
    await act_as(db, people["town"])
    code = uuid.uuid4().hex[:17].upper() + "0"
    result = await db.execute(
        text(
            "insert into enterprise (name, credit_code, industry, scale, jurisdiction_id, sector,"
            " lon, lat, status) values (:n, :c, '机械制造', 'small', :g, 'industry', :lon, :lat, :s)"
            " returning id"
        ),
        {
            "n": f"巡查规则测试{code[:6]}",
            "c": code,
            "g": people["grid_id"],
            "lon": people["lon"],
            "lat": people["lat"],
            "s": status,
        },
    )
    return int(result.scalar_one())


async def as_system(db: AsyncSession, fn: Any) -> Any:
    await act_as(db, SYSTEM)
    return await db.run_sync(fn)


def visit(tenant: int, at: datetime | None = None, **kw: Any) -> VisitCreate:
    return VisitCreate.model_validate(visit_payload(tenant, at=at, **kw))


async def assignment(db: AsyncSession, tenant: int, day: Any) -> Any:
    rows = await db.execute(
        text(
            "select a.id, a.status, a.visit_id, a.visited_on, a.due_on from patrol_assignment a"
            " join patrol_cycle c on c.id = a.cycle_id where a.tenant_id = :t"
            " and c.patrol_kind = 'grid' and c.starts_on <= :d and c.ends_on >= :d"
        ),
        {"t": tenant, "d": day},
    )
    return rows.one()


async def open_alarms(db: AsyncSession, tenant: int) -> list[str]:
    """The open alarms of the tenant's grid patrol (its town and sector patrols have theirs)."""
    rows = await db.execute(
        text(
            "select kind from patrol_alarm where tenant_id = :t and resolved_at is null"
            " and patrol_kind = 'grid'"
        ),
        {"t": tenant},
    )
    return sorted(rows.scalars())


def test_who_records_which_patrol(app_url: str, people: dict[str, Any]) -> None:
    async def go(db: AsyncSession) -> None:
        for who, kind in (("grid", "grid"), ("town", "town"), ("edu", "sector")):
            p: Principal = people[who]
            await act_as(db, p)
            assert await service.patrol_kind_of(db, p) == kind
        await act_as(db, people["bureau"])  # a district officer patrols no enterprise
        with pytest.raises(Forbidden):
            await service.patrol_kind_of(db, people["bureau"])

    run(app_url, go)


def test_the_first_visit_fulfils_the_assignment_and_resolves_its_reminder(
    app_url: str, people: dict[str, Any]
) -> None:
    async def go(db: AsyncSession) -> None:
        tenant = await newcomer(db, people)
        day = today()
        await as_system(db, lambda s: planning.plan_cycles(s, day))
        # Far from the end of the cycle or not, a long reminder window raises one now.
        await as_system(db, lambda s: planning.mark_missed(s, day, due_soon_days=400))
        assert await open_alarms(db, tenant) == ["patrol_due_soon"]
        grid: Principal = people["grid"]
        await act_as(db, grid)
        first = await service.record_visit(
            db, grid, visit(tenant, lat=people["lat"] + 0.001, lon=people["lon"])
        )
        assert first.created and first.visit.assignment_id is not None
        assert first.visit.distance_m == pytest.approx(111.2, abs=1)
        a = await assignment(db, tenant, day)
        assert (a.status, a.visit_id, a.visited_on) == ("visited", first.visit.id, day)
        assert await open_alarms(db, tenant) == []
        second = await service.record_visit(db, grid, visit(tenant))
        assert second.created and second.visit.id != first.visit.id
        assert (await assignment(db, tenant, day)).visit_id == first.visit.id
        # The same key again: the stored visit, nothing new.
        again = await service.record_visit(
            db, grid, VisitCreate.model_validate(
                {**visit_payload(tenant), "idempotency_key": str(second.visit.idempotency_key)}
            ),
        )  # fmt: skip
        assert (again.created, again.visit.id) == (False, second.visit.id)

    run(app_url, go)


def test_a_visit_kept_offline_past_the_cycle_end_counts_for_its_cycle(
    app_url: str, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "OFFLINE_DAYS_MAX", 400)
    current = planning.cycle_period(today(), planning.DEFAULT_MONTHS["grid"])
    last_day = current.starts_on - timedelta(days=1)

    async def go(db: AsyncSession) -> None:
        tenant = await newcomer(db, people)
        await as_system(db, lambda s: planning.plan_cycles(s, last_day))
        await as_system(db, lambda s: planning.mark_missed(s, today()))
        assert (await assignment(db, tenant, last_day)).status == "missed"
        assert await open_alarms(db, tenant) == ["patrol_missed"]
        grid: Principal = people["grid"]
        await act_as(db, grid)
        at = datetime.combine(last_day, time(10, 30), CHINA)
        done = await service.record_visit(db, grid, visit(tenant, at=at))
        a = await assignment(db, tenant, last_day)
        assert (a.status, a.visit_id, a.visited_on) == ("visited", done.visit.id, last_day)
        assert await open_alarms(db, tenant) == []

    run(app_url, go)


def test_an_enterprise_outside_the_plan_gets_an_unplanned_visit(
    app_url: str, people: dict[str, Any]
) -> None:
    async def go(db: AsyncSession) -> None:
        tenant = await newcomer(db, people, status="closed")
        day = today()
        await as_system(db, lambda s: planning.plan_cycles(s, day))
        grid: Principal = people["grid"]
        await act_as(db, grid)
        done = await service.record_visit(db, grid, visit(tenant))
        assert done.created and done.visit.assignment_id is None
        assert done.visit.patrol_kind == "grid" and done.visit.distance_m is None

    run(app_url, go)
