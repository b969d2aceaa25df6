"""The rules of the loop beyond its table, at the service level on the real database as the
application role: who may take which step, acceptance by someone other than the rectifier
(also a database constraint), extensions decided by the level above only, on-the-spot fixes,
the five implementations of a major hazard, and alarms resolved when a hazard closes."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import Conflict, DomainError, Forbidden
from anwang.tenants.hazards import service
from anwang.tenants.hazards.schemas import FiveImplementations, HazardCreate
from anwang.tenants.hazards.service import InvalidInput
from tests.tenants.factories import committed, tenant_of
from tests.tenants.hazards_support import (
    FIVE,
    Cast,
    act_as,
    drive_to,
    event_rows,
    in_days,
    make_cast,
    photo,
    run,
    step,
    valid_input,
)


@pytest.fixture(scope="module")
def cast(owner_url: str) -> Cast:
    with committed(owner_url) as conn:
        return make_cast(conn, tenant_of(conn, "boss"))


async def report_at(db: AsyncSession, c: Cast, unit: int | None) -> int:
    await act_as(db, c.reporter)
    h = await service.report(
        db, c.reporter, HazardCreate(title="临时用电线路破损", org_unit_id=unit)
    )
    return h.id or 0


def test_only_managers_of_the_unit_confirm(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "reported")
        data = await valid_input(db, cast, "confirm")
        for who in ("worker", "reporter", "responsible", "other_head"):
            with pytest.raises(Forbidden):
                await step(db, cast, cast.people[who], h, "confirm", **data)
        # The department above the workshop manages its subtree, and so do company roles.
        h = await step(db, cast, cast.dept_head, h, "confirm", **data)
        assert h.state == "confirmed" and h.confirmed_by == cast.dept_head.user_id

    run(app_url, go)


def test_a_hazard_without_a_unit_belongs_to_the_company_roles(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        hid = await report_at(db, cast, None)
        h = await service.get(db, hid)
        assert h.org_unit_id is None
        with pytest.raises(Forbidden):
            await step(db, cast, cast.dept_head, h, "reject", reason="不是隐患")
        h = await step(db, cast, cast.safety, h, "reject", reason="已确认是正常检修状态")
        assert h.state == "rejected" and h.reject_reason == "已确认是正常检修状态"

    run(app_url, go)


def test_acceptance_by_the_rectifier_is_refused(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "confirmed")
        # The workshop head fixes it personally …
        h = await step(db, cast, cast.shop_head, h, "start")
        h = await step(
            db, cast, cast.shop_head, h, "submit", **await valid_input(db, cast, "submit")
        )
        assert h.rectified_by == cast.shop_head.user_id
        # … so may neither accept nor refuse it.
        with pytest.raises(Forbidden) as refused:
            await step(db, cast, cast.shop_head, h, "accept")
        assert refused.value.message == "验收须由整改人以外的人员进行，您是本隐患的整改人"
        with pytest.raises(Forbidden):
            await step(db, cast, cast.shop_head, h, "refuse", reason="自己不合格")
        assert "accept" not in await service.allowed_actions(db, cast.shop_head, h)
        # A worker is no acceptor either; the department head is.
        with pytest.raises(Forbidden):
            await step(db, cast, cast.worker, h, "accept")
        assert "accept" in await service.allowed_actions(db, cast.dept_head, h)
        h = await step(db, cast, cast.dept_head, h, "accept", note="合格")
        assert h.state == "closed" and h.accepted_by == cast.dept_head.user_id

    run(app_url, go)


def test_the_database_refuses_acceptance_by_the_rectifier(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "awaiting_acceptance")
        with pytest.raises(IntegrityError) as refused:
            async with db.begin_nested():
                await db.execute(
                    text("update hazard set accepted_by = rectified_by where id = :h"),
                    {"h": h.id},
                )
        assert "check" in str(refused.value.orig).lower()

    run(app_url, go)


def test_refused_acceptance_goes_back_to_rectifying(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "awaiting_acceptance")
        with pytest.raises(InvalidInput) as bad:
            await step(db, cast, cast.shop_head, h, "refuse", reason=" ")
        assert bad.value.errors == {"reason": "请填写验收不通过的理由"}
        h = await step(db, cast, cast.shop_head, h, "refuse", reason="防护罩螺栓未紧固")
        assert h.state == "rectifying"
        rows = await event_rows(db, h.id or 0)
        assert rows[-1][:3] == ("refuse", "awaiting_acceptance", "rectifying")

    run(app_url, go)


def test_reopening_a_closed_hazard(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "closed")
        with pytest.raises(Forbidden):
            await step(db, cast, cast.responsible, h, "reopen", reason="又坏了")
        h = await step(db, cast, cast.shop_head, h, "reopen", reason="复查发现防护罩再次松脱")
        assert h.state == "rectifying" and h.closed_at is None and h.accepted_by is None
        # It goes round the loop again and closes with another acceptor.
        h = await step(
            db, cast, cast.responsible, h, "submit", **await valid_input(db, cast, "submit")
        )
        h = await step(db, cast, cast.safety, h, "accept")
        assert h.state == "closed" and h.accepted_by == cast.safety.user_id

    run(app_url, go)


def test_on_spot_fix_is_reported_and_closed_in_one_step(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        await act_as(db, cast.worker)
        h = await service.report(
            db,
            cast.worker,
            HazardCreate(
                title="灭火器压力不足",
                org_unit_id=cast.shop,
                tier="on_spot",
                measure="当场更换了灭火器",
                photo_ids=[await photo(db, cast.tenant)],
            ),
        )
        assert (h.state, h.tier, h.measure) == ("closed", "on_spot", "当场更换了灭火器")
        assert h.rectified_by == cast.worker.user_id and h.closed_at is not None
        assert h.responsible_user_id is None and h.deadline is None
        rows = await event_rows(db, h.id or 0)
        assert [r[:3] for r in rows] == [
            ("report", None, "reported"),
            ("fix_on_spot", "reported", "closed"),
        ]
        assert {r[3] for r in rows} == {cast.worker.user_id}
        # Reopening needs a responsible person and a deadline, and makes it a general hazard.
        with pytest.raises(InvalidInput) as bad:
            await step(db, cast, cast.shop_head, h, "reopen", reason="复查不合格")
        assert set(bad.value.errors) == {"responsible_user_id", "deadline"}
        h = await step(
            db, cast, cast.shop_head, h, "reopen", reason="复查不合格",
            responsible_user_id=cast.responsible.user_id, deadline=in_days(3),
        )  # fmt: skip
        assert (h.state, h.tier, h.deadline) == ("rectifying", "general", in_days(3))

    run(app_url, go)


def test_confirm_needs_a_responsible_person_a_deadline_and_a_plan(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "reported")
        with pytest.raises(InvalidInput) as bad:
            await step(db, cast, cast.shop_head, h, "confirm", tier="general")
        assert bad.value.errors == {
            "responsible_user_id": "请选择整改责任人",
            "deadline": "请填写整改期限",
            "plan": "请填写整改方案",
        }
        with pytest.raises(InvalidInput) as bad:
            await step(
                db, cast, cast.shop_head, h, "confirm", tier="on_spot",
                responsible_user_id=cast.responsible.user_id, deadline=in_days(-1), plan="x",
            )  # fmt: skip
        assert set(bad.value.errors) == {"tier", "deadline"}
        assert bad.value.errors["deadline"] == "整改期限不能早于今天"
        # Nothing was written by the refusals.
        assert [r[0] for r in await event_rows(db, h.id or 0)] == ["report"]

    run(app_url, go)


def test_major_hazard_needs_all_five_implementations(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "reported")
        base = await valid_input(db, cast, "confirm", "major")
        base.pop("five")
        with pytest.raises(InvalidInput) as bad:
            await step(db, cast, cast.shop_head, h, "confirm", **base)
        assert set(bad.value.errors) == {
            "five.responsibility",
            "five.measures",
            "five.funds",
            "five.emergency_plan",
        }
        partial = FiveImplementations(**{**FIVE.model_dump(), "funds": "  "})
        with pytest.raises(InvalidInput) as bad:
            await step(db, cast, cast.shop_head, h, "confirm", five=partial, **base)
        assert bad.value.errors == {"five.funds": "请填写资金落实"}
        h = await step(db, cast, cast.shop_head, h, "confirm", five=FIVE, **base)
        assert h.tier == "major" and h.stop_work is True
        assert h.five_implementations == {
            **FIVE.model_dump(),
            "deadline": base["deadline"].isoformat(),
        }
        # Reported to the supervising bureau once.
        assert h.reported_to_bureau_at is None
        assert "report_to_bureau" in await service.allowed_actions(db, cast.shop_head, h)
        h = await step(db, cast, cast.shop_head, h, "report_to_bureau", note="已电话报告镇应急办")
        assert h.reported_to_bureau_at is not None
        with pytest.raises(Conflict):
            await step(db, cast, cast.shop_head, h, "report_to_bureau")

    run(app_url, go)


def test_only_major_hazards_are_reported_to_the_bureau(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "confirmed")
        assert "report_to_bureau" not in await service.allowed_actions(db, cast.boss, h)
        with pytest.raises(DomainError) as refused:
            await step(db, cast, cast.boss, h, "report_to_bureau")
        assert refused.value.message == "只有重大隐患需要上报监管部门"

    run(app_url, go)


def test_extension_is_decided_by_the_level_above_only(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "rectifying")
        old = h.deadline
        ask = await valid_input(db, cast, "request_extension")
        # Only the responsible person asks.
        with pytest.raises(Forbidden):
            await step(db, cast, cast.shop_head, h, "request_extension", **ask)
        with pytest.raises(InvalidInput) as bad:
            await step(
                db, cast, cast.responsible, h, "request_extension", new_deadline=old, reason="x"
            )
        assert bad.value.errors == {"new_deadline": "新的整改期限须晚于原期限"}
        h = await step(db, cast, cast.responsible, h, "request_extension", **ask)
        assert h.deadline == old  # not before it is approved
        # One pending request at a time.
        assert "request_extension" not in await service.allowed_actions(db, cast.responsible, h)
        with pytest.raises(Conflict):
            await step(db, cast, cast.responsible, h, "request_extension", **ask)
        # The workshop's own head is not the level above; nor is an unrelated unit's head.
        for who in ("shop_head", "other_head", "worker", "responsible"):
            with pytest.raises(Forbidden):
                await step(db, cast, cast.people[who], h, "approve_extension")
            assert "approve_extension" not in await service.allowed_actions(db, cast.people[who], h)
        h = await step(db, cast, cast.dept_head, h, "approve_extension", note="同意")
        assert h.deadline == ask["new_deadline"] and h.state == "rectifying"
        decided = (
            await db.execute(
                text(
                    "select decision, decided_by, old_deadline, new_deadline"
                    " from hazard_extension where hazard_id = :h"
                ),
                {"h": h.id},
            )
        ).one()
        assert tuple(decided) == ("approved", cast.dept_head.user_id, old, ask["new_deadline"])
        with pytest.raises(Conflict):
            await step(db, cast, cast.dept_head, h, "refuse_extension")

    run(app_url, go)


def test_extension_at_the_top_is_decided_by_boss_or_safety_manager(
    app_url: str, cast: Cast
) -> None:
    async def go(db: AsyncSession) -> None:
        hid = await report_at(db, cast, cast.root)
        h = await service.get(db, hid)
        h = await step(db, cast, cast.boss, h, "confirm", **await valid_input(db, cast, "confirm"))
        h = await step(
            db, cast, cast.responsible, h, "request_extension",
            **await valid_input(db, cast, "request_extension"),
        )  # fmt: skip
        for who in ("dept_head", "shop_head", "worker"):
            with pytest.raises(Forbidden):
                await step(db, cast, cast.people[who], h, "refuse_extension", reason="不同意")
        h = await step(db, cast, cast.safety, h, "refuse_extension", reason="期限内可以完成")
        assert h.deadline == in_days(7)
        rows = await event_rows(db, h.id or 0)
        assert rows[-1] == ("refuse_extension", "confirmed", "confirmed", cast.safety.user_id)

    run(app_url, go)


def test_nobody_approves_their_own_extension(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "confirmed")
        h = await step(
            db, cast, cast.shop_head, h, "assign", responsible_user_id=cast.dept_head.user_id
        )
        assert h.responsible_user_id == cast.dept_head.user_id
        h = await step(
            db, cast, cast.dept_head, h, "request_extension",
            **await valid_input(db, cast, "request_extension"),
        )  # fmt: skip
        with pytest.raises(Forbidden) as refused:
            await step(db, cast, cast.dept_head, h, "approve_extension")
        assert "自己" in refused.value.message
        h = await step(db, cast, cast.boss, h, "approve_extension")
        assert h.deadline == in_days(30)

    run(app_url, go)


async def open_alarms(db: AsyncSession, hazard_id: int) -> int:
    return int(
        (
            await db.execute(
                text(
                    "select count(*) from alarm where subject_table = 'hazard'"
                    " and subject_id = :h and resolved_at is null"
                ),
                {"h": hazard_id},
            )
        ).scalar_one()
    )


async def raise_alarm(db: AsyncSession, c: Cast, hazard_id: int, level: int = 0) -> None:
    await db.execute(
        text(
            "insert into alarm (tenant_id, kind, severity, subject_table, subject_id,"
            " org_unit_id, escalation_level, message)"
            " values (:t, 'hazard_overdue', 'alarm', 'hazard', :h, :u, :k, '隐患逾期未整改')"
        ),
        {"t": c.tenant, "h": hazard_id, "u": c.shop, "k": level},
    )


def test_closing_resolves_the_hazards_alarms(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "awaiting_acceptance")
        await raise_alarm(db, cast, h.id or 0, 0)
        await raise_alarm(db, cast, h.id or 0, 1)
        assert await open_alarms(db, h.id or 0) == 2
        h = await step(db, cast, cast.shop_head, h, "accept")
        assert await open_alarms(db, h.id or 0) == 0

    run(app_url, go)


def test_approved_extension_ends_the_overdue_alarms(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "rectifying", pending=True)
        await raise_alarm(db, cast, h.id or 0)
        await db.execute(text("update hazard set escalation_level = 1 where id = :h"), {"h": h.id})
        await db.refresh(h)
        h = await step(db, cast, cast.dept_head, h, "approve_extension")
        assert await open_alarms(db, h.id or 0) == 0 and h.escalation_level == 0

    run(app_url, go)


def test_responsible_person_starts_and_others_cannot(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "confirmed")
        for who in ("worker", "reporter", "other_head"):
            with pytest.raises(Forbidden):
                await step(db, cast, cast.people[who], h, "start")
        assert await service.allowed_actions(db, cast.responsible, h) == [
            "start",
            "request_extension",
        ]
        h = await step(db, cast, cast.responsible, h, "start")
        assert h.state == "rectifying"
        with pytest.raises(InvalidInput) as bad:
            await step(db, cast, cast.responsible, h, "submit", measure="已修好")
        assert bad.value.errors == {"photo_ids": "请上传整改后的照片"}

    run(app_url, go)
