"""One tenant's share of the government side in the demo city: the patrol visits to it (made
from the patrol planner's assignments), the verdicts of the spot checks it was drawn in, and
the dangerous operations it reported. Mixed into dual_prevention.TenantBuilder: the hazards a
patrol or a spot check finds are that builder's hazards, found at the visit or the review.

Everything here comes from the tenant's own random stream (`self.gov_rng`), so one tenant's
rows depend neither on the other tenants nor on how its enterprise-side rows were drawn.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from anwang.platform.clock import CHINA
from anwang.platform.seed import names
from anwang.supervision.operations.limits import GRADES, limit_for
from anwang.supervision.patrol.checklist import CHECKLIST

if TYPE_CHECKING:
    from anwang.platform.seed.dual_prevention import Tenant

Row = tuple[Any, ...]

# Past cycles: the share of assignments never visited (coverage 97–99 %), never more than a
# tenth of one cycle's, and the share visited after their planned day (lateness a few %).
PATROL_MISSED = 0.015
PATROL_MISSED_MAX = 0.1
PATROL_LATE = 0.04
# Open cycles: planned days already past that are still waiting, and visits made ahead of plan.
PATROL_BEHIND = 0.08
PATROL_EARLY = 0.06
# Checklist items that many enterprises do not have (no chemicals, no confined space).
OFTEN_NA = ("chemicals", "confined_space")
VISIT_NOTES = (
    "",
    "",
    "",
    "现场负责人陪同检查",
    "企业正在组织整改，已提醒按期完成",
    "已告知季度重点工作",
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "patrol_visit": ("tenant_id", "id", "assignment_id", "inspector_user_id", "patrol_kind",
                     "idempotency_key", "checked_in_at", "lat", "lon", "accuracy_m",
                     "distance_m", "results", "note", "findings", "received_at",
                     "jurisdiction_path", "sector"),
    "spot_check_finding": ("tenant_id", "id", "spot_check_id", "item", "subject_table",
                           "subject_id", "verdict", "note", "hazard_id", "order_id",
                           "decided_by", "decided_at", "jurisdiction_path", "sector"),
    "dangerous_operation": ("tenant_id", "id", "kind", "grade", "permit_no", "location",
                            "content", "org_unit_id", "applicant", "supervisor", "operators",
                            "approver", "gas_test", "measures", "valid_from", "valid_to",
                            "status", "started_at", "finished_at", "cancelled_at",
                            "cancel_reason", "reported_by", "reported_at", "jurisdiction_path",
                            "sector"),
}  # fmt: skip
STAGES = {
    "patrol_visit": "写入巡查记录",
    "spot_check_finding": "写入抽查结论",
    "dangerous_operation": "写入危险作业",
}

# Spot-check failures: what the reviewer found, per review item, as (note, hazard title);
# each opens a hazard. A target fails on one or both items.
SPOT_FAILURES: dict[str, tuple[tuple[str, str], ...]] = {
    "daily_photos": (
        ("每日粉尘清扫前后照片缺失，无法证实按日清扫", "粉尘清扫记录缺失"),
        ("整改后照片与隐患部位不一致，整改效果无法确认", "隐患整改照片与部位不一致"),
    ),
    "other": (
        ("月度综合检查未覆盖全部风险点，检查记录过于简单", "综合检查未覆盖全部风险点"),
        ("重大风险点管控措施未在现场落实，告知卡缺失", "风险告知卡缺失"),
    ),
}
MAX_FAILURES = len(SPOT_FAILURES)

# Dangerous operations 危险作业: what is done, where, and the safety measures, per kind.
OPERATION_WEIGHTS = {"hot_work": 38, "confined_space": 22, "lifting": 20, "work_at_height": 20}
GRADE_WEIGHTS = {
    "hot_work": {"special": 4, "first": 34, "second": 62},
    "lifting": {"first": 4, "second": 22, "third": 74},
    "work_at_height": {"first": 45, "second": 35, "third": 15, "fourth": 5},
}
PERMIT_PREFIX = {"hot_work": "DH", "confined_space": "SX", "lifting": "DZ", "work_at_height": "GC"}
OPERATION_CONTENT = {
    "hot_work": ("管道法兰焊接修复", "设备支架切割拆除", "钢平台电焊加固", "储罐外壁补焊",
                 "除尘管道开孔焊接", "栏杆切割更换"),
    "confined_space": ("污水池清淤", "储罐内部清洗检查", "地下管沟电缆检修", "化粪池疏通",
                       "反应釜内部检修", "除尘器灰斗清理"),
    "lifting": ("新设备吊装就位", "钢结构构件吊装", "模具吊运更换", "屋面风机吊装",
                "冷却塔电机吊装"),
    "work_at_height": ("厂房屋面彩钢瓦维修", "行车轨道检修", "管廊支架防腐刷漆",
                       "高位照明灯具更换", "外墙雨棚拆除"),
}  # fmt: skip
OPERATION_PLACES = ("厂区东侧", "厂区北侧", "污水处理站", "仓库屋面", "原料仓库", "配电房旁",
                    "锅炉房", "成品库", "办公楼外墙")  # fmt: skip
OPERATION_MEASURES = {
    "hot_work": "清除动火点周围易燃物，配备灭火器2具，设专人监火，作业后检查确认无遗留火种",
    "confined_space": "先通风、再检测、后作业，持续机械通风，配备正压式空气呼吸器，设专人监护",
    "lifting": "划定警戒区域并设专人看守，检查吊索具完好，吊物下方严禁站人",
    "work_at_height": "作业人员系挂安全带，搭设脚手架并验收，下方设警戒区，恶劣天气停止作业",
}
CANCEL_REASONS = ("天气原因，作业取消", "设备到货延误，作业改期", "气体检测不合格，暂停作业")
# Live permits for the demo: (kind, grade, from, to as hours after the seed's midnight, status)
DEMO_LIVE = (
    ("hot_work", "second", -34.0, 30.0, "active"),
    ("confined_space", None, -3.0, 17.0, "active"),
    ("hot_work", "first", 14.0, 18.0, "reported"),
    ("lifting", "third", 33.0, 41.0, "reported"),
)


@dataclass(frozen=True)
class Assignment:
    """One planned patrol of this tenant (a row the patrol planner made)."""

    id: int
    cycle_id: int
    kind: str  # grid | town | sector
    starts_on: date
    ends_on: date
    due_on: date
    inspector: int
    missed: bool = False  # never visited (decided per cycle: see supervision.missed_ranks)


@dataclass(frozen=True)
class Target:
    """This tenant's place in one spot-check draw, as decided by the city-level plan."""

    spot_check_id: int
    checker: int
    review_from: date
    review_to: date
    reviewed_at: datetime | None  # None: not reviewed yet
    verdict: str | None
    failures: int  # findings that open a hazard
    order_id: int | None = None  # an order issued for the failures, if any


