"""The demo city's enterprise side (双重预防): every tenant's org tree, managers and staff,
graded risk points with control measures and assessments, checklists, ten months of monthly
self-check rounds, about 105,000 hidden dangers at `taicang` scale with their timelines, and
certificates and equipment with due dates.

Rows are built tenant by tenant, each tenant from its own random stream (so one tenant's data
does not depend on how the others were made), in chunks that are loaded with COPY before the
next chunk is built: memory stays flat at `suzhou` scale. The clock is midnight (Beijing time)
of the day the seed runs, or of `today` when given: the same scale, seed and day give the same
rows.

A hazard's life is simulated from its discovery (report → confirm → rectify → accept, with
rejections, returns and deadline extensions) and cut at the clock: its state, its fields and
its timeline (hazard_event) are whatever had happened by then, so they always agree.

The government side's rows of a tenant are built with it (tenant_supervision): the patrol
visits to it, a hazard with source 'patrol' being found at one of them, the verdicts of the
spot checks it was drawn in, whose failures are its 'spot_check' hazards, and its dangerous
operations.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from anwang.platform.clock import CHINA
from anwang.platform.seed import names
from anwang.platform.seed import tenant_supervision as gov
from anwang.platform.seed.risk_library import (
    EQUIPMENT_MODELS,
    GENERAL_HAZARDS,
    HAZARDS,
    INDUSTRY_PROFILE,
    LICENSED,
    POINTS,
    PROFILES,
    SITE_PROFILE,
    SPECIAL_EQUIPMENT,
    SPECIAL_OPERATIONS,
    PointTemplate,
)

Row = tuple[Any, ...]

# MISSION.md "Scale": 105,101 hazards found and fixed in ten months across Taicang's 6,057
# enterprises. Other scales get the same number per enterprise.
TAICANG_HAZARDS, TAICANG_ENTERPRISES = 105_101, 6_057
HISTORY_MONTHS = 10
DEFAULT_THRESHOLDS = {
    "lec": {"major": 320, "significant": 160, "general": 70},
    "ls": {"major": 20, "significant": 15, "general": 9},
}
# Level weights (major, significant, general, low) by a template's severity; measured overall
# share at taicang scale is recorded in docs/PERFORMANCE.md (about 3/12/35/50 %).
LEVEL_WEIGHTS = {0: (0, 1, 12, 87), 1: (1, 7, 33, 59), 2: (4, 18, 43, 35), 3: (14, 36, 38, 12)}
LEVELS = ("major", "significant", "general", "low")
CONTROL_LEVEL = {"major": "company", "significant": "department", "general": "workshop",
                 "low": "post"}  # fmt: skip
FREQUENCY_BY_LEVEL = {
    "major": (("shift", 5), ("daily", 5)),
    "significant": (("shift", 2), ("daily", 6), ("weekly", 2)),
    "general": (("daily", 5), ("weekly", 4), ("monthly", 1)),
    "low": (("weekly", 4), ("monthly", 5), ("quarterly", 1)),
}
FREQUENCY_NAMES = {"shift": "每班", "daily": "每日", "weekly": "每周", "monthly": "每月",
                   "quarterly": "每季度", "yearly": "每年"}  # fmt: skip
POINTS_BY_SCALE = {"micro": (16, 20), "small": (18, 22), "medium": (20, 24), "large": (22, 26)}
HAZARD_WEIGHT = {"micro": 0.6, "small": 1.0, "medium": 2.2, "large": 4.5}
SHAPE = {  # departments, workshops, teams per workshop, people per post
    "micro": (2, (1, 1), (0, 0), (1, 3)),
    "small": (3, (2, 2), (1, 2), (2, 4)),
    "medium": (4, (3, 3), (2, 2), (3, 6)),
    "large": (4, (4, 5), (2, 3), (5, 10)),
}
TEAM_NAMES = ("甲班", "乙班", "丙班")

REJECT_REASONS = (
    "经现场核实，该处已按规定设置，不属于隐患",
    "属于正常生产状态，不构成事故隐患",
    "重复上报，已合并到同一隐患处理",
)
RETURN_NOTES = ("整改不到位，请重新整改", "整改照片不清晰，无法确认整改效果", "未按整改方案落实")
EXTENSION_REASONS = ("备件采购周期较长，需延期整改", "需停产检修方可整改，申请延期至检修期",
                     "整改需委托外部单位施工")  # fmt: skip

COLUMNS: dict[str, tuple[str, ...]] = {
    "org_unit": ("tenant_id", "id", "parent_id", "name", "kind", "path", "is_safety_department",
                 "sort", "jurisdiction_path", "sector"),
    "unit_manager": ("tenant_id", "org_unit_id", "user_id", "duty", "jurisdiction_path",
                     "sector"),
    "staff": ("tenant_id", "id", "name", "org_unit_id", "user_id", "job_title", "phone", "active",
              "jurisdiction_path", "sector"),
    "risk_point": ("tenant_id", "id", "org_unit_id", "name", "kind", "location", "hazard_factors",
                   "accident_types", "inspection_frequency", "responsible_user_id",
                   "responsible_name", "method", "score", "level", "major_criterion",
                   "control_level", "control_unit_id", "control_leader", "status", "created_at",
                   "updated_at", "jurisdiction_path", "sector"),
    "control_measure": ("tenant_id", "id", "risk_point_id", "kind", "content", "sort",
                        "jurisdiction_path", "sector"),
    "risk_assessment": ("tenant_id", "id", "risk_point_id", "method", "l", "e", "c", "s", "score",
                        "level", "major_criterion", "thresholds", "note", "assessed_by",
                        "assessed_at", "jurisdiction_path", "sector"),
    "checklist": ("tenant_id", "id", "org_unit_id", "name", "kind", "frequency", "shifts_per_day",
                  "active", "created_by", "created_at", "jurisdiction_path", "sector"),
    "checklist_item": ("tenant_id", "id", "checklist_id", "risk_point_id", "control_measure_id",
                       "content", "sort", "jurisdiction_path", "sector"),
    "inspection_task": ("tenant_id", "id", "checklist_id", "org_unit_id", "period_key",
                        "starts_at", "due_at", "status", "done_at", "created_at",
                        "jurisdiction_path", "sector"),
    "inspection_check": ("tenant_id", "id", "checklist_id", "task_id", "checked_by", "started_at",
                         "finished_at", "lat", "lon", "accuracy_m", "note", "jurisdiction_path",
                         "sector"),
    # the government's patrol visits, before the hazards found at them
    "patrol_visit": gov.COLUMNS["patrol_visit"],
    "hazard": ("tenant_id", "id", "source", "risk_point_id", "check_id", "org_unit_id", "tier",
               "state", "title", "description", "location", "lat", "lon", "found_at",
               "reported_by", "confirmed_by", "confirmed_at", "reject_reason",
               "responsible_user_id", "deadline", "plan", "measure", "five_implementations",
               "reported_to_bureau_at", "stop_work", "rectified_by", "rectified_at",
               "accepted_by", "accepted_at", "closed_at", "escalation_level", "created_at",
               "updated_at", "patrol_visit_id", "jurisdiction_path", "sector"),
    "hazard_event": ("tenant_id", "id", "hazard_id", "action", "from_state", "to_state",
                     "actor_user_id", "at", "note", "data", "jurisdiction_path", "sector"),
    "hazard_extension": ("tenant_id", "id", "hazard_id", "requested_by", "requested_at",
                         "old_deadline", "new_deadline", "reason", "decision", "decided_by",
                         "decided_at", "jurisdiction_path", "sector"),
    "check_result": ("tenant_id", "check_id", "item_id", "result", "note", "hazard_id",
                     "jurisdiction_path", "sector"),
    "spot_check_finding": gov.COLUMNS["spot_check_finding"],
    "certificate": ("tenant_id", "id", "kind", "name", "number", "staff_id", "grade", "issued_on",
                    "expires_on", "jurisdiction_path", "sector"),
    "equipment": ("tenant_id", "id", "name", "org_unit_id", "risk_point_id", "model",
                  "serial_number", "is_special", "last_inspected_on", "next_inspection_on",
                  "end_of_life_on", "status", "jurisdiction_path", "sector"),
    "dangerous_operation": gov.COLUMNS["dangerous_operation"],
}  # fmt: skip
# Load order: every foreign key points at a table loaded before (check_result needs hazards,
# hazards their patrol visits).
TABLES = tuple(COLUMNS)
WITH_ID = tuple(t for t in TABLES if "id" in COLUMNS[t])
STAGES = {
    "org_unit": "写入组织机构",
    "unit_manager": "写入单位负责人",
    "staff": "写入员工",
    "risk_point": "写入风险点",
    "control_measure": "写入管控措施",
    "risk_assessment": "写入风险评估记录",
    "checklist": "写入排查清单",
    "checklist_item": "写入清单条目",
    "inspection_task": "写入排查任务",
    "inspection_check": "写入检查记录",
    "hazard": "写入隐患",
    "hazard_event": "写入隐患处理过程",
    "hazard_extension": "写入延期申请",
    "check_result": "写入检查结果",
    "certificate": "写入证照",
    "equipment": "写入设备",
    **gov.STAGES,
}


@dataclass
class TenantPeople:
    """The accounts of one tenant the seed can name as actors."""

    boss: int
    safety: int
    # demo tenant only: the workshop head, team head and worker accounts
    workshop_head: int | None = None
    team_head: int | None = None
    worker: int | None = None
    # government accounts that patrol this tenant (grid inspector, town officer)
    inspector: int | None = None
    officer: int | None = None
    names: dict[int, str] = field(default_factory=dict)  # user id → display name


@dataclass
class Tenant:
    id: int
    name: str
    kind: str
    site_type: str | None
    industry: str
    scale: str
    lon: float
    lat: float
    path: str
    sector: str
    legal_representative: str
    people: TenantPeople
    hazards: int = 0
    demo: bool = False
    # the government side (tenant_supervision): planned patrols, spot-check draws it is in,
    # dangerous operations over the history and live ones
    assignments: list[gov.Assignment] = field(default_factory=list)
    targets: list[gov.Target] = field(default_factory=list)
    operations: int = 0
    live_operations: list[tuple[str, str | None, float, float, str]] = field(default_factory=list)


@dataclass
class Unit:
    id: int
    name: str
    kind: str
    path: str
    parent: Unit | None
    head: str = ""  # the name of its head (a staff member)
    children: list[Unit] = field(default_factory=list)


@dataclass
class Point:
    id: int
    template: PointTemplate
    name: str
    unit: Unit
    level: str
    frequency: str
    measures: list[tuple[int, str, str]]  # (id, kind, content)


@dataclass
class DomainRows:
    """One chunk of tenants' rows, per table in COLUMNS order."""

    tables: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in COLUMNS})
    # (tenant, assignment, status, visit, day) of the patrol assignments visited
    assignment_updates: list[Row] = field(default_factory=list)

    def add(self, table: str, row: Row) -> None:
        self.tables[table].append(row)


