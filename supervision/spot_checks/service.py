"""Rules of online spot checks 线上抽查 (双随机): who may draw, from which population and with
which checkers (sampling.py makes the draw itself), the review of each sampled enterprise's
records, verdicts per item and per enterprise, failures passed on as hazards or supervision
orders, and publication. Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import RowMapping
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import CHINA, today
from anwang.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from anwang.platform.principal import Principal
from anwang.platform.registry.sectors import SECTORS
from anwang.platform.web.labels import KINDS, SITE_TYPES
from anwang.supervision.spot_checks import repository, sampling
from anwang.supervision.spot_checks.models import SpotCheck, SpotCheckFinding, SpotCheckTarget
from anwang.supervision.spot_checks.schemas import (
    Criteria,
    FindingCreate,
    SpotCheckCreate,
    VerdictCreate,
)
from anwang.supervision.vocabulary import (
    SPOT_CHECK_ACTIONS,
    SPOT_CHECK_ITEMS,
    SPOT_CHECK_VERDICTS,
)

TITLE_MAX = 100
NOTE_MAX = 1000
SUMMARY_MAX = 1000
INDUSTRY_MAX = 50
REVIEW_MAX_DAYS = 366
ORDER_DAYS = 15  # default deadline of an order opened from a finding
# Who may be drawn as a checker: staff of the draw's own jurisdiction (see checker_candidates).
GOV_CHECKER_ROLES = ("officer", "enforcement_officer")
SECTOR_CHECKER_ROLES = ("sector_officer",)
# Which record each review item is about.
ITEM_SUBJECTS: dict[str, str | None] = {
    "self_check": "inspection_task",
    "rectification": "hazard",
    "daily_photos": "risk_point",
    "other": None,
}
# What a review looks at when no dates are given: the three whole months before this one.
DEFAULT_REVIEW_MONTHS = 3


def _now() -> datetime:
    return datetime.now(UTC)


def may_draw(p: Principal) -> bool:
    """Officers of a town, district or city bureau, and sector departments' officers."""
    if p.user_id is None or not p.scope:
        return False
    return (p.kind == "gov" and p.role == "officer") or p.kind == "sector"


def _drawer(p: Principal) -> tuple[int, str]:
    if not may_draw(p):
        raise Forbidden("只有应急管理部门或行业主管部门的监管人员可以发起抽查")
    assert p.user_id is not None and p.scope is not None
    return p.user_id, p.scope


def default_review_period(on: date | None = None) -> tuple[date, date]:
    """The three whole months before the month of `on`."""
    d = on or today()
    first_this = d.replace(day=1)
    last = first_this - timedelta(days=1)
    start = first_this
    for _ in range(DEFAULT_REVIEW_MONTHS):
        start = (start - timedelta(days=1)).replace(day=1)
    return start, last


def period_bounds(review_from: date, review_to: date) -> tuple[datetime, datetime]:
    """[start, end) in Beijing time of the days from `review_from` to `review_to`."""
    start = datetime.combine(review_from, time(0), CHINA)
    end = datetime.combine(review_to + timedelta(days=1), time(0), CHINA)
    return start, end


def month_title(p: Principal, on: date | None = None) -> str:
    d = on or today()
    return f"{p.scope_name or '辖区'}{d.year}年{d.month}月双随机抽查"


# --- the population ----------------------------------------------------------------------


