"""Keeping the roll-up figures 辖区统计 up to date: recompute the enterprises marked dirty by the
triggers of migration 0012, then the places above them, bottom-up.

`conn` is anything with `.execute(text(...), params)` (a SQLAlchemy sync Session or
Connection) running as the system principal or the owner. Both entry points are idempotent
and serialise on one advisory lock, so a scheduled run and the seed never interleave.

Date-dependent figures (overdue hazards and listings, this and last month's self-checks, the
current patrol cycle) are computed for a day, kept in `rollup_state.as_of`. When the day has
moved on, `refresh_dirty` first marks the enterprises the new day changes (deadlines and due
dates passed, cycles started or ended); a new month changes every enterprise's self-check
months, so it rebuilds everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import text

from anwang.platform import clock

TIERS = ("none", "on_spot", "general", "major")  # 'none': reported, not graded yet
STATES = ("reported", "confirmed", "rejected", "rectifying", "awaiting_acceptance", "closed")
OPEN_STATES = ("reported", "confirmed", "rectifying", "awaiting_acceptance")
# States in which a hazard's deadline binds (as anwang.tenants.hazards.states.OPEN_STATES).
DEADLINE_STATES = ("confirmed", "rectifying", "awaiting_acceptance")
LEVELS = ("major", "significant", "general", "low")
PATROL_KINDS = ("grid", "town", "sector")
PATROL_SLOTS = ("cur", "prev")  # the cycle under way today, the last one that ended
PATROL_MEASURES = ("assigned", "visited", "late", "missed")

HAZARD_COUNTS = tuple(f"h_{tier}_{state}" for tier in TIERS for state in STATES)
PATROL_COUNTS = tuple(
    f"patrol_{kind}_{slot}_{what}"
    for kind in PATROL_KINDS
    for slot in PATROL_SLOTS
    for what in PATROL_MEASURES
)
RISK_COUNTS = (*(f"risk_{level}" for level in LEVELS), "risk_unassessed")
OTHER_COUNTS = (
    "hazards_overdue",
    "major_overdue",
    "closed_on_time",
    "listed_open",
    "listed_overdue",
    "selfcheck_due_this",
    "selfcheck_done_this",
    "selfcheck_due_last",
    "selfcheck_done_last",
)
# Every counted figure, in the tables' column order.
COUNTS = (*RISK_COUNTS, *HAZARD_COUNTS, *OTHER_COUNTS, *PATROL_COUNTS)
COLOURS = {"major": "ent_red", "significant": "ent_orange", "general": "ent_yellow",
           "low": "ent_blue"}  # fmt: skip
STATUSES = ("active", "suspended", "closed")
SCALES = ("large", "medium", "small", "micro")
# Counted only per area: units by kind, by the colour of their highest risk level, and
# enterprises (not sites) by status and scale.
AREA_COUNTS = (
    "enterprises",
    "sites",
    *COLOURS.values(),
    "ent_none",
    *(f"status_{s}" for s in STATUSES),
    *(f"scale_{s}" for s in SCALES),
)

LOCK = "select pg_advisory_xact_lock(hashtext('anwang.rollups'))"
BEIJING = "'Asia/Shanghai'"


class Executes(Protocol):
    """A sync SQLAlchemy Session or Connection."""

    def execute(self, statement: Any, parameters: Any = ..., /) -> Any: ...


def _in(column: str, only: bool) -> str:
    return f" and {column} = any(:ids)" if only else ""


def _tier(tier: str) -> str:
    return "tier is null" if tier == "none" else f"tier = '{tier}'"


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _changed(alias: str, columns: Sequence[str]) -> str:
    """An upsert's condition: write only a row whose values differ (no dead row otherwise)."""
    old = ", ".join(f"{alias}.{c}" for c in columns)
    new = ", ".join(f"excluded.{c}" for c in columns)
    return f"({old}) is distinct from ({new})"


def _patrol_filters() -> list[str]:
    out = []
    for kind in PATROL_KINDS:
        for slot in PATROL_SLOTS:
            where = f"patrol_kind = '{kind}' and slot = '{slot}'"
            out += [
                f"count(*) filter (where {where})",
                f"count(*) filter (where {where} and status = 'visited')",
                f"count(*) filter (where {where} and status = 'visited' and visited_on > due_on)",
                f"count(*) filter (where {where} and (status = 'missed'"
                " or (status = 'planned' and due_on < :today)))",
            ]
    return out


