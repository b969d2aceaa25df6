"""Inspection tasks 排查任务 from the active checklists: one set-based statement over every
tenant creates the tasks of the periods that contain a moment, and one marks the tasks
left undone past their due time as missed (with a 'task_overdue' alarm).

Periods are computed here, in Python, in Beijing time (Asia/Shanghai): for a moment there
is exactly one period per frequency (and per shift count for shifts), so the statement joins
the checklists to at most nine period rows. Every period ends where the next begins; a
task is due at its period's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

from anwang.platform.clock import CHINA

FREQUENCIES = ("shift", "daily", "weekly", "monthly", "quarterly", "yearly")
SHIFT_COUNTS = (1, 2, 3, 4)  # checklist.shifts_per_day is between 1 and 4


@dataclass(frozen=True)
class Period:
    """One period of a frequency: its key (stable, part of the task's unique key), start and
    end (the task's due time), both aware datetimes in Beijing time."""

    frequency: str
    shifts: int | None  # for 'shift' only: how many equal slices the day has
    key: str
    starts_at: datetime
    due_at: datetime


def _local_midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=CHINA)


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def period_of(frequency: str, at: datetime, shifts: int = 3) -> Period:
    """The period of `frequency` that contains `at` (an aware datetime)."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    local = at.astimezone(CHINA)
    day = local.date()
    match frequency:
        case "shift":
            if shifts not in SHIFT_COUNTS:
                raise ValueError(f"shifts per day must be 1–4, not {shifts}")
            # China has no daylight saving time, so every day has 24 hours.
            hours = 24 // shifts
            index = local.hour // hours
            start = _local_midnight(day) + timedelta(hours=index * hours)
            return Period(
                "shift",
                shifts,
                f"{day.isoformat()}#{index + 1}",
                start,
                start + timedelta(hours=hours),
            )
        case "daily":
            start = _local_midnight(day)
            return Period("daily", None, day.isoformat(), start, start + timedelta(days=1))
        case "weekly":
            iso = day.isocalendar()
            monday = day - timedelta(days=iso.weekday - 1)
            start = _local_midnight(monday)
            return Period(
                "weekly", None, f"{iso.year}-W{iso.week:02d}", start, start + timedelta(days=7)
            )
        case "monthly":
            first = day.replace(day=1)
            return Period(
                "monthly",
                None,
                f"{day.year}-{day.month:02d}",
                _local_midnight(first),
                _local_midnight(_add_months(first, 1)),
            )
        case "quarterly":
            q = (day.month - 1) // 3
            first = date(day.year, 3 * q + 1, 1)
            return Period(
                "quarterly",
                None,
                f"{day.year}-Q{q + 1}",
                _local_midnight(first),
                _local_midnight(_add_months(first, 3)),
            )
        case "yearly":
            return Period(
                "yearly",
                None,
                str(day.year),
                _local_midnight(date(day.year, 1, 1)),
                _local_midnight(date(day.year + 1, 1, 1)),
            )
    raise ValueError(f"unknown frequency {frequency!r}")


def periods_at(at: datetime) -> list[Period]:
    """Every period containing `at`: one per frequency, one per shift count."""
    out = [period_of("shift", at, n) for n in SHIFT_COUNTS]
    out += [period_of(f, at) for f in FREQUENCIES if f != "shift"]
    return out


def period_label(frequency: str | None, key: str) -> str:
    """A period key as people read it: 2026年11月24日 第2班, 2026年第48周, 2026年第4季度."""
    if not frequency or not key:
        return ""
    try:
        match frequency:
            case "shift":
                d, n = key.split("#")
                y, m, dd = (int(x) for x in d.split("-"))
                return f"{y}年{m}月{dd}日 第{n}班"
            case "daily":
                y, m, dd = (int(x) for x in key.split("-"))
                return f"{y}年{m}月{dd}日"
            case "weekly":
                year, week = key.split("-W")
                return f"{year}年第{int(week)}周"
            case "monthly":
                year, month = key.split("-")
                return f"{year}年{int(month)}月"
            case "quarterly":
                year, quarter = key.split("-Q")
                return f"{year}年第{quarter}季度"
            case "yearly":
                return f"{key}年"
    except ValueError:
        pass
    return key


# The candidates are the active, non-empty checklists of every tenant joined to the period of
# their frequency. The anti-join on the unique key (tenant_id, checklist_id, period_key) leaves
# out tasks already made, so a repeated run (every 15 minutes) inserts nothing and fires no row
# trigger; ON CONFLICT DO NOTHING covers two runs racing each other. The candidates are
# materialized so that all three key columns come from one relation: the anti-join then probes
# the unique index on all three (joined straight to the period rows, the planner matched only
# tenant and list and filtered every task the list ever had). The scope columns are filled by
# the table's trigger from the tenant.
_GENERATE = text("""
with candidate as materialized (
  select c.tenant_id, c.id as checklist_id, c.org_unit_id, p.key, p.starts_at, p.due_at
  from unnest(cast(:freqs as text[]), cast(:shifts as int[]), cast(:keys as text[]),
              cast(:starts as timestamptz[]), cast(:dues as timestamptz[]))
         as p(frequency, shifts, key, starts_at, due_at)
  join checklist c
    on c.active and c.frequency = p.frequency
   and (p.shifts is null or c.shifts_per_day = p.shifts)
)
insert into inspection_task (tenant_id, checklist_id, org_unit_id, period_key, starts_at, due_at)
select n.tenant_id, n.checklist_id, n.org_unit_id, n.key, n.starts_at, n.due_at
from candidate n
where not exists (select 1 from inspection_task t
                  where t.tenant_id = n.tenant_id and t.checklist_id = n.checklist_id
                    and t.period_key = n.key)
  and exists (select 1 from checklist_item i
              where i.tenant_id = n.tenant_id and i.checklist_id = n.checklist_id)
on conflict (tenant_id, checklist_id, period_key) do nothing
""")


def generate_params(at: datetime) -> dict[str, Any]:
    periods = periods_at(at)
    return {
        "freqs": [p.frequency for p in periods],
        "shifts": [p.shifts for p in periods],
        "keys": [p.key for p in periods],
        "starts": [p.starts_at for p in periods],
        "dues": [p.due_at for p in periods],
    }


def generate_due_tasks(session: Session, at: datetime) -> int:
    """Create the tasks whose period contains `at`, for every active checklist the session's
    principal sees (all tenants for the system principal, one tenant for a tenant principal:
    row-level security decides). Idempotent; returns the number of tasks created."""
    result = cast(CursorResult[Any], session.execute(_GENERATE, generate_params(at)))
    return result.rowcount


# Pending tasks past their due time become missed, and each raises one 'task_overdue' alarm
# for its unit (the alarm's unique key makes a second run raise nothing twice).
_MARK_MISSED = text("""
with missed as (
  update inspection_task t set status = 'missed'
  where t.status = 'pending' and t.due_at <= :at
  returning t.tenant_id, t.id, t.checklist_id, t.org_unit_id, t.period_key, t.due_at
), alarms as (
  insert into alarm (tenant_id, kind, severity, subject_table, subject_id, org_unit_id,
                     escalation_level, message, due_on)
  select m.tenant_id, 'task_overdue', 'alarm', 'inspection_task', m.id, m.org_unit_id, 0,
         '排查任务逾期未完成：' || c.name || '（' || m.period_key || '）',
         ((m.due_at - interval '1 second') at time zone 'Asia/Shanghai')::date
  from missed m
  join checklist c on c.tenant_id = m.tenant_id and c.id = m.checklist_id
  on conflict (tenant_id, subject_table, subject_id, kind, severity, escalation_level)
    do nothing
)
select count(*) from missed
""")


def mark_missed(session: Session, at: datetime) -> int:
    """Mark pending tasks due at or before `at` as missed and raise their alarms; returns how
    many tasks were marked. Idempotent: a second run finds no pending task past due."""
    return int(session.execute(_MARK_MISSED, {"at": at}).scalar_one())
