"""Inspection task generation: periods in Beijing time at their boundaries, the set-based
statement over every tenant and its idempotency, missed tasks and their alarm, RLS of the
generator, and the scheduled actor through a real broker and worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import dramatiq
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from anwang.platform import jobs
from anwang.platform.principal import SYSTEM, Principal
from anwang.tenants.checks import tasks as check_jobs
from anwang.tenants.checks.generation import (
    CHINA,
    generate_due_tasks,
    mark_missed,
    period_label,
    period_of,
    periods_at,
)
from tests.conftest import as_principal
from tests.tenants.factories import committed, company, make_unit, other_tenant, tenant_of


def cst(*args: int) -> datetime:
    """A moment given in Beijing time."""
    return datetime(*args, tzinfo=CHINA)  # type: ignore[misc]


# --- periods -------------------------------------------------------------------------------


def test_daily_period_turns_at_beijing_midnight_not_utc() -> None:
    before = period_of("daily", datetime(2026, 11, 23, 15, 59, 59, tzinfo=UTC))
    after = period_of("daily", datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    assert before.key == "2026-11-23" and after.key == "2026-11-24"
    assert after.starts_at == cst(2026, 11, 24) == datetime(2026, 11, 23, 16, tzinfo=UTC)
    assert after.due_at == cst(2026, 11, 25)
    assert before.due_at == after.starts_at


@pytest.mark.parametrize(
    ("shifts", "at", "key", "start", "due"),
    [
        (
            3,
            cst(2026, 11, 24, 7, 59, 59),
            "2026-11-24#1",
            cst(2026, 11, 24, 0),
            cst(2026, 11, 24, 8),
        ),
        (3, cst(2026, 11, 24, 8), "2026-11-24#2", cst(2026, 11, 24, 8), cst(2026, 11, 24, 16)),
        (3, cst(2026, 11, 24, 23, 59), "2026-11-24#3", cst(2026, 11, 24, 16), cst(2026, 11, 25)),
        (2, cst(2026, 11, 24, 12), "2026-11-24#2", cst(2026, 11, 24, 12), cst(2026, 11, 25)),
        (4, cst(2026, 11, 24, 5, 59), "2026-11-24#1", cst(2026, 11, 24, 0), cst(2026, 11, 24, 6)),
        (1, cst(2026, 11, 24, 23), "2026-11-24#1", cst(2026, 11, 24, 0), cst(2026, 11, 25)),
    ],
)
def test_shift_periods_are_equal_slices_of_the_day(
    shifts: int, at: datetime, key: str, start: datetime, due: datetime
) -> None:
    p = period_of("shift", at, shifts)
    assert (p.key, p.starts_at, p.due_at) == (key, start, due)


def test_iso_week_53_and_the_turn_of_the_year() -> None:
    # 2026 begins on a Thursday, so it has an ISO week 53 running into January 2027.
    last = period_of("weekly", cst(2027, 1, 3, 23, 59))
    assert last.key == "2026-W53"
    assert (last.starts_at, last.due_at) == (cst(2026, 12, 28), cst(2027, 1, 4))
    assert period_of("weekly", cst(2027, 1, 4)).key == "2027-W01"
    assert period_of("weekly", cst(2026, 11, 24)).key == "2026-W48"
    # The instant of the new year in Beijing is still 2026 in UTC.
    new_year = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    keys = {p.frequency: p.key for p in periods_at(new_year) if p.shifts in (None, 3)}
    assert keys == {
        "shift": "2027-01-01#1",
        "daily": "2027-01-01",
        "weekly": "2026-W53",
        "monthly": "2027-01",
        "quarterly": "2027-Q1",
        "yearly": "2027",
    }
    year = period_of("yearly", new_year - timedelta(seconds=1))
    assert (year.key, year.starts_at, year.due_at) == ("2026", cst(2026, 1, 1), cst(2027, 1, 1))


def test_quarter_and_month_start() -> None:
    q = period_of("quarterly", cst(2026, 10, 1))
    assert (q.key, q.starts_at, q.due_at) == ("2026-Q4", cst(2026, 10, 1), cst(2027, 1, 1))
    assert period_of("quarterly", cst(2026, 9, 30, 23, 59, 59)).key == "2026-Q3"
    m = period_of("monthly", cst(2026, 12, 15))
    assert (m.key, m.starts_at, m.due_at) == ("2026-12", cst(2026, 12, 1), cst(2027, 1, 1))
    assert period_of("monthly", cst(2026, 2, 28, 23)).due_at == cst(2026, 3, 1)


def test_period_labels_read_in_chinese() -> None:
    assert period_label("shift", "2026-11-24#2") == "2026年11月24日 第2班"
    assert period_label("daily", "2026-11-24") == "2026年11月24日"
    assert period_label("weekly", "2026-W48") == "2026年第48周"
    assert period_label("monthly", "2026-11") == "2026年11月"
    assert period_label("quarterly", "2026-Q4") == "2026年第4季度"
    assert period_label("yearly", "2026") == "2026年"


# --- the statement -------------------------------------------------------------------------


def make_checklist(
    conn: Connection,
    tenant_id: int,
    unit_id: int,
    frequency: str | None = "daily",
    *,
    shifts: int = 3,
    items: int = 1,
    active: bool = True,
) -> int:
    kind = "routine" if frequency else "special"
    cid = int(
        conn.execute(
            text(
                "insert into checklist (tenant_id, org_unit_id, name, kind, frequency,"
                " shifts_per_day, active) values (:t, :u, :n, :k, :f, :s, :a) returning id"
            ),
            {
                "t": tenant_id,
                "u": unit_id,
                "n": f"测试{frequency}清单",
                "k": kind,
                "f": frequency,
                "s": shifts,
                "a": active,
            },
        ).scalar_one()
    )
    for n in range(items):
        conn.execute(
            text(
                "insert into checklist_item (tenant_id, checklist_id, content, sort)"
                " values (:t, :c, :x, :n)"
            ),
            {"t": tenant_id, "c": cid, "x": f"检查项{n + 1}", "n": n},
        )
    return cid


def tasks_of(
    conn: Connection, checklist_ids: list[int]
) -> list[tuple[int, str, datetime, datetime]]:
    return [
        (r.checklist_id, r.period_key, r.starts_at, r.due_at)
        for r in conn.execute(
            text(
                "select checklist_id, period_key, starts_at, due_at from inspection_task"
                " where checklist_id = any(:ids) order by checklist_id, period_key"
            ),
            {"ids": checklist_ids},
        )
    ]


@contextmanager
def session_on(conn: Connection) -> Iterator[Session]:
    """A session inside the test's transaction (a savepoint, released at the end)."""
    with Session(bind=conn, join_transaction_mode="create_savepoint") as s:
        yield s
        s.commit()