async def clean_criteria(db: AsyncSession, p: Principal, c: Criteria) -> dict[str, Any]:
    """The population's filters, checked, as stored in spot_check.criteria."""
    scope = p.scope or ""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    under = (c.under or "").strip()
    if under and under != scope:
        place = await repository.jurisdiction(db, under) if _is_path(under) else None
        if place is None or not under.startswith(scope + "."):
            errors["under"] = "所选区域不存在或不在您的管辖范围内"
        else:
            out["under"] = under
            out["under_name"] = str(place["name"])
    if c.kind:
        if c.kind not in KINDS:
            errors["kind"] = "请选择企业或公共场所"
        else:
            out["kind"] = c.kind
    if c.site_type:
        if c.site_type not in SITE_TYPES:
            errors["site_type"] = "未知的场所类型"
        else:
            out["site_type"] = c.site_type
    industry = (c.industry or "").strip()
    if industry:
        if len(industry) > INDUSTRY_MAX:
            errors["industry"] = f"行业不能超过{INDUSTRY_MAX}个字"
        else:
            out["industry"] = industry
    if p.kind == "sector":
        out["sector"] = p.sector  # a department draws from its own sector only
    elif c.sector:
        if c.sector not in SECTORS:
            errors["sector"] = "未知的行业主管领域"
        else:
            out["sector"] = c.sector
    if c.major_hazards:
        out["major_hazards"] = True
    if errors:
        raise InvalidInput(errors)
    return out


def _is_path(value: str) -> bool:
    from anwang.platform.web.shells import LTREE_PATH

    return LTREE_PATH.fullmatch(value) is not None and len(value) <= 200


async def population(db: AsyncSession, p: Principal, c: Criteria) -> tuple[dict[str, Any], int]:
    """The checked filters and how many enterprises they select (for the live count)."""
    _drawer(p)
    criteria = await clean_criteria(db, p, c)
    return criteria, await repository.population_count(db, criteria)


@dataclass(frozen=True)
class Checker:
    user_id: int
    name: str
    role: str


async def checker_candidates(db: AsyncSession, p: Principal) -> list[Checker]:
    """Who can be drawn as a checker: the officers (and enforcement officers) of the caller's
    own jurisdiction, or the officers of the caller's sector department there. Staff of the
    places below are left out: row-level security would hide the draw and most of its
    enterprises from them."""
    _, scope = _drawer(p)
    if p.kind == "sector":
        rows = await repository.checker_candidates(db, scope, SECTOR_CHECKER_ROLES, p.sector)
    else:
        rows = await repository.checker_candidates(db, scope, GOV_CHECKER_ROLES, None)
    return [Checker(int(r["user_id"]), str(r["name"]), str(r["role"])) for r in rows]


# --- drawing ------------------------------------------------------------------------------


