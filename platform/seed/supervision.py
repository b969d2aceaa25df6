"""The government side of the demo city, city-wide: the patrol cycles and assignments (made by
the patrol planner itself, for every cycle of the history), the spot-check draws (made with the
spot-check sampling, so each sample can be redone from its recorded seed), the supervision
orders (挂牌督办 of major hazards, tasks passed down from district to towns to enterprises,
orders on overdue hazards and spot-check failures, escalated by the orders' own job), and
the roll-up figures rebuilt from all of it at the end.

The rows of one tenant (visits, spot-check verdicts, dangerous operations) are made with its
enterprise-side rows: see tenant_supervision.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.clock import CHINA
from anwang.platform.seed.tenant_supervision import MAX_FAILURES, Target
from anwang.supervision.spot_checks import sampling

if TYPE_CHECKING:
    from anwang.platform.seed.build import CityRows
    from anwang.platform.seed.dual_prevention import Tenant

Row = tuple[Any, ...]
Progress = Callable[[str, int, int], None]

SPOT_CHECK_COLUMNS = ("id", "title", "gov_body_id", "jurisdiction_id", "jurisdiction_path",
                      "sector", "criteria", "population_ids", "checker_pool", "sample_size",
                      "seed", "algorithm", "review_from", "review_to", "status", "drawn_by",
                      "drawn_at", "finished_at", "published_at", "published_by")  # fmt: skip
TARGET_COLUMNS = ("tenant_id", "spot_check_id", "position", "checker_user_id", "verdict",
                  "summary", "reviewed_at", "jurisdiction_path", "sector")  # fmt: skip
ORDER_COLUMNS = ("id", "kind", "subject", "tenant_id", "hazard_id", "parent_id",
                 "issuer_body_id", "issuer_user_id", "issuer_jurisdiction_id",
                 "target_jurisdiction_id", "jurisdiction_path", "sector", "listing_level",
                 "title", "requirement", "deadline", "status", "response", "responded_by",
                 "responded_at", "closed_by", "closed_at", "escalation_level", "created_at")  # fmt: skip
EVENT_COLUMNS = ("id", "order_id", "jurisdiction_path", "sector", "action", "from_status",
                 "to_status", "actor_user_id", "at", "note", "data")  # fmt: skip

# Tables written by the seed and the functions it calls, whose audit (and roll-up marking)
# triggers are off while it loads: the demo rows are not in the audit log, and the roll-up
# figures are rebuilt from everything at the end.
AUDITED = ("patrol_cycle", "patrol_assignment", "patrol_alarm", "spot_check", "spot_check_target",
           "supervision_order", "supervision_order_event")  # fmt: skip
# Rows the seed writes with their jurisdiction_path and sector itself.
OWN_SCOPE = ("spot_check_target",)

# Draws per place: months of the history (0 = its first month) at which a spot check was drawn.
DISTRICT_DRAWS = (3, 6, 9)
TOWN_DRAWS = (4, 8)
SECTOR_DRAWS = {"education": (5,), "health": (9,)}
SPOT_PERCENT = (5, 8, 10)
SPOT_FAIL = 0.2

# Tasks a district passes down to its towns 层层督办, then the towns to enterprises:
# (month of the history, title, requirement, days to the deadline).
DISTRICT_TASKS = (
    (1, "开展有限空间作业专项检查", "对辖区涉及有限空间作业的企业逐家检查，建立台账，督促落实先通风、再检测、后作业要求。", 30),
    (4, "汛期前安全隐患排查整治", "组织企业对厂房屋面、排水设施、配电设施开展汛前隐患排查，发现问题限期整改。", 25),
    (6, "高温季节危险化学品储存专项整治", "检查危险化学品专库专柜存放、分类隔离和温控措施，整改结果报镇（街道）应急管理所。", 30),
    (9, "岁末年初安全生产大检查", "全面开展安全生产大检查，重点检查动火、受限空间等危险作业审批和现场管控。", 40),
)  # fmt: skip
HAZARD_ORDER_SHARE = 0.5  # overdue general hazards the town issues an order on
RESPONSES = ("已按要求完成整改，整改前后照片已上传系统，请审核。",
             "已组织专题会议部署，落实整改责任人和资金，整改完成后及时报告。",
             "已完成自查自改，建立台账，相关记录已上传。")  # fmt: skip


def _rng(seed: int, purpose: str) -> random.Random:
    return random.Random(f"{seed}:{purpose}")


def _at(d: date, hour: float) -> datetime:
    return datetime.combine(d, time(0), CHINA) + timedelta(hours=hour)


def _workday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def review_period(on: date) -> tuple[date, date]:
    """The three whole months before the month of `on` (the spot checks' default)."""
    first = on.replace(day=1)
    start = first
    for _ in range(3):
        start = (start - timedelta(days=1)).replace(day=1)
    return start, first - timedelta(days=1)


# --- triggers -----------------------------------------------------------------------------


def triggers_to_switch(cur: psycopg.Cursor[Any], domain: dict[str, list[str]]) -> list[Row]:
    """(table, trigger) of every trigger the load switches off and on again: the domain
    tables' named ones, the audit triggers of the government tables, and every roll-up
    marking trigger; only those that exist."""
    wanted = {(table, name) for table, names in domain.items() for name in names}
    for table in AUDITED:
        wanted |= {(table, f"{table}_audit"), (table, f"{table}_audit_insert")}
    for table in OWN_SCOPE:
        wanted.add((table, f"{table}_scope"))
    rows = cur.execute(
        "select c.relname, t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid"
        " where not t.tgisinternal order by 1, 2"
    ).fetchall()
    return [(r, n) for r, n in rows if (r, n) in wanted or "_figures_" in n]


def switch_triggers(cur: psycopg.Cursor[Any], triggers: Sequence[Row], on: bool) -> None:
    verb = "enable" if on else "disable"
    by_table: dict[str, list[str]] = defaultdict(list)
    for table, name in triggers:
        by_table[table].append(name)
    for table, names in by_table.items():
        cur.execute(f"alter table {table} {', '.join(f'{verb} trigger {n}' for n in names)}")


def copy_rows(cur: psycopg.Cursor[Any], table: str, columns: Sequence[str],
              rows: Sequence[Row]) -> None:  # fmt: skip
    if rows:
        with cur.copy(f"copy {table} ({', '.join(columns)}) from stdin") as cp:
            for row in rows:
                cp.write_row(row)


# --- patrols ------------------------------------------------------------------------------


def plan_patrols(conn: Connection, clock: datetime, months: Sequence[date]) -> int:
    """Every patrol cycle of the history and the open ones, with their assignments, from the
    patrol planner: called on the first day of each month (the day a cycle starts, so its
    planned days spread over the whole cycle) and today. Returns the number of cycles."""
    try:
        from anwang.supervision.patrol.planning import plan_cycles
    except ImportError as e:  # pragma: no cover - the planner is part of the application
        raise RuntimeError("缺少巡查计划模块 anwang.supervision.patrol.planning") from e
    days = sorted({*months, clock.date().replace(day=1), clock.date()})
    for day in days:
        plan_cycles(conn, day)
    return int(conn.execute(text("select count(*) from patrol_cycle")).scalar_one())


def assignment_loader(conn: Connection, seed: int) -> Callable[[list[Tenant]], None]:
    """Gives each tenant of a chunk its patrol assignments (one query per chunk). Which
    assignments of a past cycle were never visited is decided per cycle, so that no cycle's
    coverage falls below 90 %: each cycle misses about 1.5 % of its enterprises, at most a
    tenth, those first in an order shuffled by the assignment ids."""
    from anwang.platform.seed.tenant_supervision import (
        PATROL_MISSED,
        PATROL_MISSED_MAX,
        Assignment,
    )

    conn.execute(
        text(
            "create temporary table seed_patrol_rank on commit drop as"
            " select a.tenant_id, a.id, row_number() over (partition by a.cycle_id"
            "  order by md5(:salt || a.id)) as rank, count(*) over (partition by a.cycle_id)"
            "  as size from patrol_assignment a"
        ),
        {"salt": f"{seed}:patrol-missed:"},
    )
    conn.execute(text("alter table seed_patrol_rank add primary key (tenant_id, id)"))
    quota: dict[int, int] = {}

    def missed(cycle: int, rank: int, size: int) -> bool:
        if cycle not in quota:
            u = _rng(seed, f"patrol-missed:{cycle}").random()
            quota[cycle] = min(int(size * PATROL_MISSED_MAX), int(size * PATROL_MISSED + u))
        return rank <= quota[cycle]

    def load(tenants: list[Tenant]) -> None:
        by_id = {t.id: t for t in tenants}
        rows = conn.execute(
            text(
                "select a.tenant_id, a.id, a.cycle_id, c.patrol_kind, c.starts_on, c.ends_on,"
                " a.due_on, a.inspector_user_id, r.rank, r.size from patrol_assignment a"
                " join patrol_cycle c on c.id = a.cycle_id"
                " join seed_patrol_rank r on r.tenant_id = a.tenant_id and r.id = a.id"
                " where a.tenant_id = any(:ids) order by a.tenant_id, a.due_on, a.id"
            ),
            {"ids": list(by_id)},
        )
        for tid, aid, cid, kind, starts, ends, due, who, rank, size in rows:
            by_id[tid].assignments.append(
                Assignment(aid, cid, kind, starts, ends, due, who, missed(cid, rank, size))
            )

    return load


def finish_patrols(conn: Connection, cur: psycopg.Cursor[Any], updates: Sequence[Row],
                   clock: datetime) -> int:  # fmt: skip
    """The visited assignments point at their visits; the patrol planner's own end-of-cycle
    pass marks the rest of the past cycles missed (with their alarms), dated the day after
    their cycle ended. Returns the number of missed assignments."""
    from anwang.supervision.patrol.planning import mark_missed

    cur.execute(
        "create temporary table seed_visited (tenant_id bigint, id bigint, status text,"
        " visit_id bigint, visited_on date) on commit drop"
    )
    copy_rows(cur, "seed_visited", ("tenant_id", "id", "status", "visit_id", "visited_on"), updates)
    cur.execute(
        "update patrol_assignment a set status = v.status, visit_id = v.visit_id,"
        " visited_on = v.visited_on from seed_visited v"
        " where a.tenant_id = v.tenant_id and a.id = v.id"
    )
    result = mark_missed(conn, clock.date())
    cur.execute(
        "update patrol_alarm set raised_at = ((due_on + 1)::timestamp + interval '40 minutes')"
        " at time zone 'Asia/Shanghai' where kind = 'patrol_missed'"
    )
    return result.missed


# --- spot checks --------------------------------------------------------------------------


@dataclass
class SpotPlan:
    """The draws and their targets to load before the tenants' rows, each tenant's targets,
    and the orders issued on failures (loaded with the other orders)."""

    spot_checks: list[Row] = field(default_factory=list)
    targets: list[Row] = field(default_factory=list)
    by_tenant: dict[int, list[Target]] = field(default_factory=lambda: defaultdict(list))
    # (order id, spot check id, tenant, issuer user, issuer body, issuer place, sector, when)
    orders: list[tuple[int, int, int, int, int, int, str | None, datetime]] = field(
        default_factory=list
    )


@dataclass
class Staff:
    """Who works where, from the rows being loaded."""

    rows: CityRows

    def __post_init__(self) -> None:
        self.username = {u[0]: u[1] for u in self.rows.app_user}
        self.body = {b[0]: b for b in self.rows.gov_body}
        self.bureau = {b[4]: b[0] for b in self.rows.gov_body if b[2] == "emergency_bureau"}
        self.sector_body = {(b[4], b[3]): b[0] for b in self.rows.gov_body if b[3]}
        self.at: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
        for _, uid, body, jid, role in self.rows.gov_membership:
            self.at[jid, body].append((uid, role))

    def pool(self, jid: int, body: int, roles: tuple[str, ...]) -> list[int]:
        return sorted({uid for uid, role in self.at[jid, body] if role in roles})

    def lead(self, jid: int, body: int, role: str) -> int:
        """The place's officer who acts in the demo: the fixed login (bureau, town, edu …)
        when it works there, else the place's first officer."""
        people = [uid for uid, r in self.at[jid, body] if r == role]
        fixed = [uid for uid in people if not any(c.isdigit() for c in self.username[uid])]
        return (fixed or people)[0]


def plan_spot_checks(rows: CityRows, seed: int, clock: datetime, months: list[date],
                     first_id: int, order_ids: Callable[[], int]) -> SpotPlan:  # fmt: skip
    """A few draws per district (quarterly), town and sector department over the history,
    and one under review now in each district and in the demo town; each from the active
    enterprises of the place (ascending ids), with a recorded seed and the spot-check part's
    sampling, so that `sampling.verify` redoes it."""
    staff = Staff(rows)
    plan = SpotPlan()
    ids = iter(range(first_id + 1, first_id + 1_000_000))
    active = [e for e in rows.enterprise if e.status == "active"]
    today = clock.date()
    home_town = next((e.jurisdiction_path.rsplit(".", 1)[0] for e in rows.enterprise
                      if e.id == rows.demo_tenant), "")  # fmt: skip
    for area in rows.areas:
        schedule: list[tuple[str | None, date | None]] = []
        if area.level == "district":
            schedule = [(None, months[i]) for i in DISTRICT_DRAWS if i < len(months)]
            schedule.append((None, None))
            for dept, at in SECTOR_DRAWS.items():
                schedule += [(dept, months[i]) for i in at if i < len(months)]
        elif area.level == "town":
            schedule = [(None, months[i]) for i in TOWN_DRAWS if i < len(months)]
            if area.path == home_town:
                schedule.append((None, None))
        for n, (sector, month) in enumerate(schedule):
            rng = _rng(seed, f"spot-check:{area.code}:{n}")
            if month is None:  # the draw under review now
                drawn = _at(today - timedelta(days=rng.randint(3, 8)), rng.uniform(9, 11))
            else:
                drawn = _at(_workday(month + timedelta(days=rng.randint(4, 16))),
                            rng.uniform(9, 11))  # fmt: skip
            if sector is None:
                body = staff.bureau[area.id]
                pool = staff.pool(area.id, body, ("officer", "enforcement_officer"))
                drawer = staff.lead(area.id, body, "officer")
                population = [e.id for e in active if e.kind == "enterprise"
                              and e.jurisdiction_path.startswith(area.path + ".")]  # fmt: skip
                criteria: dict[str, Any] = {"kind": "enterprise"}
                name: str = area.name
            else:
                body = staff.sector_body[area.id, sector]
                pool = staff.pool(area.id, body, ("sector_officer",))
                drawer = staff.lead(area.id, body, "sector_officer")
                population = [e.id for e in active if e.sector == sector
                              and e.jurisdiction_path.startswith(area.path + ".")]  # fmt: skip
                criteria = {"sector": sector}
                name = str(staff.body[body][1])
            if not population or not pool:
                continue
            percent = rng.choice(SPOT_PERCENT)
            criteria["sample_percent"] = percent
            size = sampling.size_for(len(population), percent=percent)
            draw = sampling.draw(population, rng.randrange(sampling.MAX_SEED), size, pool)
            sid = next(ids)
            review_from, review_to = review_period(drawn.date())
            finished = _spot_targets(plan, rows, draw, sid, drawn, clock, rng, month is None,
                                     review_from, review_to, order_ids, drawer, body,
                                     area.id, sector)  # fmt: skip
            status, published = "reviewing", None
            if finished is not None:
                status = "done"
                if month is not None and rng.random() < 0.9:
                    published = min(finished + timedelta(days=rng.uniform(1, 4)),
                                    clock - timedelta(hours=2))  # fmt: skip
                    status = "published"
            title = f"{name}{drawn.year}年{drawn.month}月双随机抽查"
            plan.spot_checks.append((
                sid, title, body, area.id, area.path, sector,
                json.dumps(criteria, ensure_ascii=False), list(draw.population),
                list(draw.checker_pool), size, draw.seed, draw.algorithm, review_from, review_to,
                status, drawer, drawn, finished, published, drawer if published else None,
            ))  # fmt: skip
    return plan


def _spot_targets(plan: SpotPlan, rows: CityRows, draw: sampling.Draw, sid: int,
                  drawn: datetime, clock: datetime, rng: random.Random, current: bool,
                  review_from: date, review_to: date, order_ids: Callable[[], int],
                  drawer: int, body: int, place: int, sector: str | None) -> datetime | None:  # fmt: skip
    """The targets of one draw and their verdicts; the time the last verdict was recorded,
    or None while some target waits for one."""
    scope = {e.id: (e.jurisdiction_path, e.sector) for e in rows.enterprise if e.id in
             set(draw.sample)}  # fmt: skip
    last: datetime | None = drawn
    for position, tenant, checker in draw.targets():
        assert checker is not None
        reviewed: datetime | None = drawn + timedelta(days=rng.uniform(1, 15))
        reviewed = _at(_workday(reviewed.date()), rng.uniform(9, 17))  # type: ignore[union-attr]
        if reviewed >= clock - timedelta(hours=3) or (current and rng.random() < 0.5):
            reviewed = None
        verdict, failures, summary, order = None, 0, "", None
        if reviewed is not None:
            if rng.random() < SPOT_FAIL:
                verdict = "fail"
                failures = 1 if rng.random() < 0.75 else MAX_FAILURES
                summary = f"发现问题{failures}项，已转为隐患责令整改"
                if rng.random() < 0.3:
                    order = order_ids()
                    plan.orders.append((order, sid, tenant, drawer, body, place, sector,
                                        reviewed + timedelta(hours=1)))  # fmt: skip
            else:
                verdict, summary = "pass", "自查和隐患整改记录完整，抽查合格"
            last = max(last, reviewed) if last else None
        else:
            last = None
        plan.targets.append((tenant, sid, position, checker, verdict, summary, reviewed,
                             *scope[tenant]))  # fmt: skip
        plan.by_tenant[tenant].append(Target(sid, checker, review_from, review_to, reviewed,
                                             verdict, failures, order))  # fmt: skip
    return last


# --- supervision orders -------------------------------------------------------------------


@dataclass
class Orders:
    """Order and timeline rows being made, with their ids."""

    next_order: Callable[[], int]
    next_event: Callable[[], int]
    orders: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)

    def event(self, order: int, path: str, sector: str | None, action: str, before: str | None,
              after: str, actor: int | None, at: datetime, note: str = "",
              data: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.events.append((self.next_event(), order, path, sector, action, before, after, actor,
                            at, note, json.dumps(data, ensure_ascii=False) if data else None))  # fmt: skip


@dataclass(frozen=True)
class Issuer:
    user: int
    body: int
    place: int
    level: str
    sector: str | None = None


def _answer_and_close(o: Orders, oid: int, path: str, sector: str | None, issued: datetime,
                      deadline: date, clock: datetime, responder: int, issuer: int,
                      rng: random.Random, *, hazard_state: str | None = None,
                      respond_at: datetime | None = None, close_at: datetime | None = None,
                      close_note: str = "") -> tuple[str, Row]:  # fmt: skip
    """The target's answer and the issuer's closing, whichever had happened by the clock:
    (status, the order's answer and closing columns)."""
    status, response, responded, closed_by, closed = "issued", "", None, None, None
    data = {"hazard_state": hazard_state} if hazard_state else None
    if respond_at is not None and issued < respond_at < clock:
        status, response, responded = "responded", rng.choice(RESPONSES), respond_at
        o.event(oid, path, sector, "respond", "issued", "responded", responder, respond_at,
                response, data)  # fmt: skip
    if close_at is not None and status == "responded" and respond_at and respond_at < close_at < clock:  # fmt: skip
        o.event(oid, path, sector, "close", "responded", "closed", issuer, close_at, close_note,
                data)  # fmt: skip
        status, closed_by, closed = "closed", issuer, close_at
    return status, (response, responder if responded else None, responded, closed_by, closed)


def seed_orders(conn: Connection, cur: psycopg.Cursor[Any], rows: CityRows, seed: int,
                clock: datetime, months: list[date], spot: SpotPlan,
                next_order: Callable[[], int]) -> int:  # fmt: skip
    """Every supervision order of the history with its timeline, then the orders' own
    escalation pass for today (its timeline rows dated when each level was reached)."""
    rng = _rng(seed, "orders")
    staff = Staff(rows)
    first_event = int(conn.execute(
        text("select coalesce(max(id), 0) from supervision_order_event")).scalar_one())  # fmt: skip
    events = iter(range(first_event + 1, first_event + 10_000_000))
    o = Orders(next_order, lambda: next(events))
    today = clock.date()
    places = {a.id: a for a in rows.areas}
    by_path = {a.path: a for a in rows.areas}
    firms = {e.id: e for e in rows.enterprise}

    def issuer(area_id: int) -> Issuer:
        area = places[area_id]
        body = staff.bureau[area_id]
        return Issuer(staff.lead(area_id, body, "officer"), body, area_id, area.level)

    def town_of(tenant: int) -> int:
        grid = by_path[firms[tenant].jurisdiction_path]
        assert grid.parent is not None
        return grid.parent.id

    def district_of(tenant: int) -> int:
        town = places[town_of(tenant)]
        assert town.parent is not None
        return town.parent.id

    def order(who: Issuer, kind: str, subject: str, tenant: int | None, hazard: int | None,
              parent: int | None, target: int | None, path: str, listing: str | None,
              title: str, requirement: str, deadline: date, issued: datetime,
              answer: tuple[str, Row], oid: int | None = None) -> int:  # fmt: skip
        oid = oid or next_order()
        status, (response, by, responded, closed_by, closed) = answer
        o.orders.append((oid, kind, subject, tenant, hazard, parent, who.body, who.user,
                         who.place, target, path, who.sector, listing, title[:100], requirement,
                         deadline, status, response, by, responded, closed_by, closed, 0,
                         issued))  # fmt: skip
        return oid

    _listings(conn, o, order, issuer, town_of, district_of, rows, clock, rng)
    _district_tasks(o, order, issuer, rows, clock, months, rng)
    _hazard_orders(conn, o, order, issuer, town_of, rows, clock, rng)
    for oid, sid, tenant, user, body, place, sector, issued in spot.orders:
        who = Issuer(user, body, place, places[place].level, sector)
        path, deadline = firms[tenant].jurisdiction_path, issued.date() + timedelta(days=15)
        assert issued < clock  # a finding already names this order
        title = "抽查发现问题限期整改"
        requirement = f"你单位在双随机抽查（批次{sid}）中发现的问题，请于期限内整改完毕并答复。"
        o.event(oid, path, sector, "issue", None, "issued", user, issued, requirement,
                {"deadline": deadline.isoformat()})  # fmt: skip
        safety = rows.people[tenant].safety
        answer = _answer_and_close(
            o, oid, path, sector, issued, deadline, clock, safety, user, rng,
            respond_at=issued + timedelta(days=rng.uniform(3, 12)),
            close_at=issued + timedelta(days=rng.uniform(13, 18)), close_note="整改到位，予以办结",
        )  # fmt: skip
        order(who, "order", "enterprise", tenant, None, None, None, path, None, title,
              requirement, deadline, issued, answer, oid)  # fmt: skip
    o.orders.sort(key=lambda r: r[0])
    copy_rows(cur, "supervision_order", ORDER_COLUMNS, o.orders)
    copy_rows(cur, "supervision_order_event", EVENT_COLUMNS, o.events)
    for table in ("supervision_order", "supervision_order_event"):
        cur.execute(
            f"select setval(pg_get_serial_sequence('{table}', 'id'),"
            f" greatest((select max(id) from {table}), 1))"
        )
    from anwang.supervision.orders.tasks import escalate

    escalate(conn, today)
    # The escalation pass logs each level reached as of now; date them when they were reached.
    cur.execute(
        "update supervision_order_event ev set at = ((o.deadline + 1"
        " + 7 * ((ev.data ->> 'level')::int - 1))::timestamp + interval '50 minutes')"
        " at time zone 'Asia/Shanghai' from supervision_order o"
        " where o.id = ev.order_id and ev.action = 'escalate'"
    )
    return len(o.orders)


OrderFn = Callable[..., int]


def _listings(conn: Connection, o: Orders, order: OrderFn, issuer: Callable[[int], Issuer],
              town_of: Callable[[int], int], district_of: Callable[[int], int], rows: CityRows,
              clock: datetime, rng: random.Random) -> None:  # fmt: skip
    """Major hazards listed for supervision 挂牌督办: most of those closed were listed and
    delisted when they closed; every open one is listed at district level."""
    majors = conn.execute(text(
        "select tenant_id, id, state, title, confirmed_at, reported_to_bureau_at, deadline,"
        " rectified_at, closed_at from hazard where tier = 'major'"
        " and state in ('confirmed', 'rectifying', 'awaiting_acceptance', 'closed')"
        " order by tenant_id, id"
    )).all()  # fmt: skip
    firms = {e.id: e for e in rows.enterprise}
    for tenant, hid, state, title, confirmed, to_bureau, deadline, rectified, closed in majors:
        is_open = state != "closed"
        if not is_open and rng.random() > 0.8:
            continue
        level = "district" if is_open or rng.random() < 0.7 else "town"
        who = issuer(district_of(tenant) if level == "district" else town_of(tenant))
        issued = (to_bureau or confirmed) + timedelta(hours=rng.uniform(4, 60))
        limit = closed if closed is not None else clock
        if issued >= limit - timedelta(hours=1):
            issued = (to_bureau or confirmed) + (limit - (to_bureau or confirmed)) / 2
        if issued >= clock:
            continue
        due = deadline if deadline and deadline > issued.date() else issued.date() + timedelta(30)
        path = firms[tenant].jurisdiction_path
        oid = o.next_order()
        requirement = "按照“五落实”要求限期整改，整改完成经验收合格后申请摘牌。"
        o.event(oid, path, None, "issue", None, "issued", who.user, issued, requirement,
                {"deadline": due.isoformat()})  # fmt: skip
        respond = None
        if state in ("awaiting_acceptance", "closed") and rectified is not None:
            respond = max(rectified + timedelta(hours=1), issued + timedelta(hours=2))
        answer = _answer_and_close(
            o, oid, path, None, issued, due, clock, rows.people[tenant].safety, who.user, rng,
            hazard_state="closed" if closed else state,
            respond_at=respond,
            close_at=closed + timedelta(hours=rng.uniform(2, 48)) if closed else None,
            close_note="隐患已整改验收销号，予以摘牌",
        )  # fmt: skip
        order(who, "listed", "hazard", tenant, hid, None, None, path, level,
              f"重大隐患挂牌督办：{title}", requirement, due, issued, answer, oid)  # fmt: skip


def _district_tasks(o: Orders, order: OrderFn, issuer: Callable[[int], Issuer],
                    rows: CityRows, clock: datetime, months: list[date],
                    rng: random.Random) -> None:  # fmt: skip
    """Tasks from each district to its towns, passed down to a few enterprises each; the
    enterprises answer, the towns close theirs and answer up, the district closes. The last
    task is under way; one answer of the one before is late (overdue)."""
    today = clock.date()
    active = defaultdict(list)
    for e in rows.enterprise:
        if e.status == "active" and e.kind == "enterprise":
            active[e.jurisdiction_path.rsplit(".", 1)[0]].append(e)
    for district in (a for a in rows.areas if a.level == "district"):
        boss = issuer(district.id)
        for n, (month, title, requirement, days) in enumerate(DISTRICT_TASKS):
            if month >= len(months):
                continue
            issued = _at(_workday(months[month] + timedelta(days=rng.randint(2, 8))), 9.5)
            if n == len(DISTRICT_TASKS) - 1:  # the current one: issued a few days ago
                issued = _at(_workday(today - timedelta(days=rng.randint(8, 14))), 9.5)
                if issued.date() >= today:
                    issued -= timedelta(days=3)
            deadline = issued.date() + timedelta(days=days)
            late_one = n == len(DISTRICT_TASKS) - 2
            for town in district.children:
                officer = issuer(town.id)
                pid = o.next_order()
                o.event(pid, town.path, None, "issue", None, "issued", boss.user, issued,
                        requirement, {"deadline": deadline.isoformat()})  # fmt: skip
                firms = rng.sample(active[town.path], min(len(active[town.path]),
                                                          rng.randint(2, 4)))  # fmt: skip
                current = n == len(DISTRICT_TASKS) - 1
                demo = next((e for e in active[town.path] if e.id == rows.demo_tenant), None)
                if current and demo is not None and demo not in firms:
                    # the demo enterprise has the current task waiting on its home page
                    firms = [demo, *firms[1:]]
                kids_done: list[datetime] = []
                stuck = False
                for k, firm in enumerate(firms):
                    forwarded = issued + timedelta(days=rng.uniform(0.2, 2))
                    child_deadline = max(deadline - timedelta(days=rng.randint(3, 7)),
                                         forwarded.date() + timedelta(days=3))  # fmt: skip
                    cid = o.next_order()
                    o.event(cid, firm.jurisdiction_path, None, "issue", None, "issued",
                            officer.user, forwarded, requirement,
                            {"deadline": child_deadline.isoformat(), "parent_id": pid})  # fmt: skip
                    o.event(pid, town.path, None, "forward", "issued", "issued", officer.user,
                            forwarded, f"转办至{firm.name}",
                            {"child_id": cid, "deadline": child_deadline.isoformat()})  # fmt: skip
                    answer_at = forwarded + timedelta(days=rng.uniform(2, (child_deadline -
                                                                            forwarded.date()).days))  # fmt: skip
                    if late_one and k == 0 and town is district.children[0]:
                        answer_at = clock + timedelta(days=1)  # never answered: overdue
                        stuck = True
                    if current and firm is demo:
                        answer_at = clock + timedelta(days=1)  # not answered yet
                    answer = _answer_and_close(
                        o, cid, firm.jurisdiction_path, None, forwarded, child_deadline, clock,
                        rows.people[firm.id].safety, officer.user, rng, respond_at=answer_at,
                        close_at=answer_at + timedelta(days=rng.uniform(0.5, 3)),
                        close_note="已核实整改情况，予以办结",
                    )  # fmt: skip
                    if answer[0] == "closed":
                        kids_done.append(answer[1][4])
                    order(officer, "order", "task", firm.id, None, pid, None,
                          firm.jurisdiction_path, None, title, requirement, child_deadline,
                          forwarded, answer, cid)  # fmt: skip
                up = None
                if not stuck and firms and len(kids_done) == len(firms):
                    up = max(kids_done) + timedelta(days=rng.uniform(0.5, 2))
                answer = _answer_and_close(
                    o, pid, town.path, None, issued, deadline, clock, officer.user, boss.user,
                    rng, respond_at=up, close_at=up + timedelta(days=rng.uniform(1, 4)) if up
                    else None, close_note="各镇（街道）已按要求完成，予以办结",
                )  # fmt: skip
                order(boss, "order", "task", None, None, None, town.id, town.path, None, title,
                      requirement, deadline, issued, answer, pid)  # fmt: skip


def _hazard_orders(conn: Connection, o: Orders, order: OrderFn,
                   issuer: Callable[[int], Issuer], town_of: Callable[[int], int],
                   rows: CityRows, clock: datetime, rng: random.Random) -> None:  # fmt: skip
    """Orders from the town on general hazards left past their deadline (still open now)."""
    today = clock.date()
    overdue = conn.execute(text(
        "select tenant_id, id, title, deadline from hazard where tier = 'general'"
        " and state in ('confirmed', 'rectifying') and deadline < :today - 2"
        " and deadline >= :today - 60 order by tenant_id, id"), {"today": today}).all()  # fmt: skip
    firms = {e.id: e for e in rows.enterprise}
    for tenant, hid, title, deadline in overdue:
        if rng.random() > HAZARD_ORDER_SHARE:
            continue
        who = issuer(town_of(tenant))
        latest = min(today - timedelta(days=1), deadline + timedelta(days=10))
        issued = _at(deadline + timedelta(days=rng.randint(2, max(2, (latest - deadline).days))),
                     rng.uniform(9, 16))  # fmt: skip
        if issued >= clock:
            continue
        due = issued.date() + timedelta(days=rng.choice((5, 7, 10)))
        path = firms[tenant].jurisdiction_path
        oid = o.next_order()
        requirement = "该隐患已超过整改期限，请立即落实整改措施，按期完成并答复。"
        o.event(oid, path, None, "issue", None, "issued", who.user, issued, requirement,
                {"deadline": due.isoformat()})  # fmt: skip
        order(who, "order", "hazard", tenant, hid, None, None, path, None,
              f"逾期隐患督办：{title}", requirement, due, issued,
              ("issued", ("", None, None, None, None)), oid)  # fmt: skip


# --- roll-ups -----------------------------------------------------------------------------


def rebuild_figures(conn: Connection, today: date) -> int:
    """The government views' figures, computed from everything just loaded."""
    try:
        from anwang.supervision.rollups.refresh import rebuild_all
    except ImportError as e:  # pragma: no cover - the roll-ups are part of the application
        raise RuntimeError("缺少辖区统计模块 anwang.supervision.rollups.refresh") from e
    return rebuild_all(conn, today)