def test_generates_one_task_per_checklist_and_period_and_nothing_twice(
    owner_db: Connection,
) -> None:
    t = tenant_of(owner_db, "boss")
    unit = make_unit(owner_db, t, "发电车间")
    ids = {
        f: make_checklist(owner_db, t, unit, f)
        for f in ("daily", "weekly", "monthly", "quarterly", "yearly")
    }
    ids["shift"] = make_checklist(owner_db, t, unit, "shift", shifts=3)
    ids["shift4"] = make_checklist(owner_db, t, unit, "shift", shifts=4)
    idle = [
        make_checklist(owner_db, t, unit, "daily", active=False),
        make_checklist(owner_db, t, unit, "daily", items=0),  # an empty list has nothing to do
        make_checklist(owner_db, t, unit, None),  # special checks have no schedule
    ]
    at = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)  # 2026-10-01 00:30 in Beijing

    with session_on(owner_db) as s:
        first = generate_due_tasks(s, at)
        second = generate_due_tasks(s, at)
        later_same_day = generate_due_tasks(s, at + timedelta(hours=5))
    assert first >= len(ids)
    assert second == 0 and later_same_day == 0

    got = {
        cid: (key, start, due) for cid, key, start, due in tasks_of(owner_db, list(ids.values()))
    }
    assert got == {
        ids["daily"]: ("2026-10-01", cst(2026, 10, 1), cst(2026, 10, 2)),
        ids["weekly"]: ("2026-W40", cst(2026, 9, 28), cst(2026, 10, 5)),
        ids["monthly"]: ("2026-10", cst(2026, 10, 1), cst(2026, 11, 1)),
        ids["quarterly"]: ("2026-Q4", cst(2026, 10, 1), cst(2027, 1, 1)),
        ids["yearly"]: ("2026", cst(2026, 1, 1), cst(2027, 1, 1)),
        ids["shift"]: ("2026-10-01#1", cst(2026, 10, 1), cst(2026, 10, 1, 8)),
        ids["shift4"]: ("2026-10-01#1", cst(2026, 10, 1), cst(2026, 10, 1, 6)),
    }
    assert tasks_of(owner_db, idle) == []
    units = set(
        owner_db.execute(
            text("select distinct org_unit_id from inspection_task where checklist_id = any(:i)"),
            {"i": list(ids.values())},
        ).scalars()
    )
    assert units == {unit}  # the list's unit is responsible for its tasks

    # The next shift (08:00 Beijing) brings only the shift lists' new tasks.
    with session_on(owner_db) as s:
        generate_due_tasks(s, datetime(2026, 10, 1, 0, 0, tzinfo=UTC))
    assert tasks_of(owner_db, [ids["shift"]])[-1][1] == "2026-10-01#2"
    assert tasks_of(owner_db, [ids["shift4"]])[-1][1] == "2026-10-01#2"  # 06:00–12:00
    dupes = owner_db.execute(
        text(
            "select count(*) from (select 1 from inspection_task where checklist_id = any(:i)"
            " group by checklist_id, period_key having count(*) > 1) d"
        ),
        {"i": list(ids.values())},
    ).scalar_one()
    assert dupes == 0