async def draw(db: AsyncSession, p: Principal, data: SpotCheckCreate) -> SpotCheck:
    """Draw the sample and its checkers and record the draw with everything needed to redo it:
    the population's ids in ascending order, the checker pool, the seed and the algorithm."""
    user_id, scope = _drawer(p)
    errors: dict[str, str] = {}
    try:
        criteria = await clean_criteria(db, p, data.criteria)
    except InvalidInput as e:
        errors.update(e.errors)
        criteria = {}
    title = (data.title or "").strip() or month_title(p)
    if len(title) > TITLE_MAX:
        errors["title"] = f"抽查名称不能超过{TITLE_MAX}个字"
    default_from, default_to = default_review_period()
    review_from = data.review_from or default_from
    review_to = data.review_to or default_to
    if review_to < review_from:
        errors["review_to"] = "检查期间的结束日期不能早于开始日期"
    elif (review_to - review_from).days >= REVIEW_MAX_DAYS:
        errors["review_to"] = "检查期间不能超过一年"
    elif review_to > today():
        errors["review_to"] = "检查期间不能晚于今天"
    if data.sample_size is None and data.sample_percent is None:
        errors["sample_size"] = "请填写抽取数量或抽取比例"
    elif data.sample_size is not None and data.sample_percent is not None:
        errors["sample_size"] = "抽取数量和抽取比例只填一项"
    elif data.sample_size is not None and data.sample_size < 1:
        errors["sample_size"] = "抽取数量至少为1"
    elif data.sample_percent is not None and not 0 < data.sample_percent <= 100:
        errors["sample_percent"] = "抽取比例应在0到100之间"
    if data.seed is not None and not 0 <= data.seed <= sampling.MAX_SEED:
        errors["seed"] = "随机种子应为0到2⁶³−1之间的整数"
    candidates = {c.user_id for c in await checker_candidates(db, p)}
    pool = candidates if data.checker_ids is None else set(data.checker_ids)
    if not pool:
        errors["checker_ids"] = "请至少选择一名检查人员"
    elif not pool <= candidates:
        errors["checker_ids"] = "所选检查人员不属于本级监管部门，请重新选择"
    if errors:
        raise InvalidInput(errors)
    ids = await repository.population_ids(db, criteria)
    if not ids:
        raise InvalidInput({"criteria": "所选范围内没有在营企业，请调整抽查范围"})
    try:
        size = sampling.size_for(len(ids), size=data.sample_size, percent=data.sample_percent)
    except ValueError:
        raise InvalidInput(
            {"sample_size": f"抽取数量应在1到{len(ids)}之间（抽查范围内共{len(ids)}家）"}
        ) from None
    if data.sample_percent is not None:
        criteria["sample_percent"] = data.sample_percent
    seed = data.seed if data.seed is not None else sampling.new_seed()
    result = sampling.draw(ids, seed, size, pool)
    place = await repository.jurisdiction(db, scope)
    if place is None:
        raise NotFound("您所在的辖区不存在")
    assert p.role is not None
    sc = SpotCheck(
        title=title,
        gov_body_id=await repository.gov_body_of(db, user_id, scope, p.role),
        jurisdiction_id=int(place["id"]),
        jurisdiction_path=scope,
        sector=p.sector if p.kind == "sector" else None,
        criteria=criteria,
        population_ids=list(result.population),
        checker_pool=list(result.checker_pool),
        sample_size=size,
        seed=seed,
        algorithm=result.algorithm,
        review_from=review_from,
        review_to=review_to,
        drawn_by=user_id,
    )
    targets = [
        SpotCheckTarget(tenant_id=t, spot_check_id=0, position=pos, checker_user_id=c)
        for pos, t, c in result.targets()
    ]
    return await repository.add(db, sc, targets)


# --- reading ------------------------------------------------------------------------------


async def get(db: AsyncSession, spot_check_id: int, *, lock: bool = False) -> SpotCheck:
    sc = await repository.get(db, spot_check_id, lock=lock)
    if sc is None:
        # Also the answer for another jurisdiction's draw: its existence is not disclosed.
        raise NotFound("抽查不存在或您无权查看")
    return sc


async def verify(db: AsyncSession, spot_check_id: int) -> sampling.Verification:
    """Redo the draw from what is stored and compare it with the stored sample."""
    sc = await get(db, spot_check_id)
    stored = await repository.stored_targets(db, spot_check_id)
    return sampling.verify(
        sc.population_ids, sc.seed, sc.sample_size, sc.checker_pool, stored, sc.algorithm
    )


async def get_target(
    db: AsyncSession, sc: SpotCheck, tenant_id: int, *, lock: bool = False
) -> SpotCheckTarget:
    t = await repository.target(db, sc.id or 0, tenant_id, lock=lock)
    if t is None:
        raise NotFound("该企业不在本次抽查名单中")
    return t


def may_record(p: Principal, sc: SpotCheck, t: SpotCheckTarget) -> bool:
    """The checker drawn for the enterprise, or the officer who drew, until publication."""
    return (
        p.kind in ("gov", "sector")
        and p.user_id is not None
        and p.user_id in (t.checker_user_id, sc.drawn_by)
        and sc.status != "published"
    )


def _check_may_record(p: Principal, sc: SpotCheck, t: SpotCheckTarget) -> int:
    if sc.status == "published":
        raise Conflict("抽查结果已公布，不能再修改")
    if not may_record(p, sc, t):
        raise Forbidden("只有抽中的检查人员或发起抽查的人员可以记录检查结论")
    assert p.user_id is not None
    return p.user_id


