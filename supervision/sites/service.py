"""Rules of the sector department's fixed sites 联管联处: registering a site of its own sector in
its jurisdiction, and giving a site its risk points (level judged directly, or assessed by LEC,
LS or a major-hazard situation) and reassessing them. The fields and the grading are the
enterprise risk service's own rules (anwang.tenants.risk): only who acts differs — a sector
principal, for a site of its sector, where the enterprise service acts for its own tenant.
Flushes, never commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import DomainError, Forbidden, NotFound
from anwang.platform.principal import Principal
from anwang.platform.registry import service as registry
from anwang.platform.registry.models import Enterprise
from anwang.platform.registry.schemas import EnterpriseCreate
from anwang.platform.web.labels import SITE_TYPES
from anwang.supervision import vocabulary as SV
from anwang.supervision.sites import repository
from anwang.supervision.sites.schemas import LevelCounts, SiteCreate, SitePointCreate, SiteRead
from anwang.tenants import vocabulary as V
from anwang.tenants.org.models import OrgUnit
from anwang.tenants.risk import grading
from anwang.tenants.risk import repository as risk_repository
from anwang.tenants.risk import service as risk
from anwang.tenants.risk.models import ControlMeasure, RiskAssessment, RiskPoint
from anwang.tenants.risk.schemas import AssessmentIn, RiskPointRead

Invalid = risk.Invalid
NOT_FOUND = "场所不存在或您无权查看"


def sector_of(p: Principal) -> str:
    if p.kind != "sector" or not p.sector or not p.scope:
        raise Forbidden("只有行业主管部门可以登记和管理场所")
    return p.sector


def site_types(sector: str | None) -> dict[str, str]:
    """The site types a sector department registers (education: schools …)."""
    return {t: SITE_TYPES[t] for t, s in SV.SITE_TYPE_SECTORS.items() if s == sector}


def site_read(row: RowMapping) -> SiteRead:
    counts = LevelCounts(
        red=int(row["red"]),
        orange=int(row["orange"]),
        yellow=int(row["yellow"]),
        blue=int(row["blue"]),
        unassessed=int(row["unassessed"]),
    )
    top = next(
        (
            lvl
            for lvl, n in zip(
                V.LEVELS, (counts.red, counts.orange, counts.yellow, counts.blue), strict=True
            )
            if n
        ),
        None,
    )
    return SiteRead(
        id=int(row["id"]),
        kind=str(row["kind"]),
        name=str(row["name"]),
        site_type=row["site_type"],
        site_type_name=SITE_TYPES.get(row["site_type"] or "", "企业"),
        credit_code=str(row["credit_code"]),
        address=str(row["address"]),
        legal_representative=str(row["legal_representative"]),
        jurisdiction_id=int(row["jurisdiction_id"]),
        place=str(row["place"]),
        lon=row["lon"],
        lat=row["lat"],
        status=str(row["status"]),
        highest_level=top,
        highest_colour=V.LEVEL_COLOURS.get(top or ""),
        points=counts,
        open_hazards=int(row["open_hazards"]),
    )


# --- reading ---------------------------------------------------------------------------


async def get_site(db: AsyncSession, site_id: int) -> SiteRead:
    """One visible tenant with its risk picture; another sector's or area's id answers 404."""
    rows = await repository.sites(db, site_id=site_id, limit=1)
    if not rows:
        raise NotFound(NOT_FOUND)
    return site_read(rows[0])


async def _public_site(db: AsyncSession, site_id: int) -> Enterprise:
    site = await repository.get_tenant(db, site_id)
    if site is None:
        raise NotFound(NOT_FOUND)
    if site.kind != "public_site":
        raise Forbidden("企业的风险点由企业自行辨识评价，行业主管部门只能查看")
    return site


async def unit_labels(db: AsyncSession, site_id: int) -> dict[int, str]:
    """The site's units with their path labels (学校 / 教学楼 …)."""
    units = await repository.units_of(db, site_id)
    by_id = {int(u.id or 0): u for u in units}
    labels: dict[int, str] = {}
    for u in units:
        chain = [by_id[int(i)].name for i in str(u.path or u.id).split(".") if int(i) in by_id]
        labels[int(u.id or 0)] = " / ".join(chain)
    return labels


async def points(db: AsyncSession, site_id: int) -> list[RiskPointRead]:
    """The site's active risk points, most dangerous first, with their measures."""
    rows = await repository.points_of(db, site_id)
    ids = [int(p.id or 0) for p in rows]
    measures = await risk_repository.measures_of(db, ids)
    labels = await unit_labels(db, site_id)
    return [risk.point_read(p, measures[int(p.id or 0)], labels) for p in rows]


