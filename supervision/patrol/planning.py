"""Patrol planning 巡查计划: the cycles of every grid, town and sector department and who visits
which enterprise on which planned day; at the end of a cycle, what was missed.

Cycles are aligned to the calendar in Beijing dates: a length of N months cuts the year into
Jan.., N+1.., so two-month grid cycles run Jan–Feb, Mar–Apr …, three-month town and sector
cycles are the quarters. Lengths come from `patrol_rule` (the nearest rule above a place wins)
or the defaults. A rule change applies from the next cycle: a cycle that exists is never
moved or cut.

`plan_cycles(conn, on)` makes, for every patrolling body, the cycle that contains `on` and one
assignment per enterprise of its area (unique per cycle, so every enterprise is planned
exactly once however often it runs). Enterprises registered mid-cycle join the open cycle on
the next run. It works on a sync SQLAlchemy Session or Connection of the system principal or
the owner (the daily job and the seed), with a handful of set-based statements.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import text

logger = logging.getLogger(__name__)

PatrolKind = Literal["grid", "town", "sector"]
RuleKind = Literal["grid", "town", "sector", "self_check"]

# The seeds' practice (Taicang): grid inspectors every 2 months, town officers and sector
# departments every quarter, enterprises' own comprehensive self-check monthly.
DEFAULT_MONTHS: dict[str, int] = {"grid": 2, "town": 3, "sector": 3, "self_check": 1}
# Unvisited enterprises raise a reminder when fewer than this many days of the cycle remain.
DUE_SOON_DAYS = 10
# Who patrols: the membership role per patrol kind.
PATROL_ROLES: dict[str, str] = {
    "grid": "grid_inspector",
    "town": "officer",
    "sector": "sector_officer",
}


class Executes(Protocol):
    """A sync Session or Connection: anything with `.execute(text(...), params)`."""

    def execute(self, statement: Any, parameters: Any = ..., /) -> Any: ...


@dataclass(frozen=True)
class Period:
    """One cycle's dates: `seq` counts the cycles of the year from 1."""

    seq: int
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Place:
    """An enterprise or public site to patrol."""

    id: int
    lon: float | None
    lat: float | None


@dataclass
class PlanResult:
    on: date
    cycles: int = 0  # cycles containing `on`
    cycles_created: int = 0
    assignments_created: int = 0
    # Areas with enterprises to visit and nobody to visit them (logged; no assignments made).
    unstaffed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MissedResult:
    missed: int  # assignments of ended cycles now marked missed
    missed_alarms: int
    due_soon_alarms: int
    resolved: int  # reminders no longer needed (visited, or replaced by a missed alarm)


# --- dates ------------------------------------------------------------------------------