@dataclass
class Review:
    """One sampled enterprise's records in the review period, for the review page and API."""

    self_checks: list[dict[str, Any]] = field(default_factory=list)
    hazards: list[dict[str, Any]] = field(default_factory=list)
    daily_duties: list[dict[str, Any]] = field(default_factory=list)


def _plain(row: RowMapping) -> dict[str, Any]:
    return dict(row)


async def review(db: AsyncSession, sc: SpotCheck, tenant_id: int) -> Review:
    """The monthly comprehensive self-checks with their results, the hazards with their
    before/after photos, and the daily photo duties of the period."""
    start, end = period_bounds(sc.review_from, sc.review_to)
    out = Review()

    checks = await repository.self_checks(db, tenant_id, start, end)
    check_ids = [int(r["check_id"]) for r in checks if r["check_id"] is not None]
    failed: dict[int, list[dict[str, Any]]] = {}
    for r in await repository.failed_results(db, tenant_id, check_ids):
        failed.setdefault(int(r["check_id"]), []).append(_plain(r))
    check_photos: dict[int, list[int]] = {}
    for a in await repository.photos_of(db, tenant_id, "inspection_check", check_ids):
        check_photos.setdefault(int(a["subject_id"]), []).append(int(a["id"]))
    for r in checks:
        d = _plain(r)
        cid = d["check_id"]
        d["failed_items"] = failed.get(cid, []) if cid else []
        d["photo_ids"] = check_photos.get(cid, []) if cid else []
        out.self_checks.append(d)

    hazards = await repository.hazards(db, tenant_id, start, end)
    hazard_photos: dict[int, dict[str, list[int]]] = {}
    for a in await repository.photos_of(db, tenant_id, "hazard", [int(h["id"]) for h in hazards]):
        role = "after" if a["subject_role"] == "after" else "before"
        hazard_photos.setdefault(int(a["subject_id"]), {}).setdefault(role, []).append(int(a["id"]))
    for h in hazards:
        d = _plain(h)
        photos = hazard_photos.get(int(h["id"]), {})
        d["before_photo_ids"] = photos.get("before", [])
        d["after_photo_ids"] = photos.get("after", [])
        out.hazards.append(d)

    points = await repository.daily_duties(db, tenant_id)
    point_ids = [int(r["id"]) for r in points]
    tasks: dict[int, dict[str, int]] = {}
    for r in await repository.duty_tasks(db, tenant_id, point_ids, start, end):
        tasks.setdefault(int(r["risk_point_id"]), {})[str(r["status"])] = int(r["n"])
    photos_by_point: dict[int, list[RowMapping]] = {}
    for r in await repository.duty_photos(db, tenant_id, point_ids, start, end):
        photos_by_point.setdefault(int(r["risk_point_id"]), []).append(r)
    days = (sc.review_to - sc.review_from).days + 1
    for r in points:
        d = _plain(r)
        pid = int(r["id"])
        shots = photos_by_point.get(pid, [])
        d["tasks"] = tasks.get(pid, {})
        d["days"] = days
        d["days_with_photos"] = len({s["day"] for s in shots})
        d["photo_count"] = len(shots)
        d["photo_ids"] = [int(s["id"]) for s in shots[: repository.MAX_DUTY_PHOTOS]]
        out.daily_duties.append(d)
    return out


# --- verdicts -------------------------------------------------------------------------------


def _text(errors: dict[str, str], name: str, value: str | None, label: str, limit: int) -> str:
    v = (value or "").strip()
    if len(v) > limit:
        errors[name] = f"{label}不能超过{limit}个字"
    return v