def _enterprise_sql(only: bool) -> str:
    """Recompute enterprise_figures for every enterprise, or those in :ids."""
    hazard_counts = ",\n    ".join(
        f"count(*) filter (where {_tier(t)} and state = '{s}') as h_{t}_{s}"
        for t in TIERS
        for s in STATES
    )
    patrol = ",\n    ".join(
        f"{expr} as {name}" for expr, name in zip(_patrol_filters(), PATROL_COUNTS, strict=True)
    )
    deadline = _quoted(DEADLINE_STATES)
    highest = " ".join(f"when coalesce(rp.risk_{lv}, 0) > 0 then '{lv}'" for lv in LEVELS)
    counts = ", ".join(f"coalesce({c}, 0)" for c in COUNTS)
    columns = ", ".join(COUNTS)
    compared = ("jurisdiction_id", "jurisdiction_path", "sector", "kind", "site_type", "status",
                "scale", "highest_level", *COUNTS)  # fmt: skip
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*compared, "as_of", "updated_at"))
    changed = _changed("f", compared)
    return f"""
with t as (
  select e.id as tenant_id, e.jurisdiction_id, e.jurisdiction_path, e.sector, e.kind,
         e.site_type, e.status, e.scale
  from enterprise e where true {_in("e.id", only)}
), rp as (
  select tenant_id,
    {", ".join(f"count(*) filter (where level = '{lv}') as risk_{lv}" for lv in LEVELS)},
    count(*) filter (where level is null) as risk_unassessed
  from risk_point where status = 'active' {_in("tenant_id", only)}
  group by tenant_id
), hz as (
  select tenant_id,
    {hazard_counts},
    count(*) filter (where state in ({deadline}) and deadline < :today) as hazards_overdue,
    count(*) filter (where tier = 'major' and state in ({deadline}) and deadline < :today)
      as major_overdue,
    count(*) filter (where state = 'closed'
      and (deadline is null or (closed_at at time zone {BEIJING})::date <= deadline))
      as closed_on_time
  from hazard where true {_in("tenant_id", only)}
  group by tenant_id
), lo as (
  select tenant_id, count(*) as listed_open,
         count(*) filter (where deadline < :today) as listed_overdue
  from supervision_order
  where kind = 'listed' and status <> 'closed' and tenant_id is not null {_in("tenant_id", only)}
  group by tenant_id
), sc as (
  select k.tenant_id,
    count(*) filter (where k.period_key = :this_month) as selfcheck_due_this,
    count(*) filter (where k.period_key = :this_month and k.status = 'done')
      as selfcheck_done_this,
    count(*) filter (where k.period_key = :last_month) as selfcheck_due_last,
    count(*) filter (where k.period_key = :last_month and k.status = 'done')
      as selfcheck_done_last
  from inspection_task k
  join checklist c on c.tenant_id = k.tenant_id and c.id = k.checklist_id
  where c.kind = 'comprehensive' and k.period_key in (:this_month, :last_month)
    {_in("k.tenant_id", only)}
  group by k.tenant_id
), pc as (
  select a.tenant_id, c.patrol_kind, a.status, a.due_on, a.visited_on, c.ends_on,
         c.id as cycle_id, case when c.ends_on >= :today then 'cur' else 'prev' end as slot
  from patrol_assignment a join patrol_cycle c on c.id = a.cycle_id
  where c.starts_on <= :today {_in("a.tenant_id", only)}
), pr as (
  select pc.*, dense_rank() over (partition by tenant_id, patrol_kind, slot
                                  order by ends_on desc, cycle_id desc) as r
  from pc
), pa as (
  select tenant_id,
    {patrol}
  from pr where r = 1
  group by tenant_id
)
insert into enterprise_figures as f (tenant_id, jurisdiction_id, jurisdiction_path, sector, kind,
  site_type, status, scale, highest_level, {columns}, as_of, updated_at)
select t.tenant_id, t.jurisdiction_id, t.jurisdiction_path, t.sector, t.kind, t.site_type,
       t.status, t.scale, case {highest} end, {counts}, :today, now()
from t left join rp using (tenant_id) left join hz using (tenant_id)
  left join lo using (tenant_id) left join sc using (tenant_id) left join pa using (tenant_id)
on conflict (tenant_id) do update set {updates}
  where {changed}
"""


