"""Government findings become the enterprise's hazards: a patrol or spot-check finding is
registered as a hazard in state 'reported' (source 'patrol' / 'spot_check'), reported by the
officer, with its photos and a 'report' step on its timeline; from there the enterprise's own
closed loop (tenants/hazards) takes over: its managers confirm, assign, rectify and accept.

Government principals may insert only such hazards and only in their scope (policies of
migration 0008); they never take a step of the enterprise's loop. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments import service as attachments
from anwang.platform.attachments.models import Attachment
from anwang.platform.errors import Forbidden, InvalidInput, NotFound
from anwang.platform.principal import Principal
from anwang.platform.registry.models import Enterprise
from anwang.tenants.hazards import repository as hazards
from anwang.tenants.hazards.models import Hazard, HazardEvent
from anwang.tenants.hazards.service import PHOTOS_MAX, TEXT_MAX, TITLE_MAX
from anwang.tenants.risk.models import RiskPoint

FindingSource = Literal["patrol", "spot_check"]
SOURCES: tuple[str, ...] = ("patrol", "spot_check")


def _check_principal(p: Principal) -> int:
    if p.kind not in ("gov", "sector") or p.user_id is None:
        raise Forbidden("只有政府监管人员可以登记巡查、抽查发现的隐患")
    return p.user_id


async def open_hazard(
    db: AsyncSession,
    p: Principal,
    *,
    tenant_id: int,
    source: FindingSource,
    title: str,
    description: str = "",
    photo_ids: Sequence[int] = (),
    patrol_visit_id: int | None = None,
    risk_point_id: int | None = None,
) -> Hazard:
    """Register a finding of `p` (a government or sector officer) as a hazard of `tenant_id`:
    state 'reported', `reported_by` the officer, the photos (uploaded by `p` for this tenant
    and not yet used) as its 'before' photos. An enterprise outside `p`'s scope answers
    NotFound; bad input raises InvalidInput with one Chinese message per field."""
    user_id = _check_principal(p)
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    enterprise = (await db.exec(select(Enterprise.id).where(Enterprise.id == tenant_id))).first()
    if enterprise is None:
        raise NotFound("企业不存在或不在您的监管范围内")
    errors: dict[str, str] = {}
    clean_title = (title or "").strip()
    clean_description = (description or "").strip()
    if not clean_title:
        errors["title"] = "请填写发现的问题（隐患标题）"
    elif len(clean_title) > TITLE_MAX:
        errors["title"] = f"隐患标题不能超过{TITLE_MAX}个字"
    if len(clean_description) > TEXT_MAX:
        errors["description"] = f"隐患描述不能超过{TEXT_MAX}个字"
    photos = sorted(set(photo_ids))
    if len(photos) > PHOTOS_MAX:
        errors["photo_ids"] = f"照片最多{PHOTOS_MAX}张"
    elif photos:
        owners = await db.exec(
            select(Attachment.id, Attachment.tenant_id, Attachment.uploaded_by).where(
                col(Attachment.id).in_(photos)
            )
        )
        mine = {i for i, t, by in owners if t == tenant_id and by == user_id}
        if mine != set(photos):
            errors["photo_ids"] = "部分照片不存在或不属于该企业，请重新上传"
    unit_id: int | None = None
    if risk_point_id is not None:
        point = (
            await db.exec(
                select(RiskPoint).where(
                    RiskPoint.id == risk_point_id, RiskPoint.tenant_id == tenant_id
                )
            )
        ).first()
        if point is None:
            errors["risk_point_id"] = "所选风险点不存在，请重新选择"
        else:
            unit_id = point.org_unit_id
    if errors:
        raise InvalidInput(errors)
    # No unit unless the risk point gives one: the enterprise's company-level managers
    # (boss, safety manager) receive it and route it inside their org tree.
    hazard = await hazards.add(
        db,
        Hazard(
            tenant_id=tenant_id,
            source=source,
            patrol_visit_id=patrol_visit_id,
            risk_point_id=risk_point_id,
            org_unit_id=unit_id,
            title=clean_title,
            description=clean_description,
            reported_by=user_id,
        ),
    )
    assert hazard.id is not None
    if photos:
        await attachments.attach(db, photos, "hazard", hazard.id, "before")
    data: dict[str, object] = {"source": source}
    if patrol_visit_id is not None:
        data["patrol_visit_id"] = patrol_visit_id
    await hazards.add_event(
        db,
        HazardEvent(
            tenant_id=tenant_id,
            hazard_id=hazard.id,
            action="report",
            from_state=None,
            to_state=hazard.state,
            actor_user_id=user_id,
            note=clean_description,
            data=data,
        ),
    )
    return hazard