async def record_finding(
    db: AsyncSession, p: Principal, spot_check_id: int, tenant_id: int, data: FindingCreate
) -> SpotCheckFinding:
    """A verdict on one reviewed record (replacing an earlier one on the same record). A
    failure may open a hazard in the enterprise's own loop or issue a supervision order; once
    it has, the verdict stays as it is."""
    sc = await get(db, spot_check_id, lock=True)
    t = await get_target(db, sc, tenant_id, lock=True)
    user_id = _check_may_record(p, sc, t)
    errors: dict[str, str] = {}
    if data.item not in SPOT_CHECK_ITEMS:
        errors["item"] = "未知的检查项目"
    if data.verdict not in SPOT_CHECK_VERDICTS:
        errors["verdict"] = "请选择“合格”或“不合格”"
    if data.action not in SPOT_CHECK_ACTIONS:
        errors["action"] = "未知的处理方式"
    note = _text(errors, "note", data.note, "检查意见", NOTE_MAX)
    if data.verdict == "fail" and not note and "note" not in errors:
        errors["note"] = "不合格时请写明问题"
    if data.verdict == "pass" and data.action != "none":
        errors["action"] = "合格的项目不需要开具隐患或督办"
    subject_table = ITEM_SUBJECTS.get(data.item)
    subject_id = data.subject_id if subject_table else None
    if subject_table and "item" not in errors:
        if subject_id is None:
            errors["subject_id"] = "请指明所检查的记录"
        elif not await repository.subject_exists(db, subject_table, tenant_id, subject_id):
            errors["subject_id"] = "所检查的记录不存在或不属于该企业"
    if data.action == "order" and data.verdict == "fail":
        if data.deadline is None:
            errors["deadline"] = "请选择督办整改期限"
        elif data.deadline <= today():
            errors["deadline"] = "督办整改期限应晚于今天"
    if errors:
        raise InvalidInput(errors)

    finding = await repository.finding_for(
        db, spot_check_id, tenant_id, data.item, subject_table, subject_id
    )
    if finding is not None and (finding.hazard_id or finding.order_id):
        raise Conflict("该项已开具隐患或督办，检查结论不能再修改")
    if finding is None:
        finding = SpotCheckFinding(
            tenant_id=tenant_id,
            spot_check_id=spot_check_id,
            item=data.item,
            subject_table=subject_table,
            subject_id=subject_id,
            verdict=data.verdict,
            decided_by=user_id,
        )
    finding.verdict = data.verdict
    finding.note = note
    finding.decided_by = user_id
    finding.decided_at = _now()
    if data.verdict == "fail" and data.action == "hazard":
        finding.hazard_id = await _open_hazard(db, p, sc, tenant_id, data, note, subject_id)
    elif data.verdict == "fail" and data.action == "order":
        finding.order_id = await _issue_order(db, p, sc, tenant_id, data, note, subject_id)
    await repository.save(db, finding)
    await db.refresh(finding)
    return finding


async def _default_title(
    db: AsyncSession, tenant_id: int, item: str, subject_id: int | None, title: str
) -> tuple[str, int | None]:
    """The title of the hazard or order a failure opens, and the risk point it concerns."""
    risk_point_id = subject_id if item == "daily_photos" else None
    if title.strip():
        return title.strip()[:TITLE_MAX], risk_point_id
    if item == "rectification" and subject_id is not None:
        h = await repository.hazard_facts(db, tenant_id, subject_id)
        if h is not None:
            risk_point_id = h["risk_point_id"]
            return f"隐患“{h['title']}”整改不到位"[:TITLE_MAX], risk_point_id
    return f"线上抽查：{SPOT_CHECK_ITEMS[item]}不符合要求", risk_point_id


async def _open_hazard(
    db: AsyncSession,
    p: Principal,
    sc: SpotCheck,
    tenant_id: int,
    data: FindingCreate,
    note: str,
    subject_id: int | None,
) -> int:
    from anwang.supervision.findings import open_hazard

    title, risk_point_id = await _default_title(db, tenant_id, data.item, subject_id, data.title)
    hazard = await open_hazard(
        db,
        p,
        tenant_id=tenant_id,
        source="spot_check",
        title=title,
        description=f"{sc.title}：{note}",
        risk_point_id=risk_point_id,
    )
    assert hazard.id is not None
    return hazard.id


