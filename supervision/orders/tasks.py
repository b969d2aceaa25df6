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
