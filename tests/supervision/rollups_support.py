"""Roll-up tests: the figures of a place counted straight from the records, one plain query
per figure (nothing shared with the refresh's SQL), to compare with the stored sums."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

TIERS = {"none": "tier is null", "on_spot": "tier = 'on_spot'", "general": "tier = 'general'",
         "major": "tier = 'major'"}  # fmt: skip
STATES = ("reported", "confirmed", "rejected", "rectifying", "awaiting_acceptance", "closed")
DEADLINE_STATES = "('confirmed', 'rectifying', 'awaiting_acceptance')"
LEVELS = ("major", "significant", "general", "low")
COLOUR_OF = {"major": "red", "significant": "orange", "general": "yellow", "low": "blue"}


def _n(conn: Connection, sql: str, **params: Any) -> int:
    return int(conn.execute(text(sql), params).scalar_one())


def expected(conn: Connection, path: str, today: date) -> dict[str, int]:
    """Every stored figure of the place `path`, counted from the records (as the owner)."""
    under = {"p": path, "today": today}
    inside = "jurisdiction_path <@ cast(:p as ltree)"
    out: dict[str, int] = {
        "enterprises": _n(conn, f"select count(*) from enterprise where {inside}"
                                " and kind = 'enterprise'", **under),
        "sites": _n(conn, f"select count(*) from enterprise where {inside}"
                          " and kind = 'public_site'", **under),
    }  # fmt: skip
    for status in ("active", "suspended", "closed"):
        out[f"status_{status}"] = _n(conn, f"select count(*) from enterprise where {inside}"
                                           " and kind = 'enterprise' and status = :s",
                                     s=status, **under)  # fmt: skip
    for scale in ("large", "medium", "small", "micro"):
        out[f"scale_{scale}"] = _n(conn, f"select count(*) from enterprise where {inside}"
                                         " and kind = 'enterprise' and scale = :s",
                                   s=scale, **under)  # fmt: skip
    # each unit's highest level among its active risk points
    highest = conn.execute(
        text(
            f"""
            select e.id, (select r.level from risk_point r
                          where r.tenant_id = e.id and r.status = 'active' and r.level is not null
                          order by array_position(array['major','significant','general','low'],
                                                  r.level) limit 1) as level
            from enterprise e where e.{inside}
            """
        ),
        under,
    ).all()
    for level, colour in COLOUR_OF.items():
        out[f"ent_{colour}"] = sum(1 for r in highest if r.level == level)
    out["ent_none"] = sum(1 for r in highest if r.level is None)
    for level in LEVELS:
        out[f"risk_{level}"] = _n(
            conn,
            f"select count(*) from risk_point where {inside} and status = 'active' and level = :lv",
            lv=level,
            **under,
        )
    out["risk_unassessed"] = _n(
        conn,
        f"select count(*) from risk_point where {inside} and status = 'active' and level is null",
        **under,
    )
    for tier, cond in TIERS.items():
        for state in STATES:
            out[f"h_{tier}_{state}"] = _n(
                conn,
                f"select count(*) from hazard where {inside} and {cond} and state = :s",
                s=state,
                **under,
            )
    out["hazards_overdue"] = _n(
        conn,
        f"select count(*) from hazard where {inside} and state in {DEADLINE_STATES}"
        " and deadline < :today",
        **under,
    )
    out["major_overdue"] = _n(
        conn,
        f"select count(*) from hazard where {inside} and tier = 'major'"
        f" and state in {DEADLINE_STATES} and deadline < :today",
        **under,
    )
    out["closed_on_time"] = _n(
        conn,
        f"select count(*) from hazard where {inside} and state = 'closed' and (deadline is null"
        " or timezone('Asia/Shanghai', closed_at)::date <= deadline)",
        **under,
    )
    listed = (
        "select count(*) from supervision_order o join enterprise e on e.id = o.tenant_id"
        " where e.jurisdiction_path <@ cast(:p as ltree) and o.kind = 'listed'"
        " and o.status <> 'closed'"
    )
    out["listed_open"] = _n(conn, listed, **under)
    out["listed_overdue"] = _n(conn, listed + " and o.deadline < :today", **under)
    this_month = f"{today:%Y-%m}"
    last = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    for key, month in (("this", this_month), (("last"), f"{last:%Y-%m}")):
        tasks = (
            "select count(*) from inspection_task t join checklist c"
            " on c.tenant_id = t.tenant_id and c.id = t.checklist_id"
            " where t.jurisdiction_path <@ cast(:p as ltree) and c.kind = 'comprehensive'"
            " and t.period_key = :m"
        )
        out[f"selfcheck_due_{key}"] = _n(conn, tasks, m=month, **under)
        out[f"selfcheck_done_{key}"] = _n(conn, tasks + " and t.status = 'done'", m=month, **under)
    for kind in ("grid", "town", "sector"):
        for slot in ("cur", "prev"):
            out.update(_patrol(conn, path, today, kind, slot))
    return out


def _patrol(conn: Connection, path: str, today: date, kind: str, slot: str) -> dict[str, int]:
    """Assignments of each unit's current cycle of `kind` (or the last one ended)."""
    if slot == "cur":
        pick = "c.starts_on <= :today and c.ends_on >= :today"
    else:
        # per unit, the cycle of that kind that ended last before today
        pick = """c.id = (select c2.id from patrol_assignment a2
                          join patrol_cycle c2 on c2.id = a2.cycle_id
                          where a2.tenant_id = a.tenant_id and c2.patrol_kind = c.patrol_kind
                            and c2.ends_on < :today
                          order by c2.ends_on desc, c2.id desc limit 1)"""
    rows = conn.execute(
        text(
            f"""
            select a.status, a.due_on, a.visited_on from patrol_assignment a
            join patrol_cycle c on c.id = a.cycle_id
            where a.jurisdiction_path <@ cast(:p as ltree) and c.patrol_kind = :k and {pick}
            """
        ),
        {"p": path, "k": kind, "today": today},
    ).all()
    prefix = f"patrol_{kind}_{slot}_"
    return {
        prefix + "assigned": len(rows),
        prefix + "visited": sum(1 for r in rows if r.status == "visited"),
        prefix + "late": sum(1 for r in rows if r.status == "visited" and r.visited_on > r.due_on),
        prefix + "missed": sum(
            1 for r in rows if r.status == "missed" or (r.status == "planned" and r.due_on < today)
        ),
    }