def _month_sql(only: bool) -> str:
    """Recompute enterprise_month (hazards found and closed per Beijing month)."""
    return f"""
with new as (
  select m.tenant_id, m.month, e.jurisdiction_path, e.sector, sum(m.found)::int as found,
         sum(m.closed)::int as closed
  from (
    select tenant_id, date_trunc('month', found_at at time zone {BEIJING})::date as month,
           1 as found, 0 as closed
    from hazard where state <> 'rejected' {_in("tenant_id", only)}
    union all
    select tenant_id, date_trunc('month', closed_at at time zone {BEIJING})::date, 0, 1
    from hazard where state = 'closed' and closed_at is not null {_in("tenant_id", only)}
  ) m join enterprise e on e.id = m.tenant_id
  group by m.tenant_id, m.month, e.jurisdiction_path, e.sector
), up as (
  insert into enterprise_month as em (tenant_id, month, jurisdiction_path, sector, found, closed)
  select * from new
  on conflict (tenant_id, month) do update set jurisdiction_path = excluded.jurisdiction_path,
    sector = excluded.sector, found = excluded.found, closed = excluded.closed
  where {_changed("em", ("jurisdiction_path", "sector", "found", "closed"))}
)
delete from enterprise_month em where true {_in("em.tenant_id", only)}
  and not exists (select 1 from new n where n.tenant_id = em.tenant_id and n.month = em.month)
"""


def _area_sql() -> str:
    """Recompute the area rows of the places :ids (all at one depth) from the enterprises
    directly at them and the (already recomputed) per-sector rows of the places below."""
    enterprise_cols = ", ".join(
        [
            "(f.kind = 'enterprise')::int",
            "(f.kind = 'public_site')::int",
            *(f"(f.highest_level = '{lv}')::int" for lv in COLOURS),
            "(f.highest_level is null)::int",
            *(f"(f.kind = 'enterprise' and f.status = '{st}')::int" for st in STATUSES),
            *(f"(f.kind = 'enterprise' and f.scale = '{sc}')::int" for sc in SCALES),
            *(f"f.{c}" for c in COUNTS),
        ]
    )
    all_cols = (*AREA_COUNTS, *COUNTS)
    child_cols = ", ".join(f"a.{c}" for c in all_cols)
    names = ", ".join(all_cols)
    sums = ", ".join(f"sum({c})::int as {c}" for c in all_cols)
    compared = ("parent_id", "level", "jurisdiction_path", *all_cols)
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*compared, "as_of", "updated_at"))
    return f"""
with src ({", ".join(("area", "sector", *all_cols))}) as (
  select f.jurisdiction_id, f.sector, {enterprise_cols}
  from enterprise_figures f where f.jurisdiction_id = any(:ids)
  union all
  select a.parent_id, a.sector, {child_cols}
  from area_figures a where a.parent_id = any(:ids) and a.sector <> ''
), sums as (
  select area, coalesce(sector, '') as sector, {sums}
  from src group by grouping sets ((area, sector), (area))
), up as (
  insert into area_figures as a (jurisdiction_id, sector, parent_id, level, jurisdiction_path,
                                 {names}, as_of, updated_at)
  select j.id, s.sector, j.parent_id, j.level, j.path, {names}, :today, now()
  from sums s join jurisdiction j on j.id = s.area
  on conflict (jurisdiction_id, sector) do update set {updates}
  where {_changed("a", compared)}
)
delete from area_figures a where a.jurisdiction_id = any(:ids)
  and not exists (select 1 from sums s where s.area = a.jurisdiction_id and s.sector = a.sector)
"""


AREA_MONTH_SQL = """
with src (area, sector, month, found, closed) as (
  select f.jurisdiction_id, f.sector, m.month, m.found, m.closed
  from enterprise_figures f join enterprise_month m on m.tenant_id = f.tenant_id
  where f.jurisdiction_id = any(:ids)
  union all
  select j.parent_id, a.sector, a.month, a.found, a.closed
  from area_month a join jurisdiction j on j.id = a.jurisdiction_id
  where j.parent_id = any(:ids) and a.sector <> ''
), sums as (
  select area, coalesce(sector, '') as sector, month, sum(found)::int as found,
         sum(closed)::int as closed
  from src group by grouping sets ((area, sector, month), (area, month))
), up as (
  insert into area_month as am (jurisdiction_id, sector, month, jurisdiction_path, found, closed)
  select s.area, s.sector, s.month, j.path, s.found, s.closed
  from sums s join jurisdiction j on j.id = s.area
  on conflict (jurisdiction_id, sector, month) do update set
    jurisdiction_path = excluded.jurisdiction_path, found = excluded.found,
    closed = excluded.closed
  where (am.jurisdiction_path, am.found, am.closed)
    is distinct from (excluded.jurisdiction_path, excluded.found, excluded.closed)
)
delete from area_month am where am.jurisdiction_id = any(:ids)
  and not exists (select 1 from sums s
                  where s.area = am.jurisdiction_id and s.sector = am.sector and s.month = am.month)
"""

# The places above (and at) the given jurisdictions, deepest first.
PLACES_ABOVE = """
select a.id, nlevel(a.path) as depth from jurisdiction a
where a.path @> any(select j.path from jurisdiction j where j.id = any(:ids))
order by depth desc
"""

