"""Rules of risk points 风险点: what a valid point is, who may change it, assessment with the
thresholds in force, and graded control 分级管控. Flushes, never commits.

Values from the vocabulary may be given as codes ('machinery') or as their Chinese names
('机械伤害'); the Excel import and the pages rely on that."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import DomainError, Forbidden, NotFound
from anwang.platform.principal import Principal
from anwang.tenants import vocabulary as V
from anwang.tenants.org import access
from anwang.tenants.org.repository import unit_choices
from anwang.tenants.risk import grading, repository
from anwang.tenants.risk.models import ControlMeasure, RiskAssessment, RiskPoint, TenantGradingRule
from anwang.tenants.risk.schemas import (
    AssessmentIn,
    AssessmentRead,
    MeasureIn,
    MeasureRead,
    RiskPointCreate,
    RiskPointRead,
    RiskPointUpdate,
)

# Tenant roles that may set the tenant's grading thresholds.
RULE_EDITORS = frozenset({"boss", "safety_manager"})
MAX_MEASURES = 50
MAJOR_NEEDS_LEADER = "重大风险须由公司负责人挂牌管控，请填写挂牌负责人的姓名和职务"

FIELD_NAMES: dict[str, str] = {
    "org_unit_id": "所属单位",
    "name": "风险点名称",
    "kind": "风险点类型",
    "location": "位置",
    "hazard_factors": "危险有害因素",
    "accident_types": "可能导致的事故类型",
    "inspection_frequency": "检查频次",
    "responsible_user_id": "责任人",
    "responsible_name": "责任人",
    "measures": "管控措施",
    "control_level": "管控层级",
    "control_unit_id": "管控单位",
    "control_leader": "挂牌负责人",
    "emergency_phone": "应急电话",
    "status": "状态",
}


class Invalid(DomainError):
    """Several fields to fix at once: `errors` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = dict(errors)


def code_of(vocab: Mapping[str, str], value: Any) -> str | None:
    """The code of a vocabulary value given as its code or its Chinese name."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    if v in vocab:
        return v
    for code, name in vocab.items():
        if v == name:
            return code
    return None


def codes_of(
    vocab: Mapping[str, str], values: Iterable[Any], label: str
) -> tuple[list[str], str | None]:
    """Codes of several values, in the vocabulary's order, without repeats; or an error."""
    found: set[str] = set()
    for value in values:
        code = code_of(vocab, value)
        if code is None:
            return [], f"{label}“{value}”不在列表中，可选：{'、'.join(vocab.values())}"
        found.add(code)
    return [c for c in vocab if c in found], None


@dataclass
class PointFields:
    """A point's own fields after checking: codes, trimmed text."""

    name: str
    kind: str
    location: str
    hazard_factors: list[str]
    accident_types: list[str]
    inspection_frequency: str
    responsible_name: str
    measures: list[MeasureIn]


