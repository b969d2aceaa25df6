"""The daily scan of due dates 到期扫描: certificates and equipment of every tenant, in
set-based statements run as the system principal.

A certificate or a date of a piece of equipment is in one of three states on a given day:
far off (nothing), due soon (a 'reminder', from `REMIND_DAYS` before the date up to the date
itself, inclusive) or past (an 'alarm', from the day after). The scan computes the wanted
reminders and alarms of the day, resolves open ones that are no longer wanted (renewed,
inspected, scrapped, deleted, or turned from a reminder into an alarm), then raises the
wanted ones. The alarm's unique key (tenant, subject, kind, severity, level) makes a second
run raise nothing twice; a row resolved earlier reopens only for a new due date (the next
cycle of a renewed certificate), so a reminder someone has acknowledged stays acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

# How long before a due date the reminder appears.
REMIND_DAYS = 30  # certificate expiry, periodic inspection
END_OF_LIFE_REMIND_DAYS = 90

# The kinds this scan owns; other jobs raise and resolve their own.
SCAN_KINDS = ("certificate_expiring", "certificate_expired", "inspection_due",
              "inspection_overdue", "end_of_life")  # fmt: skip

# 2026年1月5日, in SQL.
_CN_DATE = """to_char({d}, 'YYYY"年"FMMM"月"FMDD"日"')"""

# One row per reminder or alarm wanted today (tenant, subject, kind, severity, unit, message,
# due date). Certificates show at their unit, else at the company root.
_WANTED = f"""
with roots as (
  select tenant_id, id from org_unit where parent_id is null
), wanted as (
  select c.tenant_id, 'certificate'::text as subject_table, c.id as subject_id,
         case when c.expires_on < :today then 'certificate_expired'
              else 'certificate_expiring' end as kind,
         case when c.expires_on < :today then 'alarm' else 'reminder' end as severity,
         coalesce(c.org_unit_id, r.id) as org_unit_id,
         case when c.expires_on < :today
              then '证照已过期：' || c.name || '（' || {_CN_DATE.format(d="c.expires_on")} || '到期）'
              else '证照即将到期：' || c.name || '（' || {_CN_DATE.format(d="c.expires_on")}
                   || '到期）' end as message,
         c.expires_on as due_on
  from certificate c
  left join roots r on r.tenant_id = c.tenant_id
  where c.expires_on <= cast(:today as date) + :remind
  union all
  select q.tenant_id, 'equipment', q.id,
         case when q.next_inspection_on < :today then 'inspection_overdue'
              else 'inspection_due' end,
         case when q.next_inspection_on < :today then 'alarm' else 'reminder' end,
         q.org_unit_id,
         case when q.next_inspection_on < :today
              then '设备检验已逾期：' || q.name || '（应于'
                   || {_CN_DATE.format(d="q.next_inspection_on")} || '前检验）'
              else '设备即将到期检验：' || q.name || '（'
                   || {_CN_DATE.format(d="q.next_inspection_on")} || '前检验）' end,
         q.next_inspection_on
  from equipment q
  where q.status = 'in_use' and q.next_inspection_on <= cast(:today as date) + :remind
  union all
  select q.tenant_id, 'equipment', q.id, 'end_of_life',
         case when q.end_of_life_on < :today then 'alarm' else 'reminder' end,
         q.org_unit_id,
         case when q.end_of_life_on < :today
              then '设备已超过使用年限：' || q.name || '（'
                   || {_CN_DATE.format(d="q.end_of_life_on")} || '到期）'
              else '设备即将达到使用年限：' || q.name || '（'
                   || {_CN_DATE.format(d="q.end_of_life_on")} || '到期）' end,
         q.end_of_life_on
  from equipment q
  where q.status = 'in_use' and q.end_of_life_on <= cast(:today as date) + :eol_remind
)
"""

# Open alarms of this scan's kinds that today's state no longer asks for. `:subject_table`
# and `:subject_id` narrow it to one subject (a service's edit), or are null for all.
_RESOLVE = text(
    _WANTED
    + """
update alarm a set resolved_at = now()
where a.resolved_at is null and a.escalation_level = 0
  and a.kind = any(:kinds)
  and (cast(:subject_table as text) is null
       or (a.subject_table = :subject_table and a.subject_id = :subject_id))
  and not exists (
    select 1 from wanted w
    where w.tenant_id = a.tenant_id and w.subject_table = a.subject_table
      and w.subject_id = a.subject_id and w.kind = a.kind and w.severity = a.severity
      and w.due_on = a.due_on)
"""
)

_RAISE = text(
    _WANTED
    + """
insert into alarm as a (tenant_id, kind, severity, subject_table, subject_id, org_unit_id,
                        escalation_level, message, due_on)
select tenant_id, kind, severity, subject_table, subject_id, org_unit_id, 0, message, due_on
from wanted
where cast(:subject_table as text) is null
   or (subject_table = :subject_table and subject_id = :subject_id)
on conflict (tenant_id, subject_table, subject_id, kind, severity, escalation_level)
  do update set resolved_at = null, raised_at = now(), due_on = excluded.due_on,
                message = excluded.message, org_unit_id = excluded.org_unit_id
  where a.due_on is distinct from excluded.due_on
"""
)


@dataclass(frozen=True)
class ScanResult:
    raised: int  # new or reopened reminders and alarms
    resolved: int


def _params(today: date, subject: tuple[str, int] | None) -> dict[str, Any]:
    return {
        "today": today,
        "remind": REMIND_DAYS,
        "eol_remind": END_OF_LIFE_REMIND_DAYS,
        "kinds": list(SCAN_KINDS),
        "subject_table": subject[0] if subject else None,
        "subject_id": subject[1] if subject else None,
    }


def scan(session: Session, today: date) -> ScanResult:
    """Bring every tenant's certificate and equipment reminders and alarms up to date for
    `today` (Beijing date). Idempotent: a second run on the same data changes nothing."""
    params = _params(today, None)
    resolved = cast(CursorResult[Any], session.execute(_RESOLVE, params)).rowcount
    raised = cast(CursorResult[Any], session.execute(_RAISE, params)).rowcount
    return ScanResult(raised=raised, resolved=resolved)


# The same statements for one subject, as the tenant's own principal after an edit (RLS
# limits them to the tenant; the subject filter to the row just changed).
RESOLVE_ONE = _RESOLVE
RAISE_ONE = _RAISE


def subject_params(today: date, subject_table: str, subject_id: int) -> dict[str, Any]:
    return _params(today, (subject_table, subject_id))