class Ids:
    def __init__(self, after: int) -> None:
        self.last = after

    def __call__(self) -> int:
        self.last += 1
        return self.last


def _lec_combos() -> dict[str, list[tuple[float, float, float, float]]]:
    out: dict[str, list[tuple[float, float, float, float]]] = {lv: [] for lv in LEVELS}
    for lv in (10, 6, 3, 1, 0.5):
        for ev in (10, 6, 3, 2, 1):
            for cv in (100, 40, 15, 7, 3, 1):
                d = round(lv * ev * cv, 2)
                if d in (320, 160, 70):  # stay off the boundaries whatever their inclusion
                    continue
                out[lec_level(d)].append((lv, ev, cv, d))
    return out


def lec_level(d: float) -> str:
    t = DEFAULT_THRESHOLDS["lec"]
    if d > t["major"]:
        return "major"
    if d >= t["significant"]:
        return "significant"
    if d >= t["general"]:
        return "general"
    return "low"


def ls_level(r: int) -> str:
    t = DEFAULT_THRESHOLDS["ls"]
    if r >= t["major"]:
        return "major"
    if r >= t["significant"]:
        return "significant"
    if r >= t["general"]:
        return "general"
    return "low"


LEC_COMBOS = _lec_combos()
LS_COMBOS: dict[str, list[tuple[int, int]]] = {lv: [] for lv in LEVELS}
for _l in range(1, 6):
    for _s in range(1, 6):
        LS_COMBOS[ls_level(_l * _s)].append((_l, _s))


