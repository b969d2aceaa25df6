"""Scheduled job of supervision orders: overdue orders climb up the chain above their issuer.

An order not closed by its deadline is overdue. On its first overdue day it is raised one
level above the issuing body (escalation level 1: the issuer's superior sees it in its list
of overdue orders); every ESCALATE_EVERY_DAYS further days one more level, until the city.
Each level raised leaves one timeline row naming the body it reached. One set-based pass as
the system principal; a repeated run raises nothing twice (the level only grows, and only the
levels between the old and the new one are logged), a run that missed days raises the levels
it skipped at once. Orders issued by the city have nobody above: they stay at level 0 and
show as overdue to the city itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from periodiq import cron
from sqlalchemy import text
from sqlalchemy.orm import Session

from anwang.platform import clock
from anwang.platform.jobs import tenant_actor
from anwang.platform.principal import SYSTEM

logger = logging.getLogger(__name__)

# A week per level: an order's deadline is usually days to weeks away, and a superior body
# asked to intervene needs that long to act before the next one up is told.
ESCALATE_EVERY_DAYS = 7

_ESCALATE = text("""
with due as (
  select o.id, o.escalation_level as was, cast(:today as date) - o.deadline as days,
         ij.path as issuer_path,
         least(1 + (cast(:today as date) - o.deadline - 1) / :every, nlevel(ij.path) - 1)
           as level
  from supervision_order o
  join jurisdiction ij on ij.id = o.issuer_jurisdiction_id
  where o.status <> 'closed' and o.deadline < cast(:today as date)
), raised as (
  update supervision_order o set escalation_level = d.level
  from due d
  where o.id = d.id and d.level > o.escalation_level
  returning o.id, d.was, d.level, d.days, d.issuer_path, o.jurisdiction_path, o.sector, o.status
), logged as (
  insert into supervision_order_event
    (order_id, jurisdiction_path, sector, action, from_status, to_status, note, data)
  select r.id, r.jurisdiction_path, r.sector, 'escalate', r.status, r.status,
         '逾期' || r.days || '天未办结，升级至' || coalesce(body.name, j.name),
         jsonb_build_object('level', g.k, 'days_overdue', r.days, 'jurisdiction_id', j.id,
                            'body_id', body.id)
  from raised r
  cross join lateral generate_series(r.was + 1, r.level) as g(k)
  join jurisdiction j on j.path = subpath(r.issuer_path, 0, nlevel(r.issuer_path) - g.k)
  -- the body the order reaches: the sector's department there for a sector's order,
  -- else the emergency bureau
  left join lateral (
    select b.id, b.name from gov_body b
    where b.jurisdiction_id = j.id
      and ((r.sector is null and b.kind = 'emergency_bureau') or b.sector = r.sector)
    order by b.id limit 1
  ) body on true
  order by r.id, g.k
  returning 1
)
select (select count(*) from raised), (select count(*) from logged)
""")


@dataclass(frozen=True)
class EscalationResult:
    escalated: int  # orders whose level rose
    levels: int  # levels raised (timeline rows written)


def escalate(
    conn: Session | Any, today: date, every: int = ESCALATE_EVERY_DAYS
) -> EscalationResult:
    """Raise the escalation level of every overdue order for the day `today` (Beijing).
    `conn` is a Session or Connection running as the system principal (or the owner)."""
    if every < 1:
        raise ValueError("every must be at least one day")
    escalated, levels = conn.execute(_ESCALATE, {"today": today, "every": every}).one()
    return EscalationResult(int(escalated), int(levels))


# Daily at 00:50 Beijing time (16:50 UTC), after the hazards' overdue pass; a repeated or
# missed run is harmless (see the module docstring). No retries: the next day does the work.
@tenant_actor("orders.escalate", run_as=SYSTEM, periodic=cron("50 16 * * *"), max_retries=0)
def escalate_overdue(session: Session, on: str | None = None) -> dict[str, int]:
    """Overdue supervision orders climb one level above their issuer per week, for the day
    `on` (ISO date; today in Beijing when omitted)."""
    today = date.fromisoformat(on) if on else clock.today()
    result = escalate(session, today)
    logger.info(
        "orders overdue %s: escalated %d (%d levels)", today, result.escalated, result.levels
    )
    return {"escalated": result.escalated, "levels": result.levels}


# --- the enterprise's own alarms about orders addressed to it ------------------------------
# An order addressed to an enterprise (not to a place) shows on the boss's home among the
# alarms 提醒报警: a reminder while it waits for the enterprise's answer, an alarm once it is
# past its deadline and not closed. They sit at the company's root unit. One row per order and
# kind (the alarm's unique key), so a run raises nothing twice and an alarm the enterprise has
# marked as seen stays seen; the pass resolves what the order's state no longer asks for.
_RAISE_ENTERPRISE_ALARMS = text("""
with wanted as (
  select o.tenant_id, o.id, o.deadline, o.title,
         case when o.deadline < cast(:today as date) then 'order_overdue' else 'order_received' end
           as kind,
         extract(year from o.deadline)::int || '年' || extract(month from o.deadline)::int
           || '月' || extract(day from o.deadline)::int || '日' as due_text
  from supervision_order o
  where o.tenant_id is not null and o.target_jurisdiction_id is null
    -- waiting for the enterprise's answer, or answered but past the deadline and not closed
    and (o.status in ('issued', 'returned')
         or (o.status = 'responded' and o.deadline < cast(:today as date)))
), raised as (
  insert into alarm as a (tenant_id, kind, severity, subject_table, subject_id, org_unit_id,
                          escalation_level, message, due_on)
  select w.tenant_id, w.kind,
         case when w.kind = 'order_overdue' then 'alarm' else 'reminder' end,
         'supervision_order', w.id,
         (select r.id from org_unit r where r.tenant_id = w.tenant_id and r.parent_id is null
          order by r.id limit 1),
         0,
         case when w.kind = 'order_overdue'
              then '督办事项逾期未办结：' || w.title || '（办理期限' || w.due_text || '）'
              else '收到督办：' || w.title || '（办理期限' || w.due_text || '）'
         end,
         w.deadline
  from wanted w
  on conflict (tenant_id, subject_table, subject_id, kind, severity, escalation_level) do nothing
  returning 1
)
select count(*) from raised
""")

_RESOLVE_ENTERPRISE_ALARMS = text("""
update alarm a set resolved_at = now()
from supervision_order o
where a.resolved_at is null and a.subject_table = 'supervision_order' and o.id = a.subject_id
  and o.tenant_id = a.tenant_id
  and ((a.kind = 'order_received' and o.status in ('responded', 'closed'))
       or (a.kind = 'order_overdue' and o.status = 'closed'))