@dataclass
class Visit:
    id: int
    assignment: Assignment
    at: datetime
    findings: list[tuple[int, str]] = field(default_factory=list)  # (hazard id, problem)


def _at(d: date, hour: float) -> datetime:
    return datetime.combine(d, time(0), CHINA) + timedelta(hours=hour)


def _workdays(start: date, end: date) -> list[date]:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5] or days


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


class TenantSupervision:
    """Mixin of dual_prevention.TenantBuilder (which provides these attributes)."""

    t: Tenant
    clock: datetime
    history_start: datetime
    gov_rng: random.Random
    ids: Any
    scope: tuple[str, str]
    staff_names: list[str]
    visits: list[Visit]
    # the tenant's comprehensive monthly tasks (task id, month) and its closed hazards
    monthly_tasks: list[tuple[int, date]]
    closed_hazards: list[tuple[int, datetime]]
    assignment_updates: list[Row]
    row: Callable[..., None]
    hazard: Callable[..., int]

    # --- patrol visits ---------------------------------------------------------------------
    def plan_visits(self) -> None:
        """Which assignments were visited, when: near the planned day, a few late, a few
        never (past cycles); in the open cycles, the planned days before today mostly done."""
        rng, today = self.gov_rng, self.clock.date()
        self.visits = []
        for a in sorted(self.t.assignments, key=lambda a: (a.due_on, a.id)):
            day = self._visit_day(a, today, rng)
            if day is None:
                continue
            at = _at(day, rng.uniform(8.5, 17.0))
            self.visits.append(Visit(self.ids["patrol_visit"](), a, at))

    def _visit_day(self, a: Assignment, today: date, rng: random.Random) -> date | None:
        if a.starts_on > today:
            return None
        past = a.ends_on < today
        last = a.ends_on if past else today - timedelta(days=1)
        r = rng.random()
        if not past and a.due_on >= today:
            early = _workdays(a.starts_on, last) if last >= a.starts_on else []
            return rng.choice(early) if early and r < PATROL_EARLY else None
        if a.missed if past else r < PATROL_BEHIND:
            return None
        if r < (PATROL_LATE if past else PATROL_BEHIND + PATROL_LATE):
            later = [d for d in _workdays(a.due_on + timedelta(days=1), last) if d <= last]
            later = later[:7]
            if later and a.due_on < last:
                return rng.choice(later)
        # on the planned day, or a working day or two before it
        before = [d for d in _workdays(max(a.starts_on, a.due_on - timedelta(days=4)), a.due_on)
                  if d <= a.due_on][-3:]  # fmt: skip
        return a.due_on if rng.random() < 0.7 or not before else rng.choice(before)

    def patrol_visit_for_finding(self, rng: random.Random) -> Visit | None:
        """A visit a hazard with source 'patrol' was found at, or None when there was none."""
        done = [v for v in self.visits if v.at < self.clock - timedelta(hours=3)]
        return rng.choice(done) if done else None

    def emit_visits(self) -> None:
        t, rng = self.t, self.gov_rng
        for v in self.visits:
            a = v.assignment
            lat = round(t.lat + rng.uniform(-9e-4, 9e-4), 6)
            lon = round(t.lon + rng.uniform(-9e-4, 9e-4), 6)
            accuracy = float(rng.randint(5, 35))
            results = []
            failed: dict[str, str] = {}
            codes = list(CHECKLIST)
            for _, problem in v.findings:
                failed.setdefault(rng.choice(codes), problem)
            for code in codes:
                if code in failed:
                    results.append({"code": code, "result": "not_ok", "note": failed[code]})
                elif code in OFTEN_NA and (t.kind == "public_site" or rng.random() < 0.5):
                    results.append({"code": code, "result": "na", "note": ""})
                else:
                    results.append({"code": code, "result": "ok", "note": ""})
            delay = timedelta(minutes=rng.uniform(0.5, 8))
            if rng.random() < 0.12:  # recorded offline, sent when the tablet was back online
                delay = timedelta(hours=rng.uniform(0.5, 6))
            received = min(v.at + delay, self.clock - timedelta(minutes=1))
            key = uuid.UUID(int=rng.getrandbits(128), version=4)
            self.row("patrol_visit", t.id, v.id, a.id, a.inspector, a.kind, str(key), v.at, lat,
                     lon, accuracy, round(distance_m(t.lat, t.lon, lat, lon), 1),
                     json.dumps(results, ensure_ascii=False), rng.choice(VISIT_NOTES),
                     len(v.findings), received)  # fmt: skip
            self.assignment_updates.append((t.id, a.id, "visited", v.id, v.at.date()))

    # --- spot checks ---------------------------------------------------------------------
    def spot_check_failures(self) -> int:
        """How many hazards this tenant's spot-check failures open."""
        return sum(min(g.failures, MAX_FAILURES) for g in self.t.targets if g.reviewed_at)

    def spot_check_findings(self, rng: random.Random, budget: int) -> None:
        """The verdicts on each reviewed target's records: its monthly self-checks and
        rectifications in the review period, and the failures, each opening a hazard
        (at most `budget` of them, the tenant's hazard count being fixed)."""
        t = self.t
        for g in self.t.targets:
            if g.reviewed_at is None:
                continue
            decided = g.reviewed_at - timedelta(minutes=rng.randint(5, 40))
            start, end = _at(g.review_from, 0), _at(g.review_to + timedelta(days=1), 0)
            for task, month in self.monthly_tasks:
                if g.review_from <= month <= g.review_to:
                    self.row("spot_check_finding", t.id, self.ids["spot_check_finding"](),
                             g.spot_check_id, "self_check", "inspection_task", task, "pass",
                             "按月开展综合检查，记录完整", None, None, g.checker, decided)  # fmt: skip
            closed = [h for h, at in self.closed_hazards if start <= at < end]
            for closed_id in rng.sample(closed, min(2, len(closed))):
                self.row("spot_check_finding", t.id, self.ids["spot_check_finding"](),
                         g.spot_check_id, "rectification", "hazard", closed_id, "pass",
                         "整改前后照片齐全，已按期验收", None, None, g.checker, decided)  # fmt: skip
            for i, item in enumerate(list(SPOT_FAILURES)[: g.failures]):
                note, title = rng.choice(SPOT_FAILURES[item])
                hid: int | None = None
                if budget > 0:
                    hid = self.hazard("spot_check", decided, None, reporter=g.checker,
                                      drawn=(title, "按要求补齐记录并落实整改"))  # fmt: skip
                    budget -= 1
                self.row("spot_check_finding", t.id, self.ids["spot_check_finding"](),
                         g.spot_check_id, item, None, None, "fail", note, hid,
                         g.order_id if i == 0 else None, g.checker, decided)  # fmt: skip

    # --- dangerous operations ----------------------------------------------------------------
    def dangerous_operations(self, units: list[tuple[int, str]], safety: int) -> None:
        """The permits this tenant reported over the history (all ended), and, for the demo,
        a few under way or starting soon."""
        t, rng, clock = self.t, self.gov_rng, self.clock
        start = clock - timedelta(days=self._history_days())
        numbers: dict[str, int] = {}
        for _ in range(t.operations):
            valid_from = start + timedelta(days=rng.uniform(0, self._history_days() - 4))
            valid_from = _at(valid_from.date(), rng.choice((7.5, 8.0, 8.5, 9.0, 13.0, 13.5)))
            kind = rng.choices(list(OPERATION_WEIGHTS), list(OPERATION_WEIGHTS.values()))[0]
            grade = self._grade(kind, rng)
            hours = self._hours(kind, grade, rng)
            self._operation(units, safety, numbers, kind, grade, valid_from,
                            valid_from + timedelta(hours=hours), "past")  # fmt: skip
        for kind, grade, begin, end, status in t.live_operations:
            self._operation(units, safety, numbers, kind, grade,
                            clock + timedelta(hours=begin), clock + timedelta(hours=end), status)  # fmt: skip

    def _history_days(self) -> int:
        return max(30, (self.clock - self.history_start).days)

    @staticmethod
    def _grade(kind: str, rng: random.Random) -> str | None:
        weights = GRADE_WEIGHTS.get(kind)
        if not weights:
            return None
        return rng.choices(list(weights), list(weights.values()))[0]

    @staticmethod
    def _hours(kind: str, grade: str | None, rng: random.Random) -> float:
        cap = limit_for(kind, grade).hours
        if kind == "hot_work" and grade == "second":
            wanted = rng.choice((8, 10, 24, 24, 48, 72))
        else:
            wanted = rng.choice((2, 3, 4, 4, 6, 8, 8, 10, 12))
        return float(min(cap, wanted))

    def _operation(self, units: list[tuple[int, str]], safety: int, numbers: dict[str, int],
                   kind: str, grade: str | None, valid_from: datetime, valid_to: datetime,
                   phase: str) -> None:  # fmt: skip
        t, rng, clock = self.t, self.gov_rng, self.clock
        assert valid_to - valid_from <= limit_for(kind, grade).span
        assert grade is None or grade in GRADES[kind]
        prefix = f"{PERMIT_PREFIX[kind]}{valid_from:%Y%m%d}"
        numbers[prefix] = numbers.get(prefix, 0) + 1
        permit = f"{prefix}-{numbers[prefix]:02d}"
        unit_id, unit_name = rng.choice(units)
        location = f"{unit_name}{rng.choice(OPERATION_PLACES)}"[:200]
        staff = self.staff_names or [names.person(rng)]
        supervisor = rng.choice(staff)
        operators = "、".join(sorted({names.person(rng) for _ in range(rng.randint(1, 3))}))
        reported = valid_from - timedelta(hours=rng.uniform(1, 30))
        gas = None
        if kind in ("confined_space", "hot_work"):
            tested = valid_from - timedelta(minutes=rng.randint(5, 30))
            gas = json.dumps({
                "o2": f"{rng.uniform(20.2, 21.0):.1f}",
                "flammable": f"{rng.uniform(0, 4):.1f}",
                "toxic": f"H2S {rng.choice((0, 0, 0.5, 1))} mg/m³，CO {rng.randint(0, 8)} mg/m³",
                "tested_at": tested.isoformat(),
                "tester": rng.choice(staff),
            }, ensure_ascii=False)  # fmt: skip
        started = finished = cancelled = None
        reason = ""
        status = phase
        if phase == "past":
            if rng.random() < 0.03:
                status, reason = "cancelled", rng.choice(CANCEL_REASONS)
                cancelled = valid_from - timedelta(minutes=rng.randint(10, 300))
                reported = min(reported, cancelled - timedelta(hours=1))
            else:
                status = "finished"
                started = valid_from + timedelta(minutes=rng.randint(0, 40))
                finished = started + (valid_to - started) * rng.uniform(0.3, 0.95)
        elif phase == "active":
            started = valid_from + timedelta(minutes=rng.randint(0, 20))
            assert started < clock < valid_to
        reported = min(reported, clock - timedelta(hours=1))
        self.row("dangerous_operation", t.id, self.ids["dangerous_operation"](), kind, grade,
                 permit, location, rng.choice(OPERATION_CONTENT[kind]), unit_id,
                 rng.choice(staff), supervisor, operators, t.legal_representative, gas,
                 OPERATION_MEASURES[kind], valid_from, valid_to, status, started, finished,
                 cancelled, reason, safety, reported)  # fmt: skip