def _at(d: date, hour: float) -> datetime:
    return datetime.combine(d, time(0), CHINA) + timedelta(hours=hour)


def _work_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment in [start, end), moved into working hours (7:30–18:30) of its day."""
    span = (end - start).total_seconds()
    t = start + timedelta(seconds=rng.random() * span)
    day = t.date()
    moved = _at(day, rng.uniform(7.5, 18.5))
    return moved if start <= moved < end else t


def month_starts(clock: datetime) -> list[date]:
    """The first days of the HISTORY_MONTHS whole months before the clock's month."""
    first = clock.date().replace(day=1)
    out = []
    for _ in range(HISTORY_MONTHS):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(first)
    return out[::-1]


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


class TenantBuilder(gov.TenantSupervision):
    """Builds one tenant's rows into a DomainRows."""

    def __init__(self, t: Tenant, seed: int, ids: dict[str, Ids], clock: datetime,
                 out: DomainRows) -> None:  # fmt: skip
        self.t, self.ids, self.clock, self.out = t, ids, clock, out
        self.rng = random.Random(f"{seed}:enterprise-domain:{t.id}")
        self.gov_rng = random.Random(f"{seed}:supervision:{t.id}")
        self.scope = (t.path, t.sector)
        self.profile = PROFILES[
            SITE_PROFILE[t.site_type] if t.site_type else INDUSTRY_PROFILE.get(t.industry, "retail")
        ]
        self.units: list[Unit] = []
        self.posts: list[Unit] = []
        self.points: list[Point] = []
        self.staff_ids: list[tuple[int, Unit]] = []
        self.today = clock.date()
        # the register was made before the history starts
        self.history_start = _at(month_starts(clock)[0], 0)
        self.register_made = self.history_start - timedelta(days=self.rng.randint(20, 120))
        self.problems: dict[int, str] = {}
        self.round_results: list[tuple[int, set[int]]] = []
        self.extensions: list[tuple[Any, ...]] = []
        self.staff_names: list[str] = []
        self.visits: list[gov.Visit] = []
        self.monthly_tasks: list[tuple[int, date]] = []
        self.closed_hazards: list[tuple[int, datetime]] = []
        self.assignment_updates: list[Row] = []

    def row(self, table: str, *values: Any) -> None:
        self.out.add(table, (*values, *self.scope))

    # --- org tree, managers, staff -------------------------------------------------------
    def unit(self, name: str, kind: str, parent: Unit | None, sort: int = 0,
             safety: bool = False) -> Unit:  # fmt: skip
        uid = self.ids["org_unit"]()
        path = f"{parent.path}.{uid}" if parent else str(uid)
        u = Unit(uid, name[:60], kind, path, parent)
        if parent:
            parent.children.append(u)
        self.units.append(u)
        self.row("org_unit", self.t.id, uid, parent.id if parent else None, u.name, kind, path,
                 safety, sort)  # fmt: skip
        return u

    def person(self, unit: Unit, title: str, user_id: int | None = None,
               name: str | None = None) -> str:  # fmt: skip
        who = name or self.t.people.names.get(user_id or 0) or names.person(self.rng)
        sid = self.ids["staff"]()
        self.staff_ids.append((sid, unit))
        self.staff_names.append(who)
        self.row("staff", self.t.id, sid, who, unit.id, user_id, title, names.phone(self.rng), True)
        return who

    def tree(self) -> None:
        t, rng, p = self.t, self.rng, self.profile
        scale = t.scale if t.scale in SHAPE else "small"
        if t.demo and scale == "micro":  # the demo logins need a workshop with a team
            scale = "small"
        n_depts, (w_lo, w_hi), (tm_lo, tm_hi), _ = SHAPE[scale]
        self.company = self.unit(t.name, "company", None)
        self.company.head = t.legal_representative
        self.person(self.company, "主要负责人", t.people.boss)
        depts = [d for d in p.departments[: max(2, min(n_depts, len(p.departments)))]]
        self.depts: list[Unit] = []
        for i, name in enumerate(depts):
            safety = "安全" in name or "保卫" in name
            d = self.unit(name, "department", self.company, i, safety)
            if safety:
                d.head = self.person(d, "安全管理员", t.people.safety)
                self.safety_dept = d
            else:
                d.head = self.person(d, f"{name.removesuffix('部')}负责人")
            self.depts.append(d)
        n_ws = min(len(p.workshops), rng.randint(w_lo, w_hi))
        chosen = sorted(rng.sample(range(len(p.workshops)), n_ws))
        self.workshops: list[tuple[Unit, tuple[str, ...]]] = []
        for i, wi in enumerate(chosen):
            w_name, posts, templates = p.workshops[wi]
            w = self.unit(w_name, "workshop", self.depts[0], i)
            demo_ws = t.demo and i == 0
            w.head = self.person(w, "车间主任", t.people.workshop_head if demo_ws else None)
            teams = rng.randint(tm_lo, tm_hi) if tm_hi else 0
            if demo_ws:
                teams = max(teams, 1)
            parents = [w]
            if teams:
                parents = []
                for k in range(teams):
                    team = self.unit(f"{w_name.removesuffix('车间')}{TEAM_NAMES[k]}", "team", w, k)
                    lead = t.people.team_head if demo_ws and k == 0 else None
                    team.head = self.person(team, "班组长", lead)
                    parents.append(team)
            for k, parent in enumerate(parents):
                for j, post_name in enumerate(posts):
                    post = self.unit(post_name, "post", parent, j)
                    self.posts.append(post)
                    lo, hi = SHAPE[scale][3]
                    people = [self.person(post, post_name.removesuffix("岗"))
                              for _ in range(rng.randint(lo, hi))]  # fmt: skip
                    if demo_ws and k == 0 and j == 0:
                        self.person(post, post_name.removesuffix("岗"), t.people.worker)
                    post.head = people[0]
            self.workshops.append((w, templates))
        self.managers()

    def managers(self) -> None:
        t = self.t
        rows: list[tuple[Unit, int | None, str]] = [
            (self.company, t.people.boss, "head"),
            (self.safety_dept, t.people.safety, "head"),
        ]
        if t.demo:
            w = self.workshops[0][0]
            rows.append((w, t.people.workshop_head, "head"))
            rows.append((w.children[0], t.people.team_head, "head"))
        for unit, user, duty in rows:
            if user is not None:
                self.row("unit_manager", t.id, unit.id, user, duty)

    def dept_for(self, template: str) -> Unit:
        """Where a company-wide risk point sits: equipment, safety or admin department."""
        d = self.depts
        if template in ("配电室", "空压机及储气罐", "锅炉房", "电梯", "临时用电"):
            return d[3] if len(d) > 3 else d[0]
        if template in ("员工食堂", "办公楼", "营业区域", "地下车库"):
            return d[2] if len(d) > 2 else self.safety_dept
        if template in ("叉车", "仓库"):
            return d[0]
        return self.safety_dept

    # --- risk points ---------------------------------------------------------------------
    def risk_register(self) -> None:
        t, rng = self.t, self.rng
        lo, hi = POINTS_BY_SCALE.get(t.scale, (16, 20))
        want = rng.randint(lo, hi)
        placed: list[tuple[PointTemplate, Unit, Unit]] = []  # template, unit, workshop
        for w, templates in self.workshops:
            posts = [u for u in self.posts if u.path.startswith(w.path + ".")]
            for name in templates:
                tpl = POINTS[name]
                where = w if tpl.kind == "place" or not posts else rng.choice(posts)
                placed.append((tpl, where, w))
        common = list(self.profile.common)
        rng.shuffle(common)
        common.sort(key=lambda n: n not in ("消防设施", "配电室"))
        for name in common:
            if len(placed) >= want:
                break
            d = self.dept_for(name)
            placed.append((POINTS[name], d, d))
        extra = [p for p in placed if p[0].numbered] or [
            p for p in placed if p[2].kind == "workshop"
        ]
        while len(placed) < want and extra:
            tpl, _, w = rng.choice(extra)
            posts = [u for u in self.posts if u.path.startswith(w.path + ".")]
            placed.append((tpl, rng.choice(posts) if posts and tpl.kind != "place" else w, w))
        placed = placed[:want] if len(placed) > want else placed
        seen: dict[str, int] = {}
        for tpl, _, _ in placed:
            seen[tpl.name] = seen.get(tpl.name, 0) + 1
        numbers: dict[str, int] = {}
        for tpl, unit, w in placed:
            name = tpl.name
            if seen[name] > 1:
                numbers[name] = numbers.get(name, 0) + 1
                name = f"{numbers[name]}号{name}"
            self.point(tpl, name, unit, w)

    def point(self, tpl: PointTemplate, name: str, unit: Unit, workshop: Unit) -> None:
        t, rng = self.t, self.rng
        level = rng.choices(LEVELS, LEVEL_WEIGHTS[tpl.severity])[0]
        freqs = FREQUENCY_BY_LEVEL[level]
        frequency = rng.choices([f for f, _ in freqs], [w for _, w in freqs])[0]
        pid = self.ids["risk_point"]()
        control_level = CONTROL_LEVEL[level]
        control_unit = {
            "company": self.company,
            "department": workshop.parent if workshop.kind == "workshop" else workshop,
            "workshop": workshop,
            "post": unit,
        }[control_level] or self.company
        leader = control_unit.head or self.company.head
        if level == "major":
            leader = t.legal_representative
        made = self.register_made + timedelta(hours=rng.uniform(0, 240))
        method, lec, ls, score, criterion = self.grade(tpl, level)
        responsible = t.people.safety if level in ("major", "significant") else None
        if t.demo and workshop is self.workshops[0][0] and level != "major":
            responsible = t.people.workshop_head
        self.row("risk_point", t.id, pid, unit.id, name[:100], tpl.kind, workshop.name,
                 list(tpl.factors), list(tpl.accidents), frequency, responsible,
                 unit.head or leader, method, score, level, criterion, control_level,
                 control_unit.id, leader, "active", made, made)  # fmt: skip
        # a tenth were graded differently first and reassessed since (history is kept)
        if rng.random() < 0.1:
            earlier = LEVELS[min(3, max(0, LEVELS.index(level) + rng.choice((-1, 1))))]
            if earlier != level:
                m0, lec0, ls0, score0, crit0 = self.grade(tpl, earlier, allow_direct=False)
                self.assessment(pid, m0, lec0, ls0, score0, earlier, crit0,
                                made - timedelta(days=rng.randint(180, 400)), "年度风险辨识评估")  # fmt: skip
        self.assessment(pid, method, lec, ls, score, level, criterion, made,
                        "工艺或设备变更后重新评估" if rng.random() < 0.1 else "风险辨识评估")  # fmt: skip
        k = rng.randint(2, min(4, len(tpl.measures)))
        chosen = sorted(rng.sample(range(len(tpl.measures)), k))
        if 0 not in chosen:  # the engineering measure (first) is the one checked most
            chosen = [0, *chosen[1:]]
        measures = []
        for sort, i in enumerate(chosen):
            kind, content = tpl.measures[i]
            mid = self.ids["control_measure"]()
            self.row("control_measure", t.id, mid, pid, kind, content, sort)
            measures.append((mid, kind, content))
        self.points.append(Point(pid, tpl, name[:100], unit, level, frequency, measures))

    def grade(self, tpl: PointTemplate, level: str, allow_direct: bool = True
              ) -> tuple[str, Any, Any, float | None, str | None]:  # fmt: skip
        rng = self.rng
        if level == "major" and tpl.criterion and allow_direct and rng.random() < 0.5:
            return "direct", None, None, None, tpl.criterion
        if rng.random() < 0.7:
            lv, ev, cv, d = rng.choice(LEC_COMBOS[level])
            return "lec", (lv, ev, cv), None, d, None
        lv, sv = rng.choice(LS_COMBOS[level])
        return "ls", None, (lv, sv), float(lv * sv), None

    def assessment(self, pid: int, method: str, lec: Any, ls: Any, score: float | None,
                   level: str, criterion: str | None, at: datetime, note: str) -> None:  # fmt: skip
        l_ = e_ = c_ = s_ = None
        if lec:
            l_, e_, c_ = lec
        elif ls:
            l_, s_ = ls
        thresholds = json.dumps(DEFAULT_THRESHOLDS[method]) if method != "direct" else None
        self.row("risk_assessment", self.t.id, self.ids["risk_assessment"](), pid, method, l_, e_,
                 c_, s_, score, level, criterion, thresholds, note, self.t.people.safety, at)  # fmt: skip

    # --- checklists and the monthly self-check rounds -----------------------------------
    def checklists(self) -> None:
        t = self.t
        groups: dict[tuple[int, str], list[Point]] = {}
        for p in self.points:
            groups.setdefault((p.unit.id, p.frequency), []).append(p)
        made = self.register_made + timedelta(days=12)
        for (_, frequency), pts in sorted(groups.items()):
            unit = pts[0].unit
            cid = self.ids["checklist"]()
            name = f"{unit.name}{FREQUENCY_NAMES[frequency]}排查清单"
            shifts = 2 if t.scale in ("micro", "small") else 3
            self.row("checklist", t.id, cid, unit.id, name[:100], "routine", frequency, shifts,
                     True, t.people.safety, made)  # fmt: skip
            sort = 0
            for p in pts:
                for mid, kind, content in p.measures:
                    if kind in ("training", "emergency"):
                        continue  # checked in the monthly comprehensive check
                    item = f"{p.name}：{content}"[:500]
                    self.row("checklist_item", t.id, self.ids["checklist_item"](), cid, p.id, mid,
                             item, sort)  # fmt: skip
                    sort += 1
        cid = self.ids["checklist"]()
        self.comprehensive = cid
        self.row("checklist", t.id, cid, self.company.id, "月度综合检查表", "comprehensive",
                 "monthly", 3, True, t.people.safety, made)  # fmt: skip
        self.items: list[tuple[int, Point]] = []
        for sort, p in enumerate(self.points):
            iid = self.ids["checklist_item"]()
            text = "；".join(c for _, _, c in p.measures[:2])
            self.row("checklist_item", t.id, iid, cid, p.id, None, f"{p.name}：{text}"[:500], sort)
            self.items.append((iid, p))

    def rounds(self) -> list[tuple[int, datetime, list[tuple[int, Point]]]]:
        """The monthly comprehensive self-checks of the last ten months, all done. Returns
        (check id, when, failed items) for the hazards to link to."""
        t, rng = self.t, self.rng
        n_check = sum(1 for _ in range(t.hazards) if rng.random() < 0.55)
        per_round = [0] * HISTORY_MONTHS
        for _ in range(n_check):
            per_round[rng.randrange(HISTORY_MONTHS)] += 1
        checker = t.people.safety
        out = []
        for month, failed_n in zip(month_starts(self.clock), per_round, strict=True):
            start, end = _at(month, 0), _at(_next_month(month), 0)
            started = _work_time(rng, start + timedelta(days=2), end - timedelta(days=3))
            finished = started + timedelta(minutes=rng.randint(40, 150))
            task = self.ids["inspection_task"]()
            self.monthly_tasks.append((task, month))
            self.row("inspection_task", t.id, task, self.comprehensive, self.company.id,
                     f"{month.year}-{month.month:02d}", start, end, "done", finished, start)  # fmt: skip
            cid = self.ids["inspection_check"]()
            lat = t.lat + rng.uniform(-3e-4, 3e-4)
            lon = t.lon + rng.uniform(-3e-4, 3e-4)
            self.row("inspection_check", t.id, cid, self.comprehensive, task, checker, started,
                     finished, round(lat, 6), round(lon, 6), float(rng.randint(5, 30)),
                     f"{month.year}年{month.month}月综合检查")  # fmt: skip
            failed = rng.sample(self.items, min(failed_n, len(self.items)))
            out.append((cid, started, failed))
            self.round_results.append((cid, {i for i, _ in failed}))
        return out

    # --- hazards -------------------------------------------------------------------------
    def hazards(self) -> None:
        t, rng = self.t, self.rng
        failed_at: dict[tuple[int, int], int] = {}
        rounds = self.rounds()
        for cid, started, failed in rounds:
            for iid, p in failed:
                found = started + timedelta(minutes=rng.randint(5, 90))
                hid = self.hazard("check", found, p, check_id=cid)
                failed_at[cid, iid] = hid
        made = sum(len(f) for _, _, f in rounds)
        rest = max(0, t.hazards - made)
        # Spot-check failures open hazards at the review; patrol findings at a visit (a
        # hazard drawn as a patrol finding where no visit was made is a worker's report).
        spot = min(rest, self.spot_check_failures())
        for _ in range(rest - spot):
            source = "report" if rng.random() < 0.86 else "patrol"
            visit = self.patrol_visit_for_finding(rng) if source == "patrol" else None
            point = rng.choice(self.points) if rng.random() < 0.7 else None
            if visit is None:
                found = _work_time(rng, self.history_start, self.clock - timedelta(hours=1))
                self.hazard("report", found, point)
                continue
            found = visit.at + timedelta(minutes=rng.randint(10, 80))
            hid = self.hazard("patrol", found, point, reporter=visit.assignment.inspector,
                              visit_id=visit.id)  # fmt: skip
            visit.findings.append((hid, self.problems[hid]))
        self.spot_check_findings(rng, spot)
        for cid, failed_ids in self.round_results:
            for iid, _ in self.items:
                if iid in failed_ids:
                    hid = failed_at[cid, iid]
                    self.out.add("check_result", (t.id, cid, iid, "not_ok", self.problems[hid],
                                                  hid, *self.scope))  # fmt: skip
                else:
                    result = "na" if rng.random() < 0.02 else "ok"
                    self.out.add("check_result", (t.id, cid, iid, result, "", None, *self.scope))

    def actors(self, source: str) -> tuple[int, int, int, int]:
        """(reporter, confirmer, rectifier, acceptor) for a hazard of this tenant."""
        pp, rng = self.t.people, self.rng
        if self.t.demo:
            reporter = rng.choice([pp.worker, pp.team_head, pp.workshop_head, pp.safety])
            rectifier = rng.choice([pp.workshop_head, pp.team_head, pp.safety])
            acceptor = pp.boss if rectifier == pp.safety else rng.choice([pp.safety, pp.boss])
        else:
            reporter = rng.choice([pp.safety, pp.safety, pp.boss])
            rectifier = rng.choice([pp.safety, pp.boss])
            acceptor = pp.boss if rectifier == pp.safety else pp.safety
        if source == "check":
            reporter = pp.safety
        elif source == "patrol" and pp.inspector:
            reporter = pp.inspector
        elif source == "spot_check" and pp.officer:
            reporter = pp.officer
        assert reporter is not None and rectifier is not None and acceptor is not None
        return reporter, pp.safety, rectifier, acceptor

    def hazard(self, source: str, found: datetime, p: Point | None,
               check_id: int | None = None, reporter: int | None = None,
               visit_id: int | None = None, drawn: tuple[str, str] | None = None) -> int:  # fmt: skip
        """One hazard's row and timeline; `reporter` overrides the usual finder (a patrol's
        inspector, a spot check's checker), `drawn` the (problem, fix) drawn for it."""
        t, rng, clock = self.t, self.rng, self.clock
        pool = HAZARDS[p.template.hazards if p else rng.choice(GENERAL_HAZARDS)]
        problem, fix = drawn or rng.choice(pool)
        unit = p.unit if p else rng.choice(self.units)
        hid = self.ids["hazard"]()
        self.problems[hid] = problem
        where = p.name if p else unit.name
        title = f"{where}{problem}" if p and len(where) + len(problem) <= 40 else problem
        finder, confirmer, rectifier, acceptor = self.actors(source)
        reporter = reporter or finder
        r = rng.random()
        tier = "major" if r < 0.01 else "on_spot" if r < 0.31 else "general"
        if source != "check" and tier == "general" and rng.random() < 0.04:
            tier = "rejected"
        h: dict[str, Any] = {
            "state": None, "confirmed_by": None, "confirmed_at": None, "reject_reason": None,
            "responsible_user_id": None, "deadline": None, "plan": "", "measure": "",
            "five": None, "to_bureau": None, "stop_work": False, "rectified_by": None,
            "rectified_at": None, "accepted_by": None, "accepted_at": None, "closed_at": None,
            "tier": None, "updated_at": found,
        }  # fmt: skip
        # (when, action, state after or None if unchanged, actor, note, data, field changes)
        events: list[tuple[datetime, str, str | None, int, str, Any, dict[str, Any]]] = []

        def ev(at: datetime, action: str, to: str | None, actor: int, note: str = "",
               data: Any = None, **changes: Any) -> datetime:  # fmt: skip
            events.append((at, action, to, actor, note, data, changes))
            return at

        submitted: dict[str, Any] = {"measure": fix, "photo_ids": []}
        description = f"{where}：{problem}"
        ev(found, "report", "reported", reporter, description)  # the service notes the description
        if tier == "on_spot":
            fixed = found + timedelta(minutes=rng.randint(5, 50))
            ev(fixed, "fix_on_spot", "closed", reporter, "", submitted, tier="on_spot",
               measure=fix, rectified_by=reporter, rectified_at=fixed, closed_at=fixed)  # fmt: skip
        elif tier == "rejected":
            at = found + timedelta(hours=rng.uniform(1, 30))
            reason = rng.choice(REJECT_REASONS)
            ev(at, "reject", "rejected", confirmer, reason, None, reject_reason=reason,
               confirmed_by=confirmer, confirmed_at=at)  # fmt: skip
        else:
            major = tier == "major"
            confirmed = found + timedelta(hours=rng.uniform(0.5, 20 if major else 48))
            days = rng.randint(30, 90) if major else rng.choice((3, 5, 7, 7, 10, 15, 15, 30))
            deadline = confirmed.date() + timedelta(days=days)
            plan = f"{fix}，{deadline.year}年{deadline.month}月{deadline.day}日前完成"
            changes: dict[str, Any] = {
                "tier": tier, "confirmed_by": confirmer, "confirmed_at": confirmed,
                "responsible_user_id": rectifier, "deadline": deadline, "plan": plan,
            }  # fmt: skip
            data: dict[str, Any] = {"tier": tier, "responsible_user_id": rectifier,
                                    "deadline": deadline.isoformat(), "plan": plan}  # fmt: skip
            if major:
                five = {
                    "responsibility": f"主要负责人{t.legal_representative}牵头，安全管理部门具体落实",
                    "measures": plan,
                    "funds": f"落实整改资金{rng.randint(2, 60)}万元",
                    "emergency_plan": "制定专项应急处置方案，整改期间加强监控",
                    "deadline": deadline.isoformat(),
                }
                changes["five"] = json.dumps(five, ensure_ascii=False)
                changes["stop_work"] = data["stop_work"] = rng.random() < 0.4
                data["five"] = five
                to_bureau = confirmed + timedelta(hours=rng.uniform(1, 20))
                ev(to_bureau, "report_to_bureau", None, confirmer, to_bureau=to_bureau)
            ev(confirmed, "confirm", "confirmed", confirmer, "", data, **changes)
            started = ev(confirmed + timedelta(hours=rng.uniform(0.2, 24)), "start", "rectifying",
                         rectifier)  # fmt: skip
            due = _at(deadline, 24)
            after = started
            r = rng.random()
            if r < 0.04 and not major:  # asked for more time, and got it
                asked = started + (due - started) * rng.uniform(0.5, 0.9)
                new = deadline + timedelta(days=rng.choice((7, 10, 15)))
                reason = rng.choice(EXTENSION_REASONS)
                decided = asked + timedelta(hours=rng.uniform(2, 30))
                xid = self.ids["hazard_extension"]()
                moved = {"extension_id": xid, "old_deadline": deadline.isoformat(),
                         "new_deadline": new.isoformat()}  # fmt: skip
                ev(asked, "request_extension", None, rectifier, reason, moved)
                ev(decided, "approve_extension", None, acceptor, "", moved, deadline=new)
                self.extensions.append(
                    (xid, hid, rectifier, asked, deadline, new, reason, acceptor, decided)
                )
                due, after = _at(new, 24), decided
            if r > 0.97:  # stuck: not rectified for a long time (becomes overdue)
                done = due + timedelta(days=rng.uniform(20, 120))
            elif r > 0.88:  # late
                done = due + timedelta(days=rng.uniform(0.5, 12))
            else:
                done = after + (due - after) * rng.uniform(0.15, 0.95)
            ev(done, "submit", "awaiting_acceptance", rectifier, "", submitted, measure=fix,
               rectified_by=rectifier, rectified_at=done)  # fmt: skip
            accept_at = done + timedelta(hours=rng.uniform(2, 72))
            if rng.random() < 0.03:  # sent back once
                ev(accept_at, "refuse", "rectifying", acceptor, rng.choice(RETURN_NOTES))
                done = accept_at + timedelta(hours=rng.uniform(4, 72))
                ev(done, "submit", "awaiting_acceptance", rectifier, "", submitted,
                   rectified_by=rectifier, rectified_at=done)  # fmt: skip
                accept_at = done + timedelta(hours=rng.uniform(2, 48))
            ev(accept_at, "accept", "closed", acceptor, "整改合格，同意销号", None,
               accepted_by=acceptor, accepted_at=accept_at, closed_at=accept_at)  # fmt: skip
        events.sort(key=lambda e: e[0])  # stable: same-moment steps keep their order
        for at, action, to, actor, note, data, changes in events:
            if at >= clock:
                break
            before = h["state"]
            h["state"] = to or before
            h["updated_at"] = at
            h.update(changes)
            self.row("hazard_event", t.id, self.ids["hazard_event"](), hid, action, before,
                     h["state"], actor, at, note,
                     json.dumps(data, ensure_ascii=False) if data else None)  # fmt: skip
        lat = round(t.lat + rng.uniform(-4e-4, 4e-4), 6)
        lon = round(t.lon + rng.uniform(-4e-4, 4e-4), 6)
        self.row("hazard", t.id, hid, source, p.id if p else None, check_id, unit.id, h["tier"],
                 h["state"], title[:100], description, unit.name, lat, lon, found, reporter,
                 h["confirmed_by"], h["confirmed_at"], h["reject_reason"],
                 h["responsible_user_id"], h["deadline"], h["plan"], h["measure"], h["five"],
                 h["to_bureau"], h["stop_work"], h["rectified_by"], h["rectified_at"],
                 h["accepted_by"], h["accepted_at"], h["closed_at"], 0, found, h["updated_at"],
                 visit_id)  # fmt: skip
        if h["state"] == "closed":
            self.closed_hazards.append((hid, h["closed_at"]))
        return hid

    # --- certificates and equipment ------------------------------------------------------
    def due_date(self, normal: tuple[int, int]) -> date:
        """A due date: ~3 % past, ~5 % within 30 days, ~7 % within 90, the rest later."""
        r = self.rng.random()
        if r < 0.03:
            days = -self.rng.randint(1, 90)
        elif r < 0.08:
            days = self.rng.randint(0, 30)
        elif r < 0.15:
            days = self.rng.randint(31, 90)
        else:
            days = self.rng.randint(*normal)
        return self.today + timedelta(days=days)

    def certificates(self) -> None:
        t, rng = self.t, self.rng
        profile = SITE_PROFILE.get(t.site_type or "") or INDUSTRY_PROFILE.get(t.industry, "")
        year = self.today.year
        if profile in LICENSED:
            exp = self.due_date((91, 1000))
            number = f"（苏）WH安许证字〔{exp.year - 3}〕{rng.randint(100, 999):04d}号"
            self.row("certificate", t.id, self.ids["certificate"](), "safety_licence",
                     LICENSED[profile], number, None, "", exp - timedelta(days=3 * 365), exp)  # fmt: skip
        if t.kind == "enterprise" and rng.random() < (
            0.9 if t.scale in ("medium", "large") else 0.4
        ):
            exp = self.due_date((91, 1000))
            grade = "二级" if t.scale == "large" and rng.random() < 0.4 else "三级"
            number = f"苏AQB{t.path.split('.')[1]}{grade[0]}{year - 2}{rng.randint(1, 9999):04d}"
            self.row("certificate", t.id, self.ids["certificate"](), "standardisation",
                     f"安全生产标准化{grade}企业", number, None, grade,
                     exp - timedelta(days=3 * 365), exp)  # fmt: skip
        workers = [s for s in self.staff_ids if s[1].kind in ("post", "department", "team")]
        n = {"micro": 2, "small": 3, "medium": 6, "large": 10}.get(t.scale, 2)
        for sid, _ in rng.sample(workers, min(n, len(workers))):
            exp = self.due_date((91, 2000))
            number = f"T{rng.randrange(10**17):017d}"
            self.row("certificate", t.id, self.ids["certificate"](), "special_operation",
                     rng.choice(SPECIAL_OPERATIONS), number, sid, "",
                     exp - timedelta(days=6 * 365), exp)  # fmt: skip

    def equipment(self) -> None:
        t, rng = self.t, self.rng
        rename = {"空压机及储气罐": "储气罐", "锅炉房": "蒸汽锅炉", "医用氧气站": "医用氧气汇流排"}
        for p in self.points:
            base = p.template.name
            if p.template.kind != "equipment" and base not in SPECIAL_EQUIPMENT:
                continue
            special = base in SPECIAL_EQUIPMENT
            name = rename.get(base, p.name)
            last = nxt = end = None
            if special:
                nxt = self.due_date((91, 364))
                last = nxt - timedelta(days=365)
            if rng.random() < 0.3:
                end = self.due_date((365, 3000))
            status = "stopped" if rng.random() < 0.02 else "in_use"
            self.row("equipment", t.id, self.ids["equipment"](), name, p.unit.id, p.id,
                     rng.choice(EQUIPMENT_MODELS), f"SN{t.id:05d}{rng.randrange(10**6):06d}",
                     special, last, nxt, end, status)  # fmt: skip

    def build(self) -> None:
        self.tree()
        self.risk_register()
        self.checklists()
        self.plan_visits()
        self.hazards()
        self.emit_visits()
        for xid, hid, by, asked, old, new, reason, decider, decided in self.extensions:
            if asked >= self.clock:
                continue
            done = decided < self.clock
            self.row("hazard_extension", self.t.id, xid, hid, by, asked,
                     old, new, reason, "approved" if done else "pending",
                     decider if done else None, decided if done else None)  # fmt: skip
        self.certificates()
        self.equipment()
        units = [(w.id, w.name) for w, _ in self.workshops] or [(self.company.id, "")]
        self.dangerous_operations(units, self.t.people.safety)