async def _issue_order(
    db: AsyncSession,
    p: Principal,
    sc: SpotCheck,
    tenant_id: int,
    data: FindingCreate,
    note: str,
    subject_id: int | None,
) -> int:
    from anwang.supervision.orders import service as orders
    from anwang.supervision.orders.schemas import OrderCreate

    title, _ = await _default_title(db, tenant_id, data.item, subject_id, data.title)
    hazard_id = subject_id if data.item == "rectification" else None
    assert data.deadline is not None
    order = await orders.issue(
        db,
        p,
        OrderCreate(
            subject="hazard" if hazard_id else "enterprise",
            title=title,
            requirement=(data.requirement or "").strip() or f"{sc.title}发现：{note}",
            deadline=data.deadline,
            tenant_id=tenant_id,
            hazard_id=hazard_id,
        ),
    )
    assert order.id is not None
    return int(order.id)


async def record_verdict(
    db: AsyncSession, p: Principal, spot_check_id: int, tenant_id: int, data: VerdictCreate
) -> SpotCheckTarget:
    """The overall verdict on one enterprise; the last one marks the draw done."""
    sc = await get(db, spot_check_id, lock=True)
    t = await get_target(db, sc, tenant_id, lock=True)
    _check_may_record(p, sc, t)
    errors: dict[str, str] = {}
    if data.verdict not in SPOT_CHECK_VERDICTS:
        errors["verdict"] = "请选择“合格”或“不合格”"
    summary = _text(errors, "summary", data.summary, "总体意见", SUMMARY_MAX)
    if data.verdict == "fail" and not summary and "summary" not in errors:
        errors["summary"] = "不合格时请写明主要问题"
    if errors:
        raise InvalidInput(errors)
    t.verdict = data.verdict
    t.summary = summary
    t.reviewed_at = _now()
    await repository.save(db, t)
    if sc.status == "reviewing" and await repository.open_targets(db, spot_check_id) == 0:
        sc.status = "done"
        sc.finished_at = _now()
        await repository.save(db, sc)
    return t


async def publish(db: AsyncSession, p: Principal, spot_check_id: int) -> SpotCheck:
    """Publish the results once every sampled enterprise has its verdict; only the officer
    who drew may, and a published draw does not change any more."""
    sc = await get(db, spot_check_id, lock=True)
    if p.user_id is None or p.user_id != sc.drawn_by:
        raise Forbidden("只有发起抽查的人员可以公布结果")
    if sc.status == "published":
        raise Conflict("抽查结果已经公布")
    if sc.status != "done":
        left = await repository.open_targets(db, spot_check_id)
        raise Conflict(f"还有{left}家企业没有检查结论，全部完成后才能公布")
    sc.status = "published"
    sc.published_at = _now()
    sc.published_by = p.user_id
    await repository.save(db, sc)
    return sc


# --- the enterprise's view ----------------------------------------------------------------


async def mine(db: AsyncSession, p: Principal) -> list[dict[str, Any]]:
    """The published results about the calling enterprise, newest first, with the verdicts
    on its records."""
    if p.kind != "enterprise" or p.tenant_id is None:
        raise Forbidden("只有企业用户可以查看本企业的抽查结果")
    results = [dict(r) for r in await repository.my_results(db)]
    by_draw: dict[int, list[dict[str, Any]]] = {}
    for f in await repository.my_findings(db, [r["spot_check_id"] for r in results]):
        by_draw.setdefault(int(f["spot_check_id"]), []).append(dict(f))
    for r in results:
        r["findings"] = by_draw.get(r["spot_check_id"], [])
    return results