def operation_counts(tenants: list[Tenant], seed: int, taicang_total: int,
                     taicang_enterprises: int, minimum: int = 30) -> None:  # fmt: skip
    """Spread the city's dangerous operations over its tenants: Taicang's 2,140 in ten months
    per 6,057 enterprises (at least a few dozen at the small scale), more at large plants and
    in the trades that weld, enter tanks and lift; and the demo's live permits."""
    rng = random.Random(f"{seed}:operation-counts")
    enterprises = sum(1 for t in tenants if t.kind == "enterprise")
    total = max(minimum, round(taicang_total * enterprises / taicang_enterprises))
    busy = {"化工": 2.5, "危险化学品经营": 2.0, "金属制品": 1.8, "机械制造": 1.5, "建筑施工": 2.5,
            "港口装卸": 2.0, "建材": 1.5, "商贸零售": 0.3, "物业管理": 0.6}  # fmt: skip
    size = {"micro": 0.4, "small": 1.0, "medium": 2.5, "large": 5.0}
    weights = [
        (size.get(t.scale, 1.0) * busy.get(t.industry, 1.0) if t.kind == "enterprise" else 0.3)
        * rng.uniform(0.5, 1.5)
        for t in tenants
    ]
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    demo_town = next((t.path.rsplit(".", 1)[0] for t in tenants if t.demo), "")
    for t, n in zip(tenants, counts, strict=True):
        t.operations = n
        if t.demo:
            t.live_operations = list(DEMO_LIVE)
        elif rng.random() < (0.04 if t.path.startswith(demo_town + ".") else 0.005):
            t.live_operations = [rng.choice(DEMO_LIVE)]