async def point(db: AsyncSession, site_id: int, point_id: int) -> RiskPointRead:
    """One risk point of the site (retired ones too) with its measures."""
    row = await repository.point_of(db, site_id, point_id)
    if row is None:
        raise NotFound("风险点不存在或您无权查看")
    measures = await risk_repository.measures_of(db, [point_id])
    return risk.point_read(row, measures[point_id], await unit_labels(db, site_id))


# --- registering a site ----------------------------------------------------------------


async def register(db: AsyncSession, p: Principal, data: SiteCreate) -> Enterprise:
    """A new public site of the department's sector in a grid of its jurisdiction, with the
    root unit its risk points hang from."""
    sector = sector_of(p)
    mine = site_types(sector)
    if data.site_type not in mine:
        allowed = "、".join(mine.values()) or "（本部门没有对应的场所类型）"
        raise Invalid({"site_type": f"本部门只能登记本行业的场所：{allowed}"})
    if not await repository.grid_in_scope(db, data.jurisdiction_id, p.scope or ""):
        raise Invalid({"jurisdiction_id": "所选网格不在您的管辖范围内"})
    site = await registry.register_enterprise(
        db,
        p,
        EnterpriseCreate(
            name=data.name.strip(),
            credit_code=data.credit_code,
            industry=SV.SITE_TYPE_INDUSTRIES[data.site_type],
            scale=data.scale,
            jurisdiction_id=data.jurisdiction_id,
            sector=sector,
            kind="public_site",
            site_type=data.site_type,
            address=data.address.strip(),
            legal_representative=data.legal_representative.strip(),
            lon=data.lon,
            lat=data.lat,
        ),
    )
    db.add(OrgUnit(tenant_id=int(site.id or 0), name=site.name[:60], kind="company"))
    await db.flush()
    return site


# --- risk points -----------------------------------------------------------------------


async def _rule(db: AsyncSession, site: Enterprise, method: str) -> risk.EffectiveRule | None:
    """The thresholds in force for the site: its own, its province's, the national default
    (the order of the enterprise service's effective_rule)."""
    if method not in grading.SCORED_METHODS:
        return None
    region = grading.region_of(site.jurisdiction_path)
    own = await repository.tenant_rule(db, int(site.id or 0), method)
    if own is not None:
        return risk.EffectiveRule(method, _decimals(own.thresholds), "tenant", region)
    for key, source in ((region, "region"), ("default", "default")):
        row = await repository.region_rule(db, key, method)
        if row is not None:
            return risk.EffectiveRule(method, _decimals(row.thresholds), source, region)
    return risk.EffectiveRule(method, dict(grading.DEFAULT_THRESHOLDS[method]), "default", region)


def _decimals(stored: Mapping[str, Any]) -> dict[str, Decimal]:
    return {k: Decimal(str(stored[k])) for k in grading.THRESHOLD_KEYS}


def _assess(data: AssessmentIn, rule: risk.EffectiveRule | None) -> grading.Assessment:
    try:
        return grading.assess(
            data.method,
            {"l": data.l, "e": data.e, "c": data.c, "s": data.s},
            rule.thresholds if rule else None,
            major_criterion=data.major_criterion,
        )
    except DomainError as e:
        raise Invalid({f"assessment.{e.field or 'method'}": e.message}) from e


def _assessment_row(
    p: Principal, point: RiskPoint, data: AssessmentIn, result: grading.Assessment,
    rule: risk.EffectiveRule | None,
) -> RiskAssessment:  # fmt: skip
    scored = result.method != "direct"
    return RiskAssessment(
        tenant_id=point.tenant_id,
        risk_point_id=int(point.id or 0),
        method=result.method,
        l=Decimal(str(data.l)) if scored and data.l is not None else None,
        e=Decimal(str(data.e)) if result.method == "lec" else None,
        c=Decimal(str(data.c)) if result.method == "lec" else None,
        s=Decimal(str(data.s)) if result.method == "ls" else None,
        score=result.score,
        level=result.level,
        major_criterion=result.major_criterion,
        thresholds=(
            {
                **{
                    k: int(v) if v == v.to_integral_value() else float(v)
                    for k, v in result.thresholds.items()
                },
                "source": rule.source if rule else "default",
            }
            if result.thresholds
            else None
        ),
        note=data.note.strip(),
        assessed_by=p.user_id,
    )


async def _control(db: AsyncSession, point: RiskPoint) -> None:
    """Graded control 分级管控: the level's default control level and unit (unless
    overridden); a major level needs a named leader."""
    if not point.control_level_overridden:
        point.control_level = V.DEFAULT_CONTROL_LEVEL.get(point.level or "")
        point.control_unit_id = (
            await risk.default_control_unit(db, point.org_unit_id, point.control_level)
            if point.control_level
            else None
        )
    if point.level == "major" and not point.control_leader.strip():
        raise Invalid({"control_leader": risk.MAJOR_NEEDS_LEADER})