def hazard_counts(tenants: list[Tenant], seed: int) -> None:
    """Spread the city's hazards over its tenants by size, 105,101 per 6,057 enterprises."""
    rng = random.Random(f"{seed}:hazard-counts")
    enterprises = sum(1 for t in tenants if t.kind == "enterprise")
    total = round(TAICANG_HAZARDS * enterprises / TAICANG_ENTERPRISES)
    weights = [HAZARD_WEIGHT.get(t.scale, 1.0) * rng.uniform(0.6, 1.4) for t in tenants]
    rest = total
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    rest = total - sum(counts)
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[:rest]:
        counts[i] += 1
    for t, n in zip(tenants, counts, strict=True):
        t.hazards = n


def build_chunks(tenants: list[Tenant], seed: int, last_ids: dict[str, int], clock: datetime,
                 chunk: int = 250, prepare: Callable[[list[Tenant]], None] | None = None,
                 ) -> Iterator[tuple[int, DomainRows]]:  # fmt: skip
    """(tenants done, rows) chunk by chunk; ids continue after `last_ids`. `prepare` is given
    each chunk's tenants before they are built (to fetch their patrol assignments)."""
    ids = {table: Ids(last_ids.get(table, 0)) for table in WITH_ID}
    for start in range(0, len(tenants), chunk):
        out = DomainRows()
        part = tenants[start : start + chunk]
        if prepare is not None:
            prepare(part)
        for t in part:
            b = TenantBuilder(t, seed, ids, clock, out)
            b.build()
            out.assignment_updates += b.assignment_updates
            t.assignments, t.targets = [], []  # done with: memory stays flat
        yield min(start + chunk, len(tenants)), out


def clock_for(today: date | None) -> datetime:
    """Midnight, Beijing time, at the start of `today` (default: the current day there)."""
    day = today or datetime.now(CHINA).date()
    return datetime.combine(day, time(0), CHINA)


ProgressFn = Callable[[str, int, int], None]