def _last_day(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def cycle_period(on: date, months: int) -> Period:
    """The calendar-aligned cycle of `months` months containing `on`; a length that does not
    divide the year ends its last cycle on 31 December."""
    if not 1 <= months <= 12:
        raise ValueError("a cycle lasts 1 to 12 months")
    index = (on.month - 1) // months
    first = index * months + 1
    last = min(12, first + months - 1)
    return Period(index + 1, date(on.year, first, 1), _last_day(on.year, last))


def working_days(start: date, end: date) -> list[date]:
    """Monday to Friday from `start` to `end` (public holidays are not known here); every day
    when the range holds no working day."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    weekdays = [d for d in days if d.weekday() < 5]
    return weekdays or days


def spread(count: int, days: Sequence[date]) -> list[date]:
    """`count` planned days spread evenly over `days`, in order."""
    if not days:
        raise ValueError("no days to plan on")
    return [days[i * len(days) // count] for i in range(count)] if count else []


# --- rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    path: str
    kind: str
    sector: str | None
    months: int


def rule_months(rules: Iterable[Rule], kind: str, path: str, sector: str | None = None) -> int:
    """The cycle length for `kind` at `path`: the rule of the nearest jurisdiction at or above
    it (a rule for the sector beats one for every sector at the same place), else the default."""
    best: tuple[int, int] | None = None
    months = DEFAULT_MONTHS[kind]
    for r in rules:
        if r.kind != kind or (r.sector is not None and r.sector != sector):
            continue
        if not (path == r.path or path.startswith(r.path + ".")):
            continue
        rank = (r.path.count("."), 1 if r.sector is not None else 0)
        if best is None or rank > best:
            best, months = rank, r.months
    return months


def load_rules(conn: Executes) -> list[Rule]:
    rows = conn.execute(
        text("select jurisdiction_path::text, patrol_kind, sector, cycle_months from patrol_rule")
    )
    return [Rule(str(p), str(k), s, int(m)) for p, k, s, m in rows]


# --- where to go: geography --------------------------------------------------------------


def _hilbert(x: int, y: int, order: int = 16) -> int:
    """Position of cell (x, y) along a Hilbert curve over a 2^order square: places close on
    the curve are close on the ground, so a list in this order is a sensible route."""
    d = 0
    s = 1 << (order - 1)
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:
            if rx == 1:
                x, y = s - 1 - x, s - 1 - y
            x, y = y, x
        s >>= 1
    return d


def route_order(places: Sequence[Place]) -> list[Place]:
    """`places` in the order of a route through them (Hilbert curve over their bounding box);
    places without coordinates last, by id."""
    located = [p for p in places if p.lon is not None and p.lat is not None]
    others = sorted((p for p in places if p.lon is None or p.lat is None), key=lambda p: p.id)
    if not located:
        return others
    lons = [p.lon for p in located if p.lon is not None]
    lats = [p.lat for p in located if p.lat is not None]
    x0, y0 = min(lons), min(lats)
    span = max(max(lons) - x0, max(lats) - y0) or 1.0
    cells = (1 << 16) - 1

    def key(p: Place) -> tuple[int, int]:
        assert p.lon is not None and p.lat is not None
        x = int((p.lon - x0) / span * cells)
        y = int((p.lat - y0) / span * cells)
        return _hilbert(x, y), p.id

    return sorted(located, key=key) + others


def split_among(places: Sequence[Place], people: int) -> list[list[Place]]:
    """`places` cut into `people` groups of sizes differing by at most one, each a slice of the
    area around its centre (by bearing from the centre, cut at the widest empty bearing), so
    every person gets a compact part of the area."""
    if people < 1:
        raise ValueError("nobody to split among")
    ordered = sorted(places, key=lambda p: p.id)
    if people > 1:
        located = [p for p in ordered if p.lon is not None and p.lat is not None]
        others = [p for p in ordered if p.lon is None or p.lat is None]
        if located:
            cx = sum(p.lon or 0.0 for p in located) / len(located)
            cy = sum(p.lat or 0.0 for p in located) / len(located)
            angles = sorted(
                ((math.atan2((p.lat or 0.0) - cy, (p.lon or 0.0) - cx), p.id, p) for p in located),
                key=lambda t: (t[0], t[1]),
            )
            # Start the sweep after the widest gap so no slice straddles two far-apart edges.
            gaps = [
                (angles[(i + 1) % len(angles)][0] - a[0]) % (2 * math.pi)
                for i, a in enumerate(angles)
            ]
            start = (max(range(len(gaps)), key=lambda i: gaps[i]) + 1) % len(angles)
            located = [t[2] for t in angles[start:] + angles[:start]]
        ordered = located + others
    groups: list[list[Place]] = []
    at = 0
    # The larger shares come last, where the places without coordinates are.
    for i in range(people):
        size = len(ordered) // people + (1 if i >= people - len(ordered) % people else 0)
        groups.append(ordered[at : at + size])
        at += size
    return groups


def _centre(places: Sequence[Place]) -> tuple[float, float] | None:
    located = [p for p in places if p.lon is not None and p.lat is not None]
    if not located:
        return None
    return (
        sum(p.lon or 0.0 for p in located) / len(located),
        sum(p.lat or 0.0 for p in located) / len(located),
    )


def plan_area(
    places: Sequence[Place], people: Sequence[int], days: Sequence[date]
) -> list[tuple[int, int, date]]:
    """A fresh plan: (tenant id, person, planned day) for every place, split among `people`
    (sorted by id) and each person's share spread over `days` along a route."""
    plan: list[tuple[int, int, date]] = []
    for person, group in zip(sorted(people), split_among(places, len(people)), strict=True):
        route = route_order(group)
        plan += [(p.id, person, d) for p, d in zip(route, spread(len(route), days), strict=True)]
    return plan


def join_area(
    newcomers: Sequence[Place],
    current: dict[int, list[Place]],
    people: Sequence[int],
    day: date,
) -> list[tuple[int, int, date]]:
    """Places that join a cycle already planned: each to the person whose share lies nearest
    (the smallest share when it has no coordinates or nobody has any), planned for `day`."""
    shares = {person: list(current.get(person, [])) for person in people}
    for person, share in current.items():
        shares.setdefault(person, list(share))
    candidates = sorted(people) or sorted(shares)
    plan: list[tuple[int, int, date]] = []
    for place in sorted(newcomers, key=lambda p: p.id):
        chosen = min(candidates, key=lambda who: (len(shares[who]), who))
        if place.lon is not None and place.lat is not None:
            near = [
                (math.hypot((c[0] - place.lon), (c[1] - place.lat)), len(shares[who]), who)
                for who in candidates
                if (c := _centre(shares[who])) is not None
            ]
            if near:
                chosen = min(near)[2]
        shares[chosen].append(place)
        plan.append((place.id, chosen, day))
    return plan


# --- the planner --------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """A patrolling body over one area: a grid, a town, or a sector department."""

    kind: PatrolKind
    jurisdiction_id: int
    path: str
    name: str
    sector: str | None
    people: tuple[int, ...]
    places: tuple[Place, ...]


_PLACES = """
select id, kind, sector, jurisdiction_path::text as path, lon, lat
from enterprise where status <> 'closed'
"""


def _bodies(conn: Executes) -> list[Body]:
    """Every grid, town and sector department with enterprises to patrol."""
    areas = {
        int(i): (str(p), str(n), str(lv))
        for i, p, n, lv in conn.execute(
            text(
                "select id, path::text, name, level from jurisdiction"
                " where level in ('district', 'town', 'grid')"
            )
        )
    }
    people: dict[tuple[str, int], list[int]] = defaultdict(list)
    for uid, jid, role, body_id in conn.execute(
        # Active accounts only (migration 0008's function: the system role reads no identities).
        text("select user_id, jurisdiction_id, role, gov_body_id from patrol_staff()")
    ):
        key = ("body", int(body_id)) if role == "sector_officer" else (str(role), int(jid))
        if int(uid) not in people[key]:
            people[key].append(int(uid))
    # Grid and town patrols cover enterprises; a sector department patrols the fixed public
    # sites of its sector (联管联处). Industry enterprises stay with the emergency bureau's
    # grid and town rounds: one sector officer cannot visit thousands of them a quarter.
    by_area: dict[str, list[Place]] = defaultdict(list)
    by_sector: dict[tuple[str, str], list[Place]] = defaultdict(list)
    for pid, tenant_kind, sector, path, lon, lat in conn.execute(text(_PLACES)):
        place = Place(int(pid), lon, lat)
        labels = str(path).split(".")
        for depth in range(1, len(labels) + 1):
            prefix = ".".join(labels[:depth])
            if tenant_kind == "enterprise":
                by_area[prefix].append(place)
            else:
                by_sector[prefix, str(sector)].append(place)
    bodies: list[Body] = []
    for jid, (path, name, level) in areas.items():
        if level in ("grid", "town") and by_area.get(path):
            kind: PatrolKind = "grid" if level == "grid" else "town"
            staff = tuple(people[PATROL_ROLES[kind], jid])
            bodies.append(Body(kind, jid, path, name, None, staff, tuple(by_area[path])))
    for body_id, jid, sector, name in conn.execute(
        text(
            "select id, jurisdiction_id, sector, name from gov_body"
            " where kind = 'sector_department' order by id"
        )
    ):
        area = areas.get(int(jid))
        if area is None:
            continue
        places = by_sector.get((area[0], str(sector)))
        if places:
            bodies.append(
                Body(
                    "sector",
                    int(jid),
                    area[0],
                    str(name),
                    str(sector),
                    tuple(people["body", int(body_id)]),
                    tuple(places),
                )
            )
    return bodies


def _body_key(kind: str, jurisdiction_id: int, sector: str | None) -> tuple[str, int, str | None]:
    return (kind, jurisdiction_id, sector)


def plan_cycles(conn: Executes, on: date) -> PlanResult:
    """Create the cycle containing `on` for every grid, town and sector department, and the
    assignments of every enterprise of each area not yet planned in it. Idempotent.

    A fresh cycle spreads its planned days over the working days from `on` (the cycle's first
    day when called on it) to its end; enterprises that join later are planned for `on`."""
    result = PlanResult(on)
    rules = load_rules(conn)
    bodies = _bodies(conn)
    earliest = on - timedelta(days=400)
    known: dict[tuple[str, int, str | None], list[tuple[int, date, date]]] = defaultdict(list)
    for cid, kind, jid, sector, starts, ends in conn.execute(
        text(
            "select id, patrol_kind, jurisdiction_id, sector, starts_on, ends_on"
            " from patrol_cycle where ends_on >= :earliest and starts_on <= :on"
        ),
        {"earliest": earliest, "on": on},
    ):
        known[_body_key(kind, int(jid), sector)].append((int(cid), starts, ends))

    new_cycles: list[tuple[Body, Period]] = []
    for body in bodies:
        if any(
            s <= on <= e
            for _, s, e in known[_body_key(body.kind, body.jurisdiction_id, body.sector)]
        ):
            continue
        period = cycle_period(on, rule_months(rules, body.kind, body.path, body.sector))
        # A longer cycle after a rule change starts where the last one ended.
        ended = [e for _, s, e in known[_body_key(body.kind, body.jurisdiction_id, body.sector)]]
        later = max([e + timedelta(days=1) for e in ended if e >= period.starts_on], default=None)
        starts = max(period.starts_on, later) if later else period.starts_on
        new_cycles.append((body, Period(period.seq, starts, period.ends_on)))
    if new_cycles:
        created = conn.execute(
            text("""
            insert into patrol_cycle (patrol_kind, jurisdiction_id, jurisdiction_path, sector,
                                      seq, starts_on, ends_on)
            select k, j, cast(p as ltree), s, q, a, b
            from unnest(cast(:k as text[]), cast(:j as bigint[]), cast(:p as text[]),
                        cast(:s as text[]), cast(:q as int[]), cast(:a as date[]),
                        cast(:b as date[])) as t(k, j, p, s, q, a, b)
            on conflict do nothing
            returning id
            """),
            {
                "k": [b.kind for b, _ in new_cycles],
                "j": [b.jurisdiction_id for b, _ in new_cycles],
                "p": [b.path for b, _ in new_cycles],
                "s": [b.sector for b, _ in new_cycles],
                "q": [c.seq for _, c in new_cycles],
                "a": [c.starts_on for _, c in new_cycles],
                "b": [c.ends_on for _, c in new_cycles],
            },
        )
        result.cycles_created = len(created.fetchall())

    cycles: dict[tuple[str, int, str | None], tuple[int, date, date]] = {}
    for cid, kind, jid, sector, starts, ends in conn.execute(
        text(
            "select id, patrol_kind, jurisdiction_id, sector, starts_on, ends_on"
            " from patrol_cycle where starts_on <= :on and ends_on >= :on"
        ),
        {"on": on},
    ):
        cycles[_body_key(kind, int(jid), sector)] = (int(cid), starts, ends)
    result.cycles = len(cycles)

    existing: dict[int, dict[int, int]] = defaultdict(dict)  # cycle → tenant → person
    if cycles:
        for tenant_id, cycle_id, person in conn.execute(
            text(
                "select tenant_id, cycle_id, inspector_user_id from patrol_assignment"
                " where cycle_id = any(cast(:ids as bigint[]))"
            ),
            {"ids": [c[0] for c in cycles.values()]},
        ):
            existing[int(cycle_id)][int(tenant_id)] = int(person)

    rows: list[tuple[int, int, int, date]] = []
    for body in bodies:
        cycle = cycles.get(_body_key(body.kind, body.jurisdiction_id, body.sector))
        if cycle is None:
            continue
        cycle_id, starts, ends = cycle
        planned = existing[cycle_id]
        todo = [p for p in body.places if p.id not in planned]
        if not todo:
            continue
        if not body.people:
            result.unstaffed.append(body.name)
            continue
        if not planned:
            days = working_days(max(starts, on), ends)
            plan = plan_area(todo, body.people, days)
        else:
            by_id = {p.id: p for p in body.places}
            shares: dict[int, list[Place]] = defaultdict(list)
            for tenant_id, person in planned.items():
                if tenant_id in by_id:
                    shares[person].append(by_id[tenant_id])
            day = next(iter(working_days(max(starts, on), ends)), ends)
            plan = join_area(todo, shares, body.people, day)
        rows += [(tenant_id, cycle_id, person, due) for tenant_id, person, due in plan]
    if rows:
        inserted = conn.execute(
            text("""
            insert into patrol_assignment (tenant_id, cycle_id, inspector_user_id, due_on)
            select t, c, u, d
            from unnest(cast(:t as bigint[]), cast(:c as bigint[]), cast(:u as bigint[]),
                        cast(:d as date[])) as x(t, c, u, d)
            on conflict (tenant_id, cycle_id) do nothing
            returning 1
            """),
            {
                "t": [r[0] for r in rows],
                "c": [r[1] for r in rows],
                "u": [r[2] for r in rows],
                "d": [r[3] for r in rows],
            },
        )
        result.assignments_created = len(inserted.fetchall())
    if result.unstaffed:
        logger.warning(
            "patrol planning %s: no patroller for %d areas: %s",
            on,
            len(result.unstaffed),
            "、".join(result.unstaffed[:20]),
        )
    return result


# --- the end of a cycle -------------------------------------------------------------------

_CN_ENDS = (
    "extract(year from c.ends_on)::int || '年' || extract(month from c.ends_on)::int"
    " || '月' || extract(day from c.ends_on)::int || '日'"
)

_MARK_MISSED = text(f"""
with missed as (
  update patrol_assignment a set status = 'missed'
  from patrol_cycle c
  where c.id = a.cycle_id and a.status = 'planned' and c.ends_on < :on
  returning a.tenant_id, a.id, a.cycle_id, a.inspector_user_id, c.patrol_kind, c.ends_on,
            {_CN_ENDS} as ends_text
), raised as (
  insert into patrol_alarm (tenant_id, assignment_id, cycle_id, inspector_user_id,
                            patrol_kind, kind, severity, message, due_on)
  select m.tenant_id, m.id, m.cycle_id, m.inspector_user_id, m.patrol_kind, 'patrol_missed',
         'alarm', '本轮巡查（截至' || m.ends_text || '）未到访：' || e.name, m.ends_on
  from missed m join enterprise e on e.id = m.tenant_id
  on conflict (tenant_id, assignment_id, kind) do nothing
  returning 1
)
select (select count(*) from missed), (select count(*) from raised)
""")

_DUE_SOON = text(f"""
insert into patrol_alarm (tenant_id, assignment_id, cycle_id, inspector_user_id, patrol_kind,
                          kind, severity, message, due_on)
select a.tenant_id, a.id, a.cycle_id, a.inspector_user_id, c.patrol_kind, 'patrol_due_soon',
       'reminder', '本轮巡查' || {_CN_ENDS} || '结束，尚未到访：' || e.name, c.ends_on
from patrol_assignment a
join patrol_cycle c on c.id = a.cycle_id
join enterprise e on e.id = a.tenant_id
where a.status = 'planned' and c.starts_on <= :on and c.ends_on >= :on
  and c.ends_on - cast(:on as date) < :days
on conflict (tenant_id, assignment_id, kind) do nothing
""")

# Reminders whose enterprise has been visited since, or whose cycle ended (the missed alarm
# takes over): a safety net behind the visit service, which resolves them as it records.
_RESOLVE = text("""
update patrol_alarm l set resolved_at = now()
from patrol_assignment a
where l.resolved_at is null and l.kind = 'patrol_due_soon'
  and a.tenant_id = l.tenant_id and a.id = l.assignment_id and a.status <> 'planned'
""")


def mark_missed(conn: Executes, on: date, due_soon_days: int = DUE_SOON_DAYS) -> MissedResult:
    """Close the cycles that ended before `on`: unvisited assignments become 'missed', each
    with a 'patrol_missed' alarm; in open cycles with fewer than `due_soon_days` days left,
    every unvisited enterprise raises a 'patrol_due_soon' reminder. Idempotent."""
    missed, missed_alarms = conn.execute(_MARK_MISSED, {"on": on}).one()
    due = conn.execute(_DUE_SOON, {"on": on, "days": due_soon_days}).rowcount
    resolved = conn.execute(_RESOLVE).rowcount
    return MissedResult(int(missed), int(missed_alarms), int(due or 0), int(resolved or 0))