async def add_point(
    db: AsyncSession, p: Principal, site_id: int, data: SitePointCreate
) -> RiskPoint:
    """A new risk point of a site of the department's sector, with its measures and its level
    (judged or assessed); every field's problem is reported at once."""
    sector_of(p)
    site = await _public_site(db, site_id)
    values = data.model_dump(exclude={"measures", "assessment", "level", "org_unit_id"})
    values["measures"] = data.measures
    clean, errors = risk.check_fields(values)
    level: str | None = None
    result: grading.Assessment | None = None
    rule: risk.EffectiveRule | None = None
    if data.assessment is not None:
        rule = await _rule(db, site, data.assessment.method)
        try:
            result = _assess(data.assessment, rule)
        except Invalid as e:
            errors.update(e.errors)
        else:
            level = result.level
    elif data.level:
        level = risk.code_of(V.LEVELS, data.level)
        if level is None:
            errors["level"] = "风险等级只能是：" + "、".join(V.LEVELS.values())
    else:
        errors["level"] = "请确定风险等级：直接定级，或用LEC法、LS法评价"
    if level == "major" and not clean.get("control_leader"):
        errors["control_leader"] = risk.MAJOR_NEEDS_LEADER
    unit = await _unit(db, site, data.org_unit_id, errors)
    if errors:
        raise Invalid(errors)
    point = RiskPoint(
        tenant_id=int(site.id or 0),
        org_unit_id=unit,
        name=clean["name"],
        kind=clean["kind"],
        location=clean.get("location", ""),
        hazard_factors=clean.get("hazard_factors", []),
        accident_types=clean.get("accident_types", []),
        inspection_frequency=clean["inspection_frequency"],
        responsible_name=clean.get("responsible_name", ""),
        control_leader=clean.get("control_leader", ""),
        method=result.method if result else None,
        score=result.score if result else None,
        level=level,
        major_criterion=result.major_criterion if result else None,
    )
    await _control(db, point)
    db.add(point)
    await db.flush()
    await _save_measures(db, point, clean["measures"])
    if result is not None and data.assessment is not None:
        db.add(_assessment_row(p, point, data.assessment, result, rule))
    await db.flush()
    await db.refresh(point)
    return point


async def _unit(
    db: AsyncSession, site: Enterprise, unit_id: int | None, errors: dict[str, str]
) -> int:
    """The unit a point hangs from: one of the site's units, its root by default (made when
    a site registered elsewhere has no tree yet)."""
    sid = int(site.id or 0)
    if unit_id is not None:
        if unit_id not in {int(u.id or 0) for u in await repository.units_of(db, sid)}:
            errors["org_unit_id"] = "所选部门不属于该场所"
        return unit_id
    root = await repository.root_unit(db, sid)
    if root is None:
        root = OrgUnit(tenant_id=sid, name=site.name[:60], kind="company")
        db.add(root)
        await db.flush()
    return int(root.id or 0)


async def _save_measures(db: AsyncSession, point: RiskPoint, measures: Sequence[Any]) -> None:
    for sort, m in enumerate(measures):
        db.add(
            ControlMeasure(
                tenant_id=point.tenant_id,
                risk_point_id=int(point.id or 0),
                kind=m.kind,
                content=m.content,
                sort=sort,
            )
        )


async def reassess(
    db: AsyncSession, p: Principal, site_id: int, point_id: int, data: AssessmentIn
) -> RiskAssessment:
    """A new assessment of a site's point: appended to its history; the point takes the new
    level and, unless overridden, that level's control."""
    sector_of(p)
    site = await _public_site(db, site_id)
    point = await repository.point_of(db, int(site.id or 0), point_id)
    if point is None:
        raise NotFound("风险点不存在或您无权查看")
    if point.status != "active":
        raise DomainError("该风险点已停用，不能再评价")
    if data.control_leader is not None and data.control_leader.strip():
        point.control_leader = data.control_leader.strip()[:50]
    rule = await _rule(db, site, data.method)
    result = _assess(data, rule)
    point.method, point.score, point.level = result.method, result.score, result.level
    point.major_criterion = result.major_criterion
    await _control(db, point)
    row = _assessment_row(p, point, data, result, rule)
    db.add(point)
    db.add(row)
    await db.flush()
    await db.execute(
        text("update risk_point set updated_at = now() where id = :i"), {"i": point.id}
    )
    await db.refresh(row)
    return row


async def retire(db: AsyncSession, p: Principal, site_id: int, point_id: int) -> RiskPoint:
    """Stop a point 停用 (it stays in the history)."""
    sector_of(p)
    site = await _public_site(db, site_id)
    point = await repository.point_of(db, int(site.id or 0), point_id)
    if point is None:
        raise NotFound("风险点不存在或您无权查看")
    point.status = "retired"
    db.add(point)
    await db.flush()
    return point
