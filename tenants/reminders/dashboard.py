"""The numbers of the enterprise home page 工作台, read straight from the tables of every
part (risk points, hazards, tasks, certificates, equipment, alarms) as the caller.

Who sees what: company-level roles the whole tenant; a unit's managers their subtrees
(`managed_unit_ids`); anyone else (a worker) the tasks of their own post and the hazards
they reported themselves. Tables that are still empty simply give zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import RowMapping
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import CHINA
from anwang.platform.principal import Principal
from anwang.tenants import vocabulary
from anwang.tenants.org.access import managed_unit_ids
from anwang.tenants.org.repository import post_of_user
from anwang.tenants.reminders.repository import rows
from anwang.tenants.reminders.scan import END_OF_LIFE_REMIND_DAYS, REMIND_DAYS
from anwang.tenants.reminders.schemas import DashboardRead, LevelCount, StateCount

OPEN_HAZARD_STATES = ("reported", "confirmed", "rectifying", "awaiting_acceptance")
# States in which a hazard's deadline binds (rectification not yet accepted).
DEADLINE_STATES = ("confirmed", "rectifying", "awaiting_acceptance")
Scope = Literal["company", "units", "own"]


@dataclass(frozen=True)
class Viewer:
    """What a caller looks after: all units (None), a set of units, and whether hazards are
    limited to those they reported themselves."""

    scope: Scope
    units: set[int] | None
    user_id: int | None = None

    @property
    def own_reports(self) -> bool:
        return self.scope == "own"


async def viewer_of(db: AsyncSession, p: Principal) -> Viewer:
    managed = await managed_unit_ids(db, p)
    if managed is None:
        return Viewer("company", None, p.user_id)
    if managed:
        return Viewer("units", managed, p.user_id)
    post = await post_of_user(db, p.user_id) if p.user_id is not None else None
    return Viewer("own", {int(post.id)} if post and post.id else set(), p.user_id)


@dataclass(frozen=True)
class Moments:
    """The day and month of `now` in Beijing time, as the bounds the queries need."""

    now: datetime
    today: date
    day_start: datetime
    day_end: datetime
    month_start: datetime
    month_end: datetime


def moments(now: datetime | None = None) -> Moments:
    now = (now or datetime.now(UTC)).astimezone(CHINA)
    day = datetime(now.year, now.month, now.day, tzinfo=CHINA)
    month = datetime(now.year, now.month, 1, tzinfo=CHINA)
    following = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=CHINA)
    return Moments(now, now.date(), day, day + timedelta(days=1), month, following)


def _in(column: str, v: Viewer) -> str:
    return "" if v.units is None else f" and {column} = any(:units)"


@dataclass
class Numbers:
    """The home page's figures, with the Chinese names the page needs."""

    viewer: Viewer
    risk_levels: list[LevelCount] = field(default_factory=list)
    hazard_states: list[StateCount] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def risk_total(self) -> int:
        return sum(c.count for c in self.risk_levels)

    def read(self, alarms: int, severe: int) -> DashboardRead:
        f = self.figures
        due, done = f["month_tasks_due"], f["month_tasks_done"]
        return DashboardRead(
            scope=self.viewer.scope,
            open_alarms=alarms,
            alarms=severe,
            reminders=alarms - severe,
            risk_points=self.risk_levels,
            risk_points_total=self.risk_total,
            hazards_open=self.hazard_states,
            hazards_open_total=sum(s.count for s in self.hazard_states),
            hazards_overdue=f["hazards_overdue"],
            hazards_major=f["hazards_major"],
            tasks_pending_today=f["tasks_pending_today"],
            tasks_overdue=f["tasks_overdue"],
            month_tasks_due=due,
            month_tasks_done=done,
            month_completion_rate=round(done / due, 4) if due else None,
            certificates_due=f["certificates_due"],
            equipment_due=f["equipment_due"],
        )


