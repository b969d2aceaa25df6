"""Scheduled jobs of hidden dangers: overdue hazards raise alarms and climb the org tree.

One set-based pass over every tenant, as the system principal. A hazard past its deadline and
not closed raises a 'hazard_overdue' alarm at its unit on its first overdue day; every further
N days (ESCALATE_EVERY_DAYS) it climbs one level (the parent unit, escalation level + 1, a new
alarm row there) until the company. The alarm's unique key makes a repeated run raise nothing
twice; a run that missed days raises the levels it skipped."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from periodiq import cron
from sqlalchemy import text
from sqlalchemy.orm import Session

from anwang.platform import clock
from anwang.platform.jobs import tenant_actor
from anwang.platform.principal import SYSTEM

logger = logging.getLogger(__name__)

# An overdue hazard climbs one level of the org tree for every this many further days.
ESCALATE_EVERY_DAYS = 3

_CN_DATE = (
    "extract(year from h.deadline)::int || '年' || extract(month from h.deadline)::int"
    " || '月' || extract(day from h.deadline)::int || '日'"
)

# `level` is how far up the tree the hazard is due today: 0 on days 1..N, 1 on days N+1..2N …,
# never above the company (depth of its unit). A hazard without a unit alarms at the company.
_ESCALATE = text(f"""
with overdue as (
  select h.tenant_id, h.id, h.title, h.deadline, h.escalation_level,
         (cast(:today as date) - h.deadline) as days, u.path as unit_path,
         case when u.path is null then 0
              else least((cast(:today as date) - h.deadline - 1) / :every, nlevel(u.path) - 1)
         end as level,
         '（整改期限' || {_CN_DATE} || '）' as due_text
  from hazard h
  left join org_unit u on u.tenant_id = h.tenant_id and u.id = h.org_unit_id
  where h.state in ('confirmed', 'rectifying', 'awaiting_acceptance')
    and h.deadline < cast(:today as date)
), wanted as (
  select o.tenant_id, o.id, o.deadline, g.k,
         case when o.unit_path is null
              then (select r.id from org_unit r
                    where r.tenant_id = o.tenant_id and r.parent_id is null)
              else subpath(o.unit_path, nlevel(o.unit_path) - 1 - g.k, 1)::text::bigint
         end as unit_id,
         case when g.k = 0 then '隐患逾期未整改：' || o.title || o.due_text
              else '隐患逾期' || o.days || '天仍未整改，升级督办（第' || g.k || '级）：'
                   || o.title || o.due_text
         end as message
  from overdue o cross join lateral generate_series(0, o.level) as g(k)
), raised as (
  insert into alarm as a (tenant_id, kind, severity, subject_table, subject_id, org_unit_id,
                          escalation_level, message, due_on)
  select tenant_id, 'hazard_overdue', 'alarm', 'hazard', id, unit_id, k, message, deadline
  from wanted
  on conflict (tenant_id, subject_table, subject_id, kind, severity, escalation_level)
    -- the same deadline stays handled once handled; a new deadline (extension, reopening)
    -- that is missed again raises its alarms again
    do update set resolved_at = null, raised_at = now(), due_on = excluded.due_on,
                  message = excluded.message, org_unit_id = excluded.org_unit_id
    where a.due_on is distinct from excluded.due_on
  returning 1
), escalated as (
  update hazard h set escalation_level = o.level
  from overdue o
  where h.tenant_id = o.tenant_id and h.id = o.id and h.escalation_level <> o.level
  returning 1
)
select (select count(*) from raised), (select count(*) from escalated)
""")

# Open overdue alarms of hazards that are no longer overdue for that deadline (closed, or
# given a later deadline): a safety net behind the service, which resolves them as it acts.
_RESOLVE = text("""
update alarm a set resolved_at = now()
where a.resolved_at is null and a.kind = 'hazard_overdue' and a.subject_table = 'hazard'
  and not exists (
    select 1 from hazard h
    where h.tenant_id = a.tenant_id and h.id = a.subject_id
      and h.state in ('confirmed', 'rectifying', 'awaiting_acceptance')
      and h.deadline < cast(:today as date) and h.deadline = a.due_on)
""")


@dataclass(frozen=True)
class EscalationResult:
    raised: int  # alarm rows raised (or raised again for a new deadline)
    escalated: int  # hazards whose escalation level changed
    resolved: int  # alarms of hazards no longer overdue


def escalate(session: Session, today: date, every: int = ESCALATE_EVERY_DAYS) -> EscalationResult:
    """Raise and escalate the overdue alarms of every tenant for the day `today` (Beijing)."""
    if every < 1:
        raise ValueError("every must be at least one day")
    resolved = session.execute(_RESOLVE, {"today": today}).rowcount  # type: ignore[attr-defined]
    raised, escalated = session.execute(_ESCALATE, {"today": today, "every": every}).one()
    return EscalationResult(int(raised), int(escalated), int(resolved or 0))


# Daily at 00:40 Beijing time (16:40 UTC), after the reminders scan; a repeated or missed run
# is harmless (see the module docstring). No retries: the next day does the work.
@tenant_actor(
    "hazards.escalate_overdue", run_as=SYSTEM, periodic=cron("40 16 * * *"), max_retries=0
)
def escalate_overdue(session: Session, on: str | None = None) -> dict[str, int]:
    """Overdue hazards of every tenant raise alarms and climb the org tree, for the day `on`
    (ISO date; today in Beijing when omitted)."""
    today = date.fromisoformat(on) if on else clock.today()
    result = escalate(session, today)
    logger.info(
        "hazards overdue %s: raised %d, escalated %d, resolved %d",
        today,
        result.raised,
        result.escalated,
        result.resolved,
    )
    return {"raised": result.raised, "escalated": result.escalated, "resolved": result.resolved}