def test_pending_tasks_past_due_are_missed_with_one_alarm(owner_db: Connection) -> None:
    t = tenant_of(owner_db, "boss")
    unit = make_unit(owner_db, t, "包装车间")
    daily = make_checklist(owner_db, t, unit, "daily")
    done = make_checklist(owner_db, t, unit, "daily")
    at = cst(2026, 3, 10, 9)
    with session_on(owner_db) as s:
        generate_due_tasks(s, at)
    owner_db.execute(
        text("update inspection_task set status = 'done', done_at = now() where checklist_id = :c"),
        {"c": done},
    )
    # Still inside the day: nothing is missed.
    with session_on(owner_db) as s:
        mark_missed(s, cst(2026, 3, 10, 23, 59))
    assert _statuses(owner_db, [daily, done]) == {daily: "pending", done: "done"}
    # Midnight in Beijing ends the day.
    with session_on(owner_db) as s:
        first = mark_missed(s, cst(2026, 3, 11, 0, 0))
        again = mark_missed(s, cst(2026, 3, 11, 0, 20))
    assert first >= 1 and again == 0
    assert _statuses(owner_db, [daily, done]) == {daily: "missed", done: "done"}
    alarms = owner_db.execute(
        text(
            "select a.kind, a.severity, a.org_unit_id, a.due_on, a.message from alarm a"
            " join inspection_task k on k.tenant_id = a.tenant_id and k.id = a.subject_id"
            " where a.subject_table = 'inspection_task' and k.checklist_id = any(:c)"
        ),
        {"c": [daily, done]},
    ).all()
    assert len(alarms) == 1
    kind, severity, alarm_unit, due_on, message = alarms[0]
    assert (kind, severity, alarm_unit) == ("task_overdue", "alarm", unit)
    assert due_on.isoformat() == "2026-03-10" and "测试daily清单" in message


def _statuses(conn: Connection, checklist_ids: list[int]) -> dict[int, str]:
    return dict(
        conn.execute(
            text("select checklist_id, status from inspection_task where checklist_id = any(:c)"),
            {"c": checklist_ids},
        ).all()
    )


# --- row-level security of the generator ---------------------------------------------------


def _setup_as(conn: Connection, tenant_id: int, frequency: str = "daily") -> int:
    """As the tenant itself: a unit and a daily list with one item."""
    as_principal(conn, Principal(kind="enterprise", role="boss", tenant_id=tenant_id))
    root = conn.execute(text("select id from org_unit where parent_id is null")).scalar()
    if root is None:
        root = conn.execute(
            text(
                "insert into org_unit (tenant_id, name, kind) values (:t, '本公司', 'company')"
                " returning id"
            ),
            {"t": tenant_id},
        ).scalar_one()
    unit = conn.execute(
        text(
            "insert into org_unit (tenant_id, parent_id, name, kind) values (:t, :p, '维修班', 'team')"
            " returning id"
        ),
        {"t": tenant_id, "p": root},
    ).scalar_one()
    return make_checklist(conn, tenant_id, int(unit), frequency)