async def numbers(db: AsyncSession, v: Viewer, now: datetime | None = None) -> Numbers:
    m = moments(now)
    params: dict[str, Any] = {
        "units": sorted(v.units or ()),
        "uid": v.user_id,
        "now": m.now,
        "today": m.today,
        "day_end": m.day_end,
        "month_start": m.month_start,
        "month_end": m.month_end,
        "remind": REMIND_DAYS,
        "eol_remind": END_OF_LIFE_REMIND_DAYS,
        "open_states": list(OPEN_HAZARD_STATES),
        "deadline_states": list(DEADLINE_STATES),
    }
    result = Numbers(v)

    levels = await rows(
        db,
        "select level, count(*) as n from risk_point where status = 'active'"
        f" and level is not null{_in('org_unit_id', v)} group by level",
        **params,
    )
    by_level = {r["level"]: int(r["n"]) for r in levels}
    result.risk_levels = [
        LevelCount(level=code, name=name, colour=vocabulary.LEVEL_COLOURS[code],
                   count=by_level.get(code, 0))
        for code, name in vocabulary.LEVELS.items()
    ]  # fmt: skip

    # A worker's hazards are the ones they reported; a manager's those of their units.
    hazard_scope = " and reported_by = :uid" if v.own_reports else _in("org_unit_id", v)
    states = await rows(
        db,
        "select state, count(*) as n from hazard where state = any(:open_states)"
        f"{hazard_scope} group by state",
        **params,
    )
    by_state = {r["state"]: int(r["n"]) for r in states}
    result.hazard_states = [
        StateCount(state=s, name=vocabulary.HAZARD_STATES[s], count=by_state.get(s, 0))
        for s in OPEN_HAZARD_STATES
    ]

    figures = await rows(
        db,
        f"""
        select
          (select count(*) from hazard where state = any(:deadline_states)
             and deadline < :today{hazard_scope}) as hazards_overdue,
          (select count(*) from hazard where state = any(:open_states)
             and tier = 'major'{hazard_scope}) as hazards_major,
          (select count(*) from inspection_task where status = 'pending'
             and due_at > :now and starts_at < :day_end{_in("org_unit_id", v)})
             as tasks_pending_today,
          (select count(*) from inspection_task where status <> 'done'
             and due_at <= :now and due_at > :month_start{_in("org_unit_id", v)})
             as tasks_overdue,
          (select count(*) from inspection_task where due_at > :month_start
             and due_at <= :month_end and (due_at <= :now or status = 'done')
             {_in("org_unit_id", v)}) as month_tasks_due,
          (select count(*) from inspection_task where due_at > :month_start
             and due_at <= :month_end and status = 'done'{_in("org_unit_id", v)})
             as month_tasks_done,
          (select count(*) from certificate c
             where c.expires_on <= cast(:today as date) + :remind
             {_in("coalesce(c.org_unit_id, (select id from org_unit where parent_id is null))", v)})
             as certificates_due,
          (select count(*) from equipment where status = 'in_use'
             and (next_inspection_on <= cast(:today as date) + :remind
                  or end_of_life_on <= cast(:today as date) + :eol_remind)
             {_in("org_unit_id", v)}) as equipment_due
        """,
        **params,
    )
    result.figures = {k: int(val) for k, val in figures[0].items()}
    return result


async def alarm_counts(db: AsyncSession, v: Viewer) -> tuple[int, int]:
    """Open alarms in the viewer's units: (all, of severity 'alarm')."""
    found = await rows(
        db,
        "select count(*) as n, count(*) filter (where severity = 'alarm') as severe"
        f" from alarm where resolved_at is null{_in('org_unit_id', v)}",
        units=sorted(v.units or ()),
    )
    return int(found[0]["n"]), int(found[0]["severe"])


def four_colour_bar(levels: list[LevelCount]) -> list[dict[str, Any]]:
    """The segments of the four-colour bar: colour, name, count and width in per cent."""
    total = sum(c.count for c in levels)
    return [
        {
            "colour": c.colour,
            "name": c.name,
            "count": c.count,
            "width": round(100 * c.count / total, 2) if total else 0,
        }
        for c in levels
    ]


def alarm_link(row: RowMapping | dict[str, Any]) -> str:
    """Where an alarm's subject is shown."""
    table, subject = row["subject_table"], row["subject_id"]
    return {
        "certificate": f"/enterprise/reminders/certificates/{subject}",
        "equipment": f"/enterprise/reminders/equipment/{subject}",
        "hazard": f"/enterprise/hazards/{subject}",
        "inspection_task": "/enterprise/tasks",
        "risk_point": f"/enterprise/risks/{subject}",
        "supervision_order": f"/enterprise/orders/{subject}",
    }.get(table, "/enterprise/reminders")