def check_fields(
    values: Mapping[str, Any], *, partial: bool = False
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every field's check, all at once: (clean values, {field: message}).

    With `partial`, only the fields present are checked (an update)."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def present(name: str) -> bool:
        return name in values and values[name] is not None

    if present("name") or not partial:
        name = str(values.get("name") or "").strip()
        if not name:
            errors["name"] = "请填写风险点名称"
        elif len(name) > 100:
            errors["name"] = "风险点名称不能超过100个字"
        clean["name"] = name
    if present("kind") or not partial:
        kind = code_of(V.RISK_POINT_KINDS, values.get("kind"))
        if kind is None:
            errors["kind"] = "请选择风险点类型：" + "、".join(V.RISK_POINT_KINDS.values())
        clean["kind"] = kind
    if present("location"):
        location = str(values.get("location") or "").strip()
        if len(location) > 200:
            errors["location"] = "位置不能超过200个字"
        clean["location"] = location
    for field, vocab, label in (
        ("hazard_factors", V.HAZARD_FACTORS, "危险有害因素"),
        ("accident_types", V.ACCIDENT_TYPES, "事故类型"),
    ):
        if present(field):
            codes, problem = codes_of(vocab, values.get(field) or [], label)
            if problem:
                errors[field] = problem
            clean[field] = codes
    if present("inspection_frequency") or not partial:
        freq = code_of(V.FREQUENCIES, values.get("inspection_frequency"))
        if freq is None:
            errors["inspection_frequency"] = "请选择检查频次：" + "、".join(V.FREQUENCIES.values())
        clean["inspection_frequency"] = freq
    if present("responsible_name"):
        who = str(values.get("responsible_name") or "").strip()
        if len(who) > 50:
            errors["responsible_name"] = "责任人姓名不能超过50个字"
        clean["responsible_name"] = who
    if present("control_leader"):
        leader = str(values.get("control_leader") or "").strip()
        if len(leader) > 50:
            errors["control_leader"] = "挂牌负责人不能超过50个字"
        clean["control_leader"] = leader
    if present("emergency_phone"):
        phone = str(values.get("emergency_phone") or "").strip()
        if len(phone) > 50:
            errors["emergency_phone"] = "应急电话不能超过50个字"
        clean["emergency_phone"] = phone
    if present("control_level"):
        level = code_of(V.CONTROL_LEVELS, values.get("control_level"))
        if level is None:
            errors["control_level"] = "管控层级只能是：" + "、".join(V.CONTROL_LEVELS.values())
        clean["control_level"] = level
    if present("status"):
        status = values.get("status")
        if status not in ("active", "retired"):
            errors["status"] = "状态只能是 active（在用）或 retired（停用）"
        clean["status"] = status
    if present("measures"):
        measures: list[MeasureIn] = []
        raw = values.get("measures") or []
        if len(raw) > MAX_MEASURES:
            errors["measures"] = f"管控措施最多{MAX_MEASURES}条"
        for i, m in enumerate(raw, start=1):
            m = m if isinstance(m, MeasureIn) else MeasureIn.model_validate(m)
            kind = code_of(V.CONTROL_MEASURE_KINDS, m.kind)
            content = m.content.strip()
            if kind is None:
                errors.setdefault(
                    "measures",
                    f"第{i}条管控措施的类别“{m.kind}”不在列表中，可选："
                    + "、".join(V.CONTROL_MEASURE_KINDS.values()),
                )
            elif not content:
                errors.setdefault("measures", f"第{i}条管控措施没有内容")
            elif len(content) > 500:
                errors.setdefault("measures", f"第{i}条管控措施不能超过500个字")
            else:
                measures.append(MeasureIn(id=m.id, kind=kind, content=content))
        clean["measures"] = measures
    return clean, errors


# --- reading ---------------------------------------------------------------------------


async def get_point(db: AsyncSession, point_id: int) -> RiskPoint:
    point = await repository.get_point(db, point_id)
    if point is None:
        # Also the answer for another tenant's point: its existence is not disclosed.
        raise NotFound("风险点不存在或您无权查看")
    return point


def measure_read(m: ControlMeasure) -> MeasureRead:
    return MeasureRead(
        id=int(m.id or 0),
        kind=m.kind,
        kind_name=V.CONTROL_MEASURE_KINDS.get(m.kind, m.kind),
        content=m.content,
        sort=m.sort,
    )


def point_read(
    point: RiskPoint, measures: Sequence[ControlMeasure], labels: Mapping[int, str]
) -> RiskPointRead:
    level = point.level
    return RiskPointRead(
        id=int(point.id or 0),
        org_unit_id=point.org_unit_id,
        org_unit_label=labels.get(point.org_unit_id, ""),
        name=point.name,
        kind=point.kind,
        kind_name=V.RISK_POINT_KINDS.get(point.kind, point.kind),
        location=point.location,
        hazard_factors=list(point.hazard_factors),
        accident_types=list(point.accident_types),
        inspection_frequency=point.inspection_frequency,
        frequency_name=V.FREQUENCIES.get(point.inspection_frequency, point.inspection_frequency),
        responsible_user_id=point.responsible_user_id,
        responsible_name=point.responsible_name,
        method=point.method,
        score=point.score,
        level=level,
        level_name=V.LEVELS.get(level or "", "未评价"),
        colour=V.LEVEL_COLOURS.get(level or ""),
        major_criterion=point.major_criterion,
        control_level=point.control_level,
        control_level_name=V.CONTROL_LEVELS.get(point.control_level or "", ""),
        control_level_overridden=point.control_level_overridden,
        control_unit_id=point.control_unit_id,
        control_unit_label=labels.get(point.control_unit_id or 0, ""),
        control_leader=point.control_leader,
        emergency_phone=point.emergency_phone,
        qr_token=point.qr_token,
        qr_url=f"/q/{point.qr_token}" if point.qr_token else "",
        card_url=f"/enterprise/risks/{point.id}/card.pdf",
        status=point.status,
        created_at=point.created_at,
        updated_at=point.updated_at,
        measures=[measure_read(m) for m in measures],
    )


async def read_point(db: AsyncSession, point_id: int) -> RiskPointRead:
    point = await get_point(db, point_id)
    measures = await repository.measures_of(db, [point_id])
    labels = dict(await unit_choices(db))
    return point_read(point, measures[point_id], labels)


async def read_points(db: AsyncSession, points: Sequence[RiskPoint]) -> list[RiskPointRead]:
    ids = [int(p.id or 0) for p in points]
    measures = await repository.measures_of(db, ids)
    labels = dict(await unit_choices(db))
    return [point_read(p, measures[int(p.id or 0)], labels) for p in points]


async def colour_counts(db: AsyncSession, f: repository.PointFilter) -> dict[str, int]:
    by_level = await repository.level_counts(db, f)
    counts = {V.LEVEL_COLOURS[k]: by_level.get(k, 0) for k in V.LEVELS}
    counts["unassessed"] = by_level.get(None, 0)
    return counts


async def read_assessments(db: AsyncSession, point_id: int) -> list[AssessmentRead]:
    await get_point(db, point_id)
    rows = await repository.assessments_of(db, point_id)
    names = await repository.display_names(
        db, sorted({r.assessed_by for r in rows if r.assessed_by is not None})
    )
    return [
        AssessmentRead(
            id=int(r.id or 0),
            risk_point_id=r.risk_point_id,
            method=r.method,
            method_name=V.ASSESSMENT_METHODS.get(r.method, r.method),
            l=r.l,
            e=r.e,
            c=r.c,
            s=r.s,
            score=r.score,
            level=r.level,
            level_name=V.LEVELS[r.level],
            colour=V.LEVEL_COLOURS[r.level],
            major_criterion=r.major_criterion,
            thresholds=r.thresholds,
            note=r.note,
            assessed_by=r.assessed_by,
            assessed_by_name=names.get(r.assessed_by or 0, ""),
            assessed_at=r.assessed_at,
        )
        for r in rows
    ]


# --- grading thresholds ----------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveRule:
    method: str
    thresholds: dict[str, Decimal]
    source: str  # tenant | region | default
    region: str


def _stored(thresholds: Mapping[str, Decimal]) -> dict[str, int | float]:
    return {k: int(v) if v == v.to_integral_value() else float(v) for k, v in thresholds.items()}


def _decimals(stored: Mapping[str, Any]) -> dict[str, Decimal]:
    return {k: Decimal(str(stored[k])) for k in grading.THRESHOLD_KEYS}


async def effective_rule(db: AsyncSession, p: Principal, method: str) -> EffectiveRule:
    """The tenant's own thresholds, else its province's ('32' for Jiangsu), else the
    national default row, else the defaults of MISSION.md."""
    if method not in grading.SCORED_METHODS:
        raise DomainError("只有LEC法和LS法有分级阈值", field="method")
    region = grading.region_of(await repository.tenant_jurisdiction_path(db, int(p.tenant_id or 0)))
    own = await repository.tenant_rule(db, method)
    if own is not None:
        return EffectiveRule(method, _decimals(own.thresholds), "tenant", region)
    for key, source in ((region, "region"), ("default", "default")):
        row = await repository.region_rule(db, key, method)
        if row is not None:
            return EffectiveRule(method, _decimals(row.thresholds), source, region)
    return EffectiveRule(method, dict(grading.DEFAULT_THRESHOLDS[method]), "default", region)


async def set_tenant_rule(
    db: AsyncSession, p: Principal, method: str, thresholds: Mapping[str, Any] | None
) -> EffectiveRule:
    """Set (or with None, remove) the tenant's own thresholds. Existing points keep their
    level until they are reassessed: a level is a judgement made with the rule of its day."""
    if p.role not in RULE_EDITORS:
        raise Forbidden("只有主要负责人和安全管理员可以修改风险分级阈值")
    if method not in grading.SCORED_METHODS:
        raise DomainError("只有LEC法和LS法可以设置分级阈值", field="method")
    if thresholds is None:
        await repository.delete_tenant_rule(db, method)
    else:
        clean = grading.validate_thresholds(method, thresholds)
        row = await repository.tenant_rule(db, method)
        if row is None:
            row = TenantGradingRule(tenant_id=int(p.tenant_id or 0), method=method, thresholds={})
        row.thresholds = _stored(clean)
        db.add(row)
    await db.flush()
    return await effective_rule(db, p, method)


# --- graded control --------------------------------------------------------------------

# The unit kinds that hold a control level, nearest first from the point's unit.
_CONTROL_KINDS = {
    "company": ("company",),
    "department": ("department",),
    "workshop": ("workshop", "team"),
    "post": ("post",),
}


async def default_control_unit(db: AsyncSession, org_unit_id: int, control_level: str) -> int:
    """The unit that controls a point at `control_level` by default: the nearest unit of that
    kind at or above the point's unit (the company for company level); the point's own unit
    when its branch of the tree has no such level."""
    chain = await repository.ancestors(db, org_unit_id)
    if control_level == "company" and chain:
        return int(chain[-1].id or org_unit_id)
    for unit in chain:
        if unit.kind in _CONTROL_KINDS[control_level]:
            return int(unit.id or org_unit_id)
    return org_unit_id


async def _apply_control(db: AsyncSession, point: RiskPoint) -> None:
    """Graded control: the level's default control level and unit unless overridden; an
    overridden level keeps the unit chosen for it (or that level's default unit)."""
    if not point.control_level_overridden:
        point.control_level = V.DEFAULT_CONTROL_LEVEL.get(point.level or "")
        point.control_unit_id = None
    if point.control_level is None:
        point.control_unit_id = None
    elif point.control_unit_id is None:
        point.control_unit_id = await default_control_unit(
            db, point.org_unit_id, point.control_level
        )
    if point.level == "major" and not point.control_leader.strip():
        raise Invalid({"control_leader": MAJOR_NEEDS_LEADER})


# --- writing ---------------------------------------------------------------------------


async def _check_unit(db: AsyncSession, p: Principal, unit_id: int, field: str) -> None:
    if await repository.get_unit(db, unit_id) is None:
        raise Invalid({field: "所选单位不存在"})
    if field == "org_unit_id":
        await access.require_manager(db, p, unit_id)


async def _check_responsible(db: AsyncSession, user_id: int | None) -> None:
    if user_id is not None and not await repository.is_member(db, user_id):
        raise Invalid({"responsible_user_id": "责任人须为本企业的账号"})


async def _save_measures(db: AsyncSession, point: RiskPoint, measures: Sequence[MeasureIn]) -> None:
    pid = int(point.id or 0)
    existing = {int(m.id or 0): m for m in (await repository.measures_of(db, [pid]))[pid]}
    keep = [m.id for m in measures if m.id is not None]
    unknown = [i for i in keep if i not in existing]
    if unknown:
        raise Invalid({"measures": f"管控措施 {unknown[0]} 不属于该风险点"})
    await repository.delete_measures(db, pid, keep)
    for sort, m in enumerate(measures):
        row = existing[m.id] if m.id is not None else None
        if row is None:
            row = ControlMeasure(tenant_id=point.tenant_id, risk_point_id=pid, kind="", content="")
        row.kind, row.content, row.sort = m.kind, m.content, sort
        db.add(row)


def _result(data: AssessmentIn, rule: EffectiveRule | None) -> grading.Assessment:
    inputs = {"l": data.l, "e": data.e, "c": data.c, "s": data.s}
    try:
        return grading.assess(
            data.method,
            inputs,
            rule.thresholds if rule else None,
            major_criterion=data.major_criterion,
        )
    except Invalid:
        raise
    except DomainError as e:
        raise Invalid({f"assessment.{e.field or 'method'}": e.message}) from e


async def _record(
    db: AsyncSession, p: Principal, point: RiskPoint, data: AssessmentIn, rule: EffectiveRule | None
) -> RiskAssessment:
    result = _result(data, rule)
    row = RiskAssessment(
        tenant_id=point.tenant_id,
        risk_point_id=int(point.id or 0),
        method=result.method,
        l=Decimal(str(data.l)) if result.method != "direct" and data.l is not None else None,
        e=Decimal(str(data.e)) if result.method == "lec" else None,
        c=Decimal(str(data.c)) if result.method == "lec" else None,
        s=Decimal(str(data.s)) if result.method == "ls" else None,
        score=result.score,
        level=result.level,
        major_criterion=result.major_criterion,
        thresholds=(
            {**_stored(result.thresholds), "source": rule.source if rule else "default"}
            if result.thresholds
            else None
        ),
        note=data.note.strip(),
        assessed_by=p.user_id,
    )
    point.method, point.score, point.level = result.method, result.score, result.level
    point.major_criterion = result.major_criterion
    db.add(row)
    return row


async def _rule_for(db: AsyncSession, p: Principal, method: str) -> EffectiveRule | None:
    return await effective_rule(db, p, method) if method in grading.SCORED_METHODS else None


async def create_point(db: AsyncSession, p: Principal, data: RiskPointCreate) -> RiskPoint:
    """A new risk point with its measures, and its first assessment when one is given."""
    values = data.model_dump(exclude={"measures", "assessment"})
    values["measures"] = data.measures
    clean, errors = check_fields(values)
    if data.assessment is not None:
        try:
            result = _result(data.assessment, await _rule_for(db, p, data.assessment.method))
        except Invalid as e:
            errors.update(e.errors)
        else:
            leader = data.assessment.control_leader
            leader = (leader if leader is not None else data.control_leader).strip()
            if result.level == "major" and not leader:
                errors["control_leader"] = MAJOR_NEEDS_LEADER
    if errors:
        raise Invalid(errors)
    await _check_unit(db, p, data.org_unit_id, "org_unit_id")
    if data.control_unit_id is not None:
        await _check_unit(db, p, data.control_unit_id, "control_unit_id")
    await _check_responsible(db, data.responsible_user_id)
    point = RiskPoint(
        tenant_id=int(p.tenant_id or 0),
        org_unit_id=data.org_unit_id,
        name=clean["name"],
        kind=clean["kind"],
        location=clean.get("location", ""),
        hazard_factors=clean.get("hazard_factors", []),
        accident_types=clean.get("accident_types", []),
        inspection_frequency=clean["inspection_frequency"],
        responsible_user_id=data.responsible_user_id,
        responsible_name=clean.get("responsible_name", ""),
        control_level=clean.get("control_level"),
        control_level_overridden=clean.get("control_level") is not None,
        control_unit_id=data.control_unit_id,
        control_leader=clean.get("control_leader", ""),
        emergency_phone=clean.get("emergency_phone", ""),
    )
    if data.assessment is not None and data.assessment.control_leader is not None:
        point.control_leader = data.assessment.control_leader.strip()
    db.add(point)
    await db.flush()
    await _save_measures(db, point, clean["measures"])
    if data.assessment is not None:
        await _record(db, p, point, data.assessment, await _rule_for(db, p, data.assessment.method))
    await _apply_control(db, point)
    db.add(point)
    await db.flush()
    await db.refresh(point)
    return point


async def update_point(
    db: AsyncSession, p: Principal, point_id: int, data: RiskPointUpdate
) -> RiskPoint:
    point = await get_point(db, point_id)
    await access.require_manager(db, p, point.org_unit_id)
    sent = data.model_dump(exclude_unset=True)
    if "measures" in sent:
        sent["measures"] = data.measures
    clean, errors = check_fields(sent, partial=True)
    if errors:
        raise Invalid(errors)
    if data.org_unit_id is not None and data.org_unit_id != point.org_unit_id:
        await _check_unit(db, p, data.org_unit_id, "org_unit_id")
        point.org_unit_id = data.org_unit_id
    if data.control_unit_id is not None:
        await _check_unit(db, p, data.control_unit_id, "control_unit_id")
        point.control_unit_id = data.control_unit_id
    if "responsible_user_id" in sent:
        await _check_responsible(db, data.responsible_user_id)
        point.responsible_user_id = data.responsible_user_id
    for field in (
        "name",
        "kind",
        "location",
        "hazard_factors",
        "accident_types",
        "inspection_frequency",
        "responsible_name",
        "control_leader",
        "emergency_phone",
        "status",
    ):
        if field in clean:
            setattr(point, field, clean[field])
    if clean.get("control_level") is not None:
        if data.control_unit_id is None and (
            "control_unit_id" in sent or clean["control_level"] != point.control_level
        ):
            point.control_unit_id = None  # that level's default unit unless one is given
        point.control_level = clean["control_level"]
        point.control_level_overridden = True
    if data.control_level_overridden is False:
        point.control_level_overridden = False
        if data.control_unit_id is None:
            point.control_unit_id = None
    if "measures" in clean:
        await _save_measures(db, point, clean["measures"])
    await _apply_control(db, point)
    await _touch(db, point)
    return point


async def assess_point(
    db: AsyncSession, p: Principal, point_id: int, data: AssessmentIn
) -> RiskAssessment:
    """A (re)assessment: appends to the history and updates the point's current level and,
    unless overridden, its control level."""
    point = await get_point(db, point_id)
    await access.require_manager(db, p, point.org_unit_id)
    if point.status != "active":
        raise DomainError("该风险点已停用，不能再评价")
    if data.control_leader is not None:
        point.control_leader = data.control_leader.strip()
    row = await _record(db, p, point, data, await _rule_for(db, p, data.method))
    # A new level brings its own default unit unless the control level was overridden.
    await _apply_control(db, point)
    await _touch(db, point)
    await db.refresh(row)
    return row


async def _touch(db: AsyncSession, point: RiskPoint) -> None:
    db.add(point)
    await db.flush()
    await db.execute(
        text("update risk_point set updated_at = now() where id = :i"), {"i": point.id}
    )
    await db.refresh(point)


async def units_for_card(db: AsyncSession, org_unit_id: int) -> list[RiskPoint]:
    """The active points of a unit and its subtree, for one notice card."""
    if await repository.get_unit(db, org_unit_id) is None:
        raise NotFound("单位不存在或您无权查看")
    _, points = await repository.list_points(
        db, repository.PointFilter(org_unit_id=org_unit_id), limit=500
    )
    return points


# --- the post risk notice card 岗位风险告知卡 --------------------------------------------

PUBLIC_PHONES = (("火警", "119"), ("急救", "120"), ("报警", "110"))


async def card_context(
    db: AsyncSession, p: Principal, points: Sequence[RiskPoint], base_url: str, title: str
) -> dict[str, Any]:
    """What reports/templates/risk_card.html needs for one point or a unit's points."""
    reads = await read_points(db, points)
    levels = [r.level for r in reads if r.level]
    top = min(levels, key=grading.LEVEL_ORDER.index) if levels else None
    own_phones = sorted({r.emergency_phone for r in reads if r.emergency_phone})
    if not own_phones:
        own_phones = await repository.safety_department_phones(db)
    cards = []
    for r in reads:
        by_kind = {
            k: [m.content for m in r.measures if m.kind == k] for k in V.CONTROL_MEASURE_KINDS
        }
        cards.append(
            {
                "point": r,
                "hazard_factors": [V.HAZARD_FACTORS.get(c, c) for c in r.hazard_factors],
                "accident_types": [V.ACCIDENT_TYPES.get(c, c) for c in r.accident_types],
                "measures": [
                    (V.CONTROL_MEASURE_KINDS[k], items)
                    for k, items in by_kind.items()
                    if items and k != "emergency"
                ],
                "emergency": by_kind["emergency"],
                "qr_url": f"{base_url.rstrip('/')}/q/{r.qr_token}",
            }
        )
    return {
        "title": title,
        "enterprise": await repository.tenant_name(db, int(p.tenant_id or 0)),
        "cards": cards,
        "top_level": top,
        "top_colour": V.LEVEL_COLOURS.get(top or "", "none"),
        "levels": V.LEVELS,
        "colours": V.LEVEL_COLOURS,
        "public_phones": PUBLIC_PHONES,
        "own_phones": own_phones,
    }
