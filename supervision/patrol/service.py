"""Rules of patrol visits 巡查记录: who records which kind of patrol, what a visit must hold,
recording a visit exactly once per idempotency key with its photos and findings (each a
hazard of the enterprise's loop), and the cycle-length rules. Flushes, never commits."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments import service as attachments
from anwang.platform.clock import CHINA
from anwang.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from anwang.platform.principal import Principal
from anwang.platform.registry.sectors import SECTORS
from anwang.supervision import findings as gov_findings
from anwang.supervision.patrol import repository
from anwang.supervision.patrol.checklist import CHECKLIST, RESULTS
from anwang.supervision.patrol.models import PatrolRule, PatrolVisit
from anwang.supervision.patrol.planning import DEFAULT_MONTHS
from anwang.supervision.patrol.schemas import RuleSet, VisitCreate, VisitRead
from anwang.tenants.hazards.service import PHOTOS_MAX, TEXT_MAX, TITLE_MAX

NOTE_MAX = 1000
ITEM_NOTE_MAX = 200
FINDINGS_MAX = 10
# A visit kept on a tablet that was offline this long is still accepted; older ones are not.
OFFLINE_DAYS_MAX = 31
# A tablet clock ahead of the server by more than this is refused as a future check-in.
CLOCK_SKEW = timedelta(minutes=10)

Photo = tuple[bytes, str]  # the uploaded bytes and the file's name


def china_date(at: datetime) -> date:
    return at.astimezone(CHINA).date()


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; WGS84 mean radius)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


async def patrol_kind_of(db: AsyncSession, p: Principal) -> str:
    """The kind of patrol `p` records: grid inspectors 'grid', town officers 'town', sector
    officers 'sector'; anyone else records none."""
    if p.kind == "sector" and p.role == "sector_officer":
        return "sector"
    if p.kind == "gov" and p.role == "grid_inspector":
        return "grid"
    if p.kind == "gov" and p.role == "officer" and p.scope:
        place = await repository.jurisdiction_at(db, p.scope)
        if place is not None and place["level"] == "town":
            return "town"
    raise Forbidden("只有网格员、镇（街道）监管人员和行业主管部门人员可以记录巡查")


def _validate(data: VisitCreate, photos: int, finding_photos: dict[int, int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    now = datetime.now(UTC)
    at = data.checked_in_at
    if at.tzinfo is None:
        errors["checked_in_at"] = "签到时间缺少时区"
    elif at > now + CLOCK_SKEW:
        errors["checked_in_at"] = "签到时间晚于当前时间，请检查平板的日期和时间"
    elif at < now - timedelta(days=OFFLINE_DAYS_MAX):
        errors["checked_in_at"] = f"签到时间早于{OFFLINE_DAYS_MAX}天前，无法补录"
    if (data.lat is None) != (data.lon is None):
        errors["lat"] = "经纬度须同时提供"
    elif (data.lat is not None and not -90 <= data.lat <= 90) or (
        data.lon is not None and not -180 <= data.lon <= 180
    ):
        errors["lat"] = "经纬度超出范围"
    if data.accuracy_m is not None and not 0 <= data.accuracy_m <= 100_000:
        errors["accuracy_m"] = "定位精度数值不正确"
    seen: set[str] = set()
    for item in data.results:
        if item.code not in CHECKLIST:
            errors["results"] = f"检查表中没有“{item.code}”这一项，请刷新页面后重新填写"
        elif item.code in seen:
            errors["results"] = f"检查项“{CHECKLIST[item.code][0]}”重复填写"
        elif item.result not in RESULTS:
            errors["results"] = f"检查项“{CHECKLIST[item.code][0]}”的结论只能是符合、不符合或不涉及"
        elif len(item.note) > ITEM_NOTE_MAX:
            errors["results"] = (
                f"检查项“{CHECKLIST[item.code][0]}”的说明不能超过{ITEM_NOTE_MAX}个字"
            )
        seen.add(item.code)
    missing = [name for code, (name, _) in CHECKLIST.items() if code not in seen]
    if missing and "results" not in errors:
        errors["results"] = "检查表还有未填写的项目：" + "、".join(missing)
    if len(data.note) > NOTE_MAX:
        errors["note"] = f"巡查说明不能超过{NOTE_MAX}个字"
    if photos > PHOTOS_MAX:
        errors["photos"] = f"现场照片最多{PHOTOS_MAX}张"
    if len(data.findings) > FINDINGS_MAX:
        errors["findings"] = f"一次巡查最多登记{FINDINGS_MAX}条问题，其余请另行登记"
    for i, f in enumerate(data.findings):
        title = f.title.strip()
        if not title:
            errors[f"findings.{i}.title"] = f"第{i + 1}条问题还没有填写内容"
        elif len(title) > TITLE_MAX:
            errors[f"findings.{i}.title"] = f"第{i + 1}条问题的标题不能超过{TITLE_MAX}个字"
        if len(f.description) > TEXT_MAX:
            errors[f"findings.{i}.description"] = f"第{i + 1}条问题的描述不能超过{TEXT_MAX}个字"
    for i, n in finding_photos.items():
        if not 0 <= i < len(data.findings):
            errors["findings"] = "照片对应的问题不存在，请重新选择照片"
        elif n > PHOTOS_MAX:
            errors[f"findings.{i}.photos"] = f"第{i + 1}条问题的照片最多{PHOTOS_MAX}张"
    return errors


@dataclass(frozen=True)
class Recorded:
    visit: PatrolVisit
    created: bool  # False: the same visit (idempotency key) was already stored


async def record_visit(
    db: AsyncSession,
    p: Principal,
    data: VisitCreate,
    photos: Sequence[Photo] = (),
    finding_photos: dict[int, list[Photo]] | None = None,
) -> Recorded:
    """Store a visit with its photos and findings, once per idempotency key: the same key
    again returns the visit stored the first time (`created` False) and changes nothing.

    The visit fulfils the caller's assignment of the enterprise in the cycle containing the
    check-in day (a colleague's of the same cycle, else none: an unplanned visit), even when
    it arrives after the cycle was closed as missed: the check-in time is when it happened."""
    finding_photos = finding_photos or {}
    if p.user_id is None:
        raise Forbidden("请先登录")
    existing = await repository.visit_by_key(db, data.idempotency_key)
    if existing is not None:
        return _same_sender(existing, p)
    kind = await patrol_kind_of(db, p)
    errors = _validate(data, len(photos), {i: len(v) for i, v in finding_photos.items()})
    if errors:
        raise InvalidInput(errors)
    enterprise = await repository.enterprise(db, data.tenant_id)
    if enterprise is None:
        raise NotFound("企业不存在或不在您的巡查范围内")
    day = china_date(data.checked_in_at)
    assignment = await repository.assignment_for_visit(db, data.tenant_id, kind, day, p.user_id)
    distance = None
    if None not in (data.lat, data.lon, enterprise.lat, enterprise.lon):
        distance = round(
            distance_m(data.lat, data.lon, enterprise.lat, enterprise.lon),  # type: ignore[arg-type]
            1,
        )
    visit_id = await repository.insert_visit(
        db,
        {
            "tenant_id": data.tenant_id,
            "assignment_id": assignment.id if assignment else None,
            "inspector_user_id": p.user_id,
            "patrol_kind": kind,
            "idempotency_key": data.idempotency_key,
            "checked_in_at": data.checked_in_at,
            "lat": data.lat,
            "lon": data.lon,
            "accuracy_m": data.accuracy_m,
            "distance_m": distance,
            "results": [r.model_dump() for r in data.results],
            "note": data.note.strip(),
            "findings": len(data.findings),
        },
    )
    if visit_id is None:
        # Sent twice at the same moment: the other request stored it first.
        stored = await repository.visit_by_key(db, data.idempotency_key)
        if stored is None:
            raise Conflict("该巡查记录标识已被使用，请重新保存后发送")
        return _same_sender(stored, p)
    stored_visit = await repository.visit(db, visit_id)
    assert stored_visit is not None
    ids = [
        (await attachments.store_photo(db, p, raw, name, for_tenant=data.tenant_id)).id or 0
        for raw, name in photos
    ]
    if ids:
        await attachments.attach(db, ids, "patrol_visit", visit_id, "evidence")
    for i, f in enumerate(data.findings):
        shots = [
            (await attachments.store_photo(db, p, raw, name, for_tenant=data.tenant_id)).id or 0
            for raw, name in finding_photos.get(i, [])
        ]
        await gov_findings.open_hazard(
            db,
            p,
            tenant_id=data.tenant_id,
            source="patrol",
            title=f.title,
            description=f.description,
            photo_ids=shots,
            patrol_visit_id=visit_id,
        )
    if assignment is not None:
        if assignment.status != "visited":
            assignment.status = "visited"
            assignment.visit_id = visit_id
            assignment.visited_on = day
            await repository.save_assignment(db, assignment)
        await repository.resolve_alarms(db, assignment.tenant_id, assignment.id or 0)
    return Recorded(stored_visit, True)


def _same_sender(v: PatrolVisit, p: Principal) -> Recorded:
    if v.inspector_user_id != p.user_id:
        raise Conflict("该巡查记录标识已被使用，请重新保存后发送")
    return Recorded(v, False)


async def get_visit(db: AsyncSession, visit_id: int) -> PatrolVisit:
    v = await repository.visit(db, visit_id)
    if v is None:
        raise NotFound("巡查记录不存在或您无权查看")
    return v


async def read(db: AsyncSession, v: PatrolVisit) -> VisitRead:
    enterprise = await repository.enterprise(db, v.tenant_id)
    hazards = await repository.visit_hazards(db, v)
    return VisitRead(
        id=v.id or 0,
        tenant_id=v.tenant_id,
        enterprise_name=enterprise.name if enterprise else "",
        assignment_id=v.assignment_id,
        inspector_user_id=v.inspector_user_id,
        patrol_kind=v.patrol_kind,
        idempotency_key=v.idempotency_key,
        checked_in_at=v.checked_in_at,
        lat=v.lat,
        lon=v.lon,
        accuracy_m=v.accuracy_m,
        distance_m=v.distance_m,
        results=list(v.results or []),
        note=v.note,
        findings=v.findings,
        hazard_ids=[h.id or 0 for h in hazards],
        photo_ids=await repository.visit_photo_ids(db, v),
        received_at=v.received_at,
    )


def new_key() -> uuid.UUID:
    return uuid.uuid4()


# --- rules -------------------------------------------------------------------------------------

RULE_KINDS = tuple(DEFAULT_MONTHS)


async def set_rule(db: AsyncSession, p: Principal, data: RuleSet) -> PatrolRule | None:
    """Set (or with `cycle_months` None, remove) the cycle length of one kind of patrol for a
    jurisdiction of the caller's scope: district and city officers only. It applies from the
    next cycle (a cycle that exists keeps its dates)."""
    if p.kind != "gov" or p.role != "officer" or not p.scope or p.user_id is None:
        raise Forbidden("只有区（县）、市应急管理部门的监管人员可以设置巡查周期")
    own = await repository.jurisdiction_at(db, p.scope)
    if own is None or own["level"] not in ("district", "city"):
        raise Forbidden("只有区（县）、市应急管理部门的监管人员可以设置巡查周期")
    place = await repository.jurisdiction(db, data.jurisdiction_id)
    if place is None or not (
        place["path"] == p.scope or str(place["path"]).startswith(p.scope + ".")
    ):
        raise NotFound("辖区不存在或不在您的管辖范围内")
    errors: dict[str, str] = {}
    if data.patrol_kind not in RULE_KINDS:
        errors["patrol_kind"] = "巡查类型不正确"
    sector = data.sector or None
    if sector is not None and sector not in SECTORS:
        errors["sector"] = "行业领域不正确"
    if sector is not None and data.patrol_kind != "sector":
        errors["sector"] = "只有行业主管部门巡查可以按行业设置"
    if data.cycle_months is not None and not 1 <= data.cycle_months <= 12:
        errors["cycle_months"] = "巡查周期须为1至12个月"
    if errors:
        raise InvalidInput(errors)
    rule = await repository.rule(db, data.jurisdiction_id, data.patrol_kind, sector)
    if data.cycle_months is None:
        if rule is not None:
            await repository.delete_rule(db, rule)
        return None
    if rule is None:
        rule = PatrolRule(
            jurisdiction_id=data.jurisdiction_id,
            jurisdiction_path=str(place["path"]),
            sector=sector,
            patrol_kind=data.patrol_kind,
            cycle_months=data.cycle_months,
        )
    rule.cycle_months = data.cycle_months
    rule.set_by = p.user_id
    rule.set_at = datetime.now(UTC)
    return await repository.save_rule(db, rule)