def test_a_tenant_running_the_generator_reaches_only_its_own_lists(
    owner_db: Connection, app_db: Connection
) -> None:
    a = tenant_of(owner_db, "boss")
    b = other_tenant(owner_db, a)
    list_a = _setup_as(app_db, a)
    list_b = _setup_as(app_db, b)
    at = cst(2025, 5, 6, 10)

    as_principal(app_db, Principal(kind="enterprise", role="boss", tenant_id=a))
    with session_on(app_db) as s:
        created = generate_due_tasks(s, at)
    assert created >= 1
    # Only the system principal sees both tenants' tasks.
    as_principal(app_db, SYSTEM)
    assert [r[0] for r in tasks_of(app_db, [list_a, list_b])] == [list_a]
    outside = app_db.execute(
        text(
            "select count(*) from inspection_task where tenant_id <> :a"
            " and created_at = now()"  # made in this transaction
        ),
        {"a": a},
    ).scalar_one()
    assert outside == 0

    with session_on(app_db) as s:
        assert generate_due_tasks(s, at) >= 1  # b's, and any other tenant's
        assert generate_due_tasks(s, at) == 0
    assert sorted(r[0] for r in tasks_of(app_db, [list_a, list_b])) == sorted([list_a, list_b])
    # The system principal may read lists but never change them.
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError), app_db.begin_nested():
        app_db.execute(text("update checklist set name = 'x' where id = :c"), {"c": list_a})


# --- the scheduled actors --------------------------------------------------------------------


def test_actors_are_periodic_and_run_as_system() -> None:
    for actor in (check_jobs.generate_tasks, check_jobs.mark_missed):
        assert actor.run_as == SYSTEM
        assert "periodic" in actor.options and actor.queue_name == "default"


@pytest.fixture
def pg_broker(owner_url: str) -> Iterator[dramatiq.Broker]:
    """The default broker: a queue table inside this run's own database (no other worker
    of the machine can take our messages)."""
    jobs.close_broker()
    broker = jobs.setup_broker("")
    yield broker
    with broker.pool.connection() as conn:  # type: ignore[attr-defined]
        conn.execute("delete from dramatiq.queue where queue_name like 'default%'")
    jobs.close_broker()


def _forget_last_century(c: Connection) -> None:
    """The tasks (and alarms) these tests made, committed, for every seeded list too."""
    c.execute(
        text(
            "delete from alarm where subject_table = 'inspection_task' and subject_id in"
            " (select id from inspection_task where starts_at < '2000-01-02')"
        )
    )
    c.execute(text("delete from inspection_task where starts_at < '2000-01-02'"))


@pytest.mark.broker
def test_generate_actor_runs_through_the_broker_as_system(
    owner_url: str, pg_broker: dramatiq.Broker
) -> None:
    with committed(owner_url) as c:
        t = tenant_of(c, "boss")
        unit = make_unit(c, t, "队列测试车间")
        cid = make_checklist(c, t, unit, "yearly")
    at = cst(1999, 6, 1, 12)  # a year no other test uses
    worker = dramatiq.Worker(pg_broker, queues={"default"}, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        check_jobs.generate_tasks.send(at=at.isoformat())
        deadline = time.monotonic() + 30
        found: list[tuple[int, str, datetime, datetime]] = []
        while not found and time.monotonic() < deadline:
            time.sleep(0.2)
            with committed(owner_url) as c:
                found = tasks_of(c, [cid])
    finally:
        worker.stop()
        with committed(owner_url) as c:
            _forget_last_century(c)
            c.execute(text("delete from checklist where id = :c"), {"c": cid})
            c.execute(text("delete from org_unit where id = :u"), {"u": unit})
    assert found == [(cid, "1999", cst(1999, 1, 1), cst(2000, 1, 1))]


def test_actors_called_as_system_generate_and_mark(owner_url: str) -> None:
    """The actors' own functions as a worker runs them: a system session that commits."""
    with committed(owner_url) as c:
        t = tenant_of(c, "boss")
        root = company(c, t)
        unit = make_unit(c, t, "调用测试车间", parent_id=root)
        cid = make_checklist(c, t, unit, "monthly")
    try:
        at = cst(1998, 2, 10)
        assert check_jobs.generate_tasks.call_as(SYSTEM, at=at.isoformat()) >= 1
        assert check_jobs.generate_tasks.call_as(SYSTEM, at=at.isoformat()) == 0
        assert check_jobs.mark_missed.call_as(SYSTEM, at=cst(1998, 3, 1).isoformat()) >= 1
        with committed(owner_url) as c:
            assert _statuses(c, [cid]) == {cid: "missed"}
            n = c.execute(
                text(
                    "select count(*) from alarm a join inspection_task k on k.id = a.subject_id"
                    " and a.subject_table = 'inspection_task' where k.checklist_id = :c"
                ),
                {"c": cid},
            ).scalar_one()
            assert n == 1
    finally:
        with committed(owner_url) as c:
            _forget_last_century(c)
            c.execute(text("delete from checklist where id = :c"), {"c": cid})
            c.execute(text("delete from org_unit where id = :u"), {"u": unit})
