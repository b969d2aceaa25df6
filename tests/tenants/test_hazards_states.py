"""The closed loop at the service level on the real database, as the application role: every
legal step of states.TRANSITIONS taken by the right person moves the hazard and leaves a
timeline row; every other (state, action) pair is refused with 409 and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import Conflict
from anwang.tenants.hazards import service, states
from tests.tenants.factories import committed, tenant_of
from tests.tenants.hazards_support import (
    ACTOR,
    Cast,
    drive_to,
    event_rows,
    make_cast,
    run,
    step,
    valid_input,
)

LEGAL = sorted((s, a) for (s, a) in states.TRANSITIONS if s is not None)
ILLEGAL = sorted(
    (s, a) for s in states.STATES for a in states.HAZARD_ACTIONS if (s, a) not in states.TRANSITIONS
)


@pytest.fixture(scope="module")
def cast(owner_url: str) -> Cast:
    with committed(owner_url) as conn:
        return make_cast(conn, tenant_of(conn, "boss"))


def test_the_table_covers_every_state_and_action() -> None:
    assert {s for s, _ in LEGAL} == set(states.STATES) - {"rejected"}
    assert {a for _, a in LEGAL} == set(states.HAZARD_ACTIONS)
    assert len(LEGAL) + len(ILLEGAL) == len(states.STATES) * len(states.HAZARD_ACTIONS)
    for (_, _), st in states.TRANSITIONS.items():
        assert st.to in states.STATES


@pytest.mark.parametrize(("state", "action"), LEGAL, ids=[f"{s}-{a}" for s, a in LEGAL])
def test_legal_step(app_url: str, cast: Cast, state: str, action: str) -> None:
    tier = "major" if action == "report_to_bureau" else "general"
    pending = action in ("approve_extension", "refuse_extension")

    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, state, tier=tier, pending=pending)
        assert h.state == state
        before = await event_rows(db, h.id or 0)
        actor = cast.people[ACTOR[action]]
        h = await step(db, cast, actor, h, action, **await valid_input(db, cast, action, tier))
        assert h.state == states.TRANSITIONS[(state, action)].to
        after = await event_rows(db, h.id or 0)
        assert after[: len(before)] == before
        assert after[len(before) :] == [(action, state, h.state, actor.user_id)]
        stored = (
            await db.execute(text("select state from hazard where id = :h"), {"h": h.id})
        ).scalar_one()
        assert stored == h.state

    run(app_url, go)


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_illegal_step_is_refused(app_url: str, cast: Cast, state: str, action: str) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, state)
        before = await event_rows(db, h.id or 0)
        # The boss may do anything the table allows, so only the state refuses the step.
        with pytest.raises(Conflict) as refused:
            await step(db, cast, cast.boss, h, action, **await valid_input(db, cast, action))
        assert refused.value.status_code == 409
        assert refused.value.message == states.refusal(state, action)
        assert await event_rows(db, h.id or 0) == before
        stored = (
            await db.execute(text("select state from hazard where id = :h"), {"h": h.id})
        ).scalar_one()
        assert stored == state

    run(app_url, go)


def test_refusal_reads_in_chinese() -> None:
    assert states.refusal("rectifying", "accept") == "当前状态为“整改中”，不能执行“验收”"


def test_the_whole_loop_leaves_a_timeline(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "closed")
        rows = await event_rows(db, h.id or 0)
        assert [(a, f, t) for a, f, t, _ in rows] == [
            ("report", None, "reported"),
            ("confirm", "reported", "confirmed"),
            ("start", "confirmed", "rectifying"),
            ("submit", "rectifying", "awaiting_acceptance"),
            ("accept", "awaiting_acceptance", "closed"),
        ]
        assert [u for *_, u in rows] == [
            cast.reporter.user_id,
            cast.shop_head.user_id,
            cast.responsible.user_id,
            cast.responsible.user_id,
            cast.shop_head.user_id,
        ]
        assert h.closed_at is not None and h.accepted_by == cast.shop_head.user_id
        assert h.rectified_by == cast.responsible.user_id
        # Every row change was audited by the database as well.
        audited = (
            await db.execute(
                text(
                    "select count(*) from audit_event where table_name = 'hazard' and row_key = :k"
                ),
                {"k": f"{cast.tenant},{h.id}"},
            )
        ).scalar_one()
        assert audited >= 5

    run(app_url, go)


def test_a_step_through_the_service_never_skips_the_table(app_url: str, cast: Cast) -> None:
    async def go(db: AsyncSession) -> None:
        h = await drive_to(db, cast, "reported")
        with pytest.raises(Exception) as unknown:
            await step(db, cast, cast.boss, h, "teleport")
        assert getattr(unknown.value, "status_code", None) == 404
        assert service.is_overdue(h) is False

    run(app_url, go)