""")


@dataclass(frozen=True)
class EnterpriseAlarms:
    raised: int  # reminders and alarms raised
    resolved: int  # closed by the order's state


def enterprise_alarms(conn: Session | Any, today: date) -> EnterpriseAlarms:
    """Raise and resolve the enterprises' alarms about orders addressed to them, for the day
    `today` (Beijing). `conn` runs as the system principal (or the owner)."""
    resolved = conn.execute(_RESOLVE_ENTERPRISE_ALARMS).rowcount  # type: ignore[union-attr]
    raised = conn.execute(_RAISE_ENTERPRISE_ALARMS, {"today": today}).scalar_one()
    return EnterpriseAlarms(int(raised), int(resolved or 0))


# Every five minutes: an order issued to an enterprise reaches its boss's home within minutes.
@tenant_actor(
    "orders.enterprise_alarms", run_as=SYSTEM, periodic=cron("*/5 * * * *"), max_retries=0
)
def raise_enterprise_alarms(session: Session, on: str | None = None) -> dict[str, int]:
    """The enterprises' reminders and alarms about the orders addressed to them."""
    today = date.fromisoformat(on) if on else clock.today()
    result = enterprise_alarms(session, today)
    logger.info("order alarms %s: raised %d, resolved %d", today, result.raised, result.resolved)
    return {"raised": result.raised, "resolved": result.resolved}