ALL_PLACES = "select id, nlevel(path) as depth from jurisdiction order by depth desc"

# Enterprises whose date-dependent figures change between two days (as_of, today].
DATE_MARKS = f"""
insert into figures_dirty (enterprise_id)
select tenant_id from hazard
  where state in ({_quoted(DEADLINE_STATES)}) and deadline >= :as_of and deadline < :today
union
select tenant_id from supervision_order
  where kind = 'listed' and status <> 'closed' and tenant_id is not null
    and deadline >= :as_of and deadline < :today
union
select tenant_id from patrol_assignment
  where status = 'planned' and due_on >= :as_of and due_on < :today
union
select a.tenant_id from patrol_assignment a join patrol_cycle c on c.id = a.cycle_id
  where (c.starts_on > :as_of and c.starts_on <= :today)
     or (c.ends_on >= :as_of and c.ends_on < :today)
on conflict do nothing
"""


@dataclass(frozen=True)
class Months:
    this: str
    last: str


def _months(today: date) -> Months:
    last = date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)
    return Months(f"{today:%Y-%m}", f"{last:%Y-%m}")


def _params(today: date, **extra: Any) -> dict[str, Any]:
    m = _months(today)
    return {"today": today, "this_month": m.this, "last_month": m.last, **extra}


def _areas(conn: Executes, places: list[tuple[int, int]], today: date) -> None:
    """Recompute the area rows of `places` ((id, depth)), the deepest first."""
    area, month = text(_area_sql()), text(AREA_MONTH_SQL)
    depths = sorted({d for _, d in places}, reverse=True)
    for depth in depths:
        at = [p for p, d in places if d == depth]
        conn.execute(area, {"ids": at, "today": today})
        conn.execute(month, {"ids": at})


def _finish(conn: Executes, today: date, rebuilt: bool) -> None:
    conn.execute(
        text(
            "update rollup_state set as_of = :today, refreshed_at = now()"
            + (", rebuilt_at = now()" if rebuilt else "")
            + " where id = 1"
        ),
        {"today": today},
    )


def rebuild_all(conn: Executes, today: date | None = None) -> int:
    """Recompute every figure from the records; returns the number of enterprises."""
    today = today or clock.today()
    conn.execute(text(LOCK))
    conn.execute(text("delete from figures_dirty"))
    conn.execute(text(_enterprise_sql(only=False)), _params(today))
    conn.execute(text(_month_sql(only=False)))
    places = [(int(r[0]), int(r[1])) for r in conn.execute(text(ALL_PLACES))]
    _areas(conn, places, today)
    _finish(conn, today, rebuilt=True)
    return int(conn.execute(text("select count(*) from enterprise_figures")).scalar_one())


def refresh_dirty(conn: Executes, today: date | None = None) -> int:
    """Recompute the enterprises marked dirty (and those the date change affects) and the
    places above them; returns the number of enterprises recomputed."""
    today = today or clock.today()
    conn.execute(text(LOCK))
    as_of = conn.execute(text("select as_of from rollup_state where id = 1")).scalar_one()
    if as_of is None or as_of > today or (as_of.year, as_of.month) != (today.year, today.month):
        return rebuild_all(conn, today)
    if as_of < today:
        conn.execute(text(DATE_MARKS), {"as_of": as_of, "today": today})
    ids = [
        int(r[0])
        for r in conn.execute(text("delete from figures_dirty returning enterprise_id")).all()
    ]
    if not ids:
        _finish(conn, today, rebuilt=False)
        return 0
    return _refresh(conn, ids, today)


def _refresh(conn: Executes, ids: list[int], today: date) -> int:
    # The places the enterprises were at before (a move leaves the old place to recompute)
    # and are at now.
    where = [
        int(r[0])
        for r in conn.execute(
            text(
                "select jurisdiction_id from enterprise_figures where tenant_id = any(:ids)"
                " union select jurisdiction_id from enterprise where id = any(:ids)"
            ),
            {"ids": ids},
        )
    ]
    conn.execute(text(_enterprise_sql(only=True)), _params(today, ids=ids))
    # Enterprises that no longer exist lose their rows (the foreign key cascades otherwise).
    conn.execute(
        text(
            "delete from enterprise_figures f where f.tenant_id = any(:ids)"
            " and not exists (select 1 from enterprise e where e.id = f.tenant_id)"
        ),
        {"ids": ids},
    )
    conn.execute(text(_month_sql(only=True)), {"ids": ids})
    places = [(int(r[0]), int(r[1])) for r in conn.execute(text(PLACES_ABOVE), {"ids": where})]
    _areas(conn, places, today)
    _finish(conn, today, rebuilt=False)
    return len(ids)
