"""Government findings become hazards of the enterprise's own loop (supervision/findings.py):
reported by the officer with its photos, seen and handled by the enterprise's managers; never
outside the officer's scope, never by an enterprise user, never with someone else's photos."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import today
from anwang.platform.errors import Forbidden, NotFound
from anwang.platform.principal import Principal
from anwang.supervision import findings
from anwang.tenants.hazards import service as hazards
from anwang.tenants.hazards.schemas import HazardAction
from anwang.tenants.hazards.service import InvalidInput
from tests.supervision.support import enterprise_principal, gov_principal
from tests.tenants.factories import tenant_of
from tests.tenants.hazards_support import act_as, run


@pytest.fixture(scope="module")
def cast(owner_url: str) -> dict[str, object]:
    from sqlalchemy import create_engine

    from anwang.platform.db import to_sqlalchemy_url

    engine = create_engine(to_sqlalchemy_url(owner_url))
    try:
        with engine.connect() as conn:
            tenant = tenant_of(conn, "boss")
            grid = gov_principal(conn, "grid")
            # an enterprise of another grid, and a school of the edu officer's district
            elsewhere = conn.execute(
                text(
                    "select id from enterprise where kind = 'enterprise'"
                    " and not jurisdiction_path <@ cast(:g as ltree) order by id limit 1"
                ),
                {"g": grid.scope},
            ).scalar_one()
            edu = gov_principal(conn, "edu")
            school = conn.execute(
                text(
                    "select id from enterprise where sector = 'education'"
                    " and jurisdiction_path <@ cast(:s as ltree) order by id limit 1"
                ),
                {"s": edu.scope},
            ).scalar_one()
            return {
                "tenant": tenant,
                "grid": grid,
                "elsewhere": elsewhere,
                "edu": edu,
                "school": school,
                "safety": enterprise_principal(conn, "safety"),
                "boss": enterprise_principal(conn, "boss"),
            }
    finally:
        engine.dispose()


async def photo_of(db: AsyncSession, p: Principal, tenant: int) -> int:
    """A photo row uploaded by `p` for `tenant` (the row only; no file is needed here)."""
    await act_as(db, p)
    result = await db.execute(
        text(
            "insert into attachment (tenant_id, kind, storage_key, content_type, bytes, sha256,"
            " uploaded_by) values (:t, 'photo', :k, 'image/jpeg', 100, 'x', :u) returning id"
        ),
        {"t": tenant, "k": f"test/{uuid.uuid4().hex}.jpg", "u": p.user_id},
    )
    return int(result.scalar_one())


def test_a_patrol_finding_enters_the_enterprise_loop(app_url: str, cast: dict) -> None:
    grid: Principal = cast["grid"]
    safety: Principal = cast["safety"]

    async def go(db: AsyncSession) -> None:
        shot = await photo_of(db, grid, cast["tenant"])
        h = await findings.open_hazard(
            db,
            grid,
            tenant_id=cast["tenant"],
            source="patrol",
            title="  配电箱门未关闭  ",
            description="二号车间配电箱门敞开，内部线路裸露",
            photo_ids=[shot],
        )
        assert (h.state, h.source, h.reported_by) == ("reported", "patrol", grid.user_id)
        assert h.title == "配电箱门未关闭" and h.org_unit_id is None
        events = await hazards.events(db, h.id or 0)
        assert [(e.action, e.to_state, e.actor_user_id) for e in events] == [
            ("report", "reported", grid.user_id)
        ]
        # The enterprise's safety manager sees it, with the officer's photo, and handles it.
        await act_as(db, safety)
        mine = await hazards.get(db, h.id or 0)
        assert mine.source == "patrol"
        rows = await db.execute(
            text(
                "select subject_role from attachment where subject_table = 'hazard' and subject_id = :h"
            ),
            {"h": h.id},
        )
        assert list(rows.scalars()) == ["before"]
        assert "confirm" in await hazards.allowed_actions(db, safety, mine)
        confirmed = await hazards.act(
            db,
            safety,
            h.id or 0,
            "confirm",
            HazardAction(
                tier="general",
                responsible_user_id=cast["boss"].user_id,
                deadline=today() + timedelta(days=7),
                plan="关闭柜门并加锁",
            ),
        )
        assert confirmed.state == "confirmed"

    run(app_url, go)


def test_a_finding_can_name_the_risk_point_and_point_at_its_visit(
    app_url: str, owner_url: str, cast: dict
) -> None:
    grid: Principal = cast["grid"]

    async def go(db: AsyncSession) -> None:
        await act_as(db, grid)
        point, unit = (
            await db.execute(
                text("select id, org_unit_id from risk_point where tenant_id = :t limit 1"),
                {"t": cast["tenant"]},
            )
        ).one()
        h = await findings.open_hazard(
            db, grid, tenant_id=cast["tenant"], source="spot_check", title="风险告知卡缺失",
            risk_point_id=point,
        )  # fmt: skip
        assert (h.source, h.risk_point_id, h.org_unit_id) == ("spot_check", point, unit)
        with pytest.raises(InvalidInput) as e:
            await findings.open_hazard(
                db, grid, tenant_id=cast["tenant"], source="patrol", title="x",
                risk_point_id=10**12,
            )  # fmt: skip
        assert "risk_point_id" in e.value.errors

    run(app_url, go)


def test_outside_the_scope_the_enterprise_does_not_exist(app_url: str, cast: dict) -> None:
    async def go(db: AsyncSession) -> None:
        await act_as(db, cast["grid"])
        with pytest.raises(NotFound):
            await findings.open_hazard(
                db, cast["grid"], tenant_id=cast["elsewhere"], source="patrol", title="越权"
            )
        # a sector officer: the schools of the district, not its factories
        await act_as(db, cast["edu"])
        h = await findings.open_hazard(
            db, cast["edu"], tenant_id=cast["school"], source="patrol", title="消防通道堵塞"
        )
        assert h.sector == "education"
        with pytest.raises(NotFound):
            await findings.open_hazard(
                db, cast["edu"], tenant_id=cast["tenant"], source="patrol", title="越权"
            )

    run(app_url, go)


def test_only_officers_open_findings(app_url: str, cast: dict) -> None:
    async def go(db: AsyncSession) -> None:
        await act_as(db, cast["safety"])
        with pytest.raises(Forbidden):
            await findings.open_hazard(
                db, cast["safety"], tenant_id=cast["tenant"], source="patrol", title="自己报"
            )

    run(app_url, go)


def test_bad_input_is_refused_whole(app_url: str, cast: dict) -> None:
    grid: Principal = cast["grid"]

    async def go(db: AsyncSession) -> None:
        theirs = await photo_of(db, cast["safety"], cast["tenant"])  # the enterprise's own
        await act_as(db, grid)
        with pytest.raises(InvalidInput) as e:
            await findings.open_hazard(
                db, grid, tenant_id=cast["tenant"], source="patrol", title=" ",
                description="长" * 2001, photo_ids=[theirs],
            )  # fmt: skip
        assert set(e.value.errors) == {"title", "description", "photo_ids"}
        left = await db.execute(
            text("select subject_table from attachment where id = :i"), {"i": theirs}
        )
        assert left.scalar_one() is None

    run(app_url, go)