def months(conn: Connection, path: str) -> dict[date, tuple[int, int]]:
    """Hazards found (not rejected) and closed per Beijing month under `path`."""
    rows = conn.execute(
        text(
            """
            select m, sum(f)::int, sum(c)::int from (
              select date_trunc('month', timezone('Asia/Shanghai', found_at))::date as m,
                     1 as f, 0 as c
              from hazard where jurisdiction_path <@ cast(:p as ltree) and state <> 'rejected'
              union all
              select date_trunc('month', timezone('Asia/Shanghai', closed_at))::date, 0, 1
              from hazard where jurisdiction_path <@ cast(:p as ltree) and state = 'closed'
            ) x group by m
            """
        ),
        {"p": path},
    ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def stored(conn: Connection, path: str, sector: str = "") -> dict[str, Any]:
    row = (
        conn.execute(
            text(
                "select a.* from area_figures a join jurisdiction j on j.id = a.jurisdiction_id"
                " where j.path = cast(:p as ltree) and a.sector = :s"
            ),
            {"p": path, "s": sector},
        )
        .mappings()
        .one()
    )
    return dict(row)


def stored_months(conn: Connection, path: str) -> dict[date, tuple[int, int]]:
    rows = conn.execute(
        text(
            "select a.month, a.found, a.closed from area_month a"
            " join jurisdiction j on j.id = a.jurisdiction_id"
            " where j.path = cast(:p as ltree) and a.sector = ''"
        ),
        {"p": path},
    ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def scope_of(conn: Connection, username: str) -> str:
    return str(
        conn.execute(
            text(
                "select j.path::text from gov_membership g join app_user u on u.id = g.user_id"
                " join jurisdiction j on j.id = g.jurisdiction_id where u.username = :u"
            ),
            {"u": username},
        ).scalar_one()
    )
