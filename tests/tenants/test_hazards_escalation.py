"""The daily escalation of overdue hazards, as the system principal over every tenant: an
alarm at the hazard's unit on the first overdue day, one level up the tree for every further
N days until the company; a second run raises nothing more; closed and on-time hazards raise
nothing; a later deadline (an extension) stops the alarms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from anwang.platform.principal import SYSTEM, Principal
from anwang.tenants.hazards.tasks import ESCALATE_EVERY_DAYS, EscalationResult, escalate
from tests.conftest import as_principal
from tests.tenants.factories import committed, tenant_of
from tests.tenants.hazards_support import Cast, make_cast

DEADLINE = date(2026, 3, 2)


@pytest.fixture(scope="module")
def cast(owner_url: str) -> Cast:
    with committed(owner_url) as conn:
        return make_cast(conn, tenant_of(conn, "boss"))


def enterprise(c: Cast) -> Principal:
    return Principal(kind="enterprise", user_id=c.boss.user_id, role="boss", tenant_id=c.tenant)


def hazard(
    conn: Connection,
    c: Cast,
    *,
    unit: int | None,
    state: str = "rectifying",
    deadline: date | None = DEADLINE,
) -> int:
    as_principal(conn, enterprise(c))
    return int(
        conn.execute(
            text(
                "insert into hazard (tenant_id, source, org_unit_id, tier, state, title,"
                " responsible_user_id, deadline, plan)"
                " values (:t, 'report', :u, 'general', :s, '配电箱门未关', :r, :d, '整改')"
                " returning id"
            ),
            {"t": c.tenant, "u": unit, "s": state, "r": c.responsible.user_id, "d": deadline},
        ).scalar_one()
    )


def run_job(conn: Connection, day: date) -> EscalationResult:
    as_principal(conn, SYSTEM)
    return escalate(Session(bind=conn), day)


def alarms(conn: Connection, hazard_id: int) -> list[tuple[int, int | None, bool, str]]:
    """(escalation level, unit, open, message) of a hazard's overdue alarms."""
    as_principal(conn, SYSTEM)
    rows = conn.execute(
        text(
            "select escalation_level, org_unit_id, resolved_at is null, message from alarm"
            " where subject_table = 'hazard' and subject_id = :h and kind = 'hazard_overdue'"
            " and severity = 'alarm' order by escalation_level"
        ),
        {"h": hazard_id},
    )
    return [(int(k), u, bool(o), str(m)) for k, u, o, m in rows]


def level(conn: Connection, hazard_id: int) -> int:
    as_principal(conn, SYSTEM)
    return int(
        conn.execute(
            text("select escalation_level from hazard where id = :h"), {"h": hazard_id}
        ).scalar_one()
    )


def day(n: int) -> date:
    """The n-th overdue day."""
    return DEADLINE + timedelta(days=n)


def test_escalates_one_level_every_n_days_until_the_company(app_db: Connection, cast: Cast) -> None:
    assert ESCALATE_EVERY_DAYS == 3
    h = hazard(app_db, cast, unit=cast.shop)
    run_job(app_db, DEADLINE)  # the deadline day itself is not overdue
    assert alarms(app_db, h) == [] and level(app_db, h) == 0

    run_job(app_db, day(1))
    first = alarms(app_db, h)
    assert [(k, u, o) for k, u, o, _ in first] == [(0, cast.shop, True)]
    assert first[0][3] == "隐患逾期未整改：配电箱门未关（整改期限2026年3月2日）"

    run_job(app_db, day(3))  # still within the first N days
    assert [(k, u) for k, u, *_ in alarms(app_db, h)] == [(0, cast.shop)]

    run_job(app_db, day(4))  # N days later: the department above is told
    assert [(k, u) for k, u, *_ in alarms(app_db, h)] == [(0, cast.shop), (1, cast.dept)]
    assert level(app_db, h) == 1
    assert "升级督办（第1级）" in alarms(app_db, h)[1][3]

    run_job(app_db, day(7))  # then the company
    assert [(k, u) for k, u, *_ in alarms(app_db, h)] == [
        (0, cast.shop),
        (1, cast.dept),
        (2, cast.root),
    ]
    run_job(app_db, day(40))  # and no further: the company is the top
    assert len(alarms(app_db, h)) == 3 and level(app_db, h) == 2


def test_running_twice_raises_nothing_twice(app_db: Connection, cast: Cast) -> None:
    h = hazard(app_db, cast, unit=cast.shop)
    run_job(app_db, day(5))
    once = alarms(app_db, h)
    again = run_job(app_db, day(5))
    assert alarms(app_db, h) == once and len(once) == 2
    assert again.escalated == 0
    # A run that missed days raises the levels it skipped, in one go.
    late = hazard(app_db, cast, unit=cast.shop)
    run_job(app_db, day(8))
    assert [k for k, *_ in alarms(app_db, late)] == [0, 1, 2]


def test_closed_on_time_and_unitless_hazards(app_db: Connection, cast: Cast) -> None:
    closed = hazard(app_db, cast, unit=cast.shop, state="closed")
    on_time = hazard(app_db, cast, unit=cast.shop, deadline=day(10))
    reported = hazard(app_db, cast, unit=cast.shop, state="reported", deadline=None)
    unitless = hazard(app_db, cast, unit=None)
    run_job(app_db, day(9))
    assert alarms(app_db, closed) == [] and alarms(app_db, on_time) == []
    assert alarms(app_db, reported) == []
    # A hazard without a unit alarms at the company and climbs no further.
    assert [(k, u) for k, u, *_ in alarms(app_db, unitless)] == [(0, cast.root)]


def test_a_later_deadline_resolves_and_a_missed_one_alarms_again(
    app_db: Connection, cast: Cast
) -> None:
    h = hazard(app_db, cast, unit=cast.shop)
    run_job(app_db, day(2))
    assert [o for _, _, o, _ in alarms(app_db, h)] == [True]
    # The deadline moves (an approved extension) past the day: the alarm is resolved.
    app_db.execute(text("update hazard set deadline = :d where id = :h"), {"d": day(5), "h": h})
    run_job(app_db, day(3))
    assert [o for _, _, o, _ in alarms(app_db, h)] == [False]
    # Missed again: the alarm is raised again for the new deadline.
    run_job(app_db, day(6))
    (row,) = alarms(app_db, h)
    assert row[2] is True and "2026年3月7日" in row[3]
