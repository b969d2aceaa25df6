"""Rules of certificates, equipment and alarms: who may change what, what must be true of the
dates and references, and keeping a subject's reminders in step with its edits. Flushes,
never commits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments import service as attachments
from anwang.platform.clock import today
from anwang.platform.errors import DomainError, Forbidden, NotFound
from anwang.platform.principal import Principal
from anwang.tenants.org.access import can_manage, is_company_level
from anwang.tenants.reminders import repository
from anwang.tenants.reminders.models import Alarm, Certificate, Equipment
from anwang.tenants.reminders.schemas import (
    CertificateCreate,
    CertificateUpdate,
    EquipmentCreate,
    EquipmentUpdate,
)


def _tenant(p: Principal) -> int:
    if p.kind != "enterprise" or p.tenant_id is None:
        raise Forbidden("只有企业用户可以进行此操作")
    return p.tenant_id


# --- certificates -------------------------------------------------------------------------


async def get_certificate(db: AsyncSession, certificate_id: int) -> Certificate:
    found = await repository.get_certificate(db, certificate_id)
    if found is None:
        raise NotFound("证照不存在或已删除")
    return found


async def _certificate_unit(db: AsyncSession, staff_id: int | None) -> int | None:
    """Where a certificate's reminders show: the holder's unit; None for the company's own."""
    if staff_id is None:
        return None
    person = await repository.get_staff(db, staff_id)
    if person is None:
        raise DomainError("所选持证人员不存在，请重新选择", field="staff_id")
    return person.org_unit_id


async def _may_edit_certificate(db: AsyncSession, p: Principal, unit_id: int | None) -> None:
    if unit_id is None:
        if not is_company_level(p):
            raise Forbidden("企业证照只能由主要负责人、安全管理员或系统管理员维护")
    elif not await can_manage(db, p, unit_id):
        raise Forbidden("您不是持证人员所在部门（或其上级部门）的负责人，无权维护该证照")


async def _attach_scan(
    db: AsyncSession, attachment_id: int | None, certificate_id: int, old: int | None = None
) -> None:
    if attachment_id is not None and attachment_id != old:
        try:
            await attachments.attach(db, [attachment_id], "certificate", certificate_id, "scan")
        except DomainError as e:
            raise DomainError("证照扫描件不存在或已被使用，请重新上传", field="file") from e


async def create_certificate(
    db: AsyncSession, p: Principal, data: CertificateCreate
) -> Certificate:
    tenant_id = _tenant(p)
    unit_id = await _certificate_unit(db, data.staff_id)
    await _may_edit_certificate(db, p, unit_id)
    certificate = Certificate(
        tenant_id=tenant_id, org_unit_id=unit_id, **data.model_dump(exclude={"attachment_id"})
    )
    db.add(certificate)
    await db.flush()
    assert certificate.id is not None
    await _attach_scan(db, data.attachment_id, certificate.id)
    certificate.attachment_id = data.attachment_id
    await db.flush()
    await repository.refresh_alarms(db, today(), "certificate", certificate.id)
    return certificate


async def update_certificate(
    db: AsyncSession, p: Principal, certificate_id: int, data: CertificateUpdate
) -> Certificate:
    certificate = await get_certificate(db, certificate_id)
    await _may_edit_certificate(db, p, certificate.org_unit_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    merged = {**certificate.model_dump(), **changes}
    if merged["kind"] == "special_operation" and merged["staff_id"] is None:
        raise DomainError("特种作业操作证须选择持证人员", field="staff_id")
    if merged["issued_on"] and merged["expires_on"] and merged["expires_on"] < merged["issued_on"]:
        raise DomainError("有效期至不能早于发证日期", field="expires_on")
    if "staff_id" in changes:
        unit_id = await _certificate_unit(db, changes["staff_id"])
        await _may_edit_certificate(db, p, unit_id)
        certificate.org_unit_id = unit_id
    if "attachment_id" in changes:
        await _attach_scan(db, changes["attachment_id"], certificate_id, certificate.attachment_id)
    for name, value in changes.items():
        if name == "attachment_id" and value is None:
            continue  # a scan once attached stays on record
        setattr(certificate, name, value)
    db.add(certificate)
    await db.flush()
    await repository.refresh_alarms(db, today(), "certificate", certificate_id)
    return certificate


async def delete_certificate(db: AsyncSession, p: Principal, certificate_id: int) -> None:
    certificate = await get_certificate(db, certificate_id)
    await _may_edit_certificate(db, p, certificate.org_unit_id)
    await repository.resolve_subject_alarms(db, "certificate", certificate_id)
    await db.delete(certificate)
    await db.flush()


# --- equipment ----------------------------------------------------------------------------


async def get_equipment(db: AsyncSession, equipment_id: int) -> Equipment:
    found = await repository.get_equipment(db, equipment_id)
    if found is None:
        raise NotFound("设备不存在或已删除")
    return found


async def _check_references(db: AsyncSession, unit_id: int, risk_point_id: int | None) -> None:
    if await repository.get_unit(db, unit_id) is None:
        raise DomainError("所选部门不存在，请重新选择", field="org_unit_id")
    if risk_point_id is not None and await repository.get_risk_point(db, risk_point_id) is None:
        raise DomainError("所选风险点不存在，请重新选择", field="risk_point_id")


async def _may_edit_equipment(db: AsyncSession, p: Principal, unit_id: int) -> None:
    if not await can_manage(db, p, unit_id):
        raise Forbidden("您不是该设备所在部门（或其上级部门）的负责人，无权维护该设备")


async def create_equipment(db: AsyncSession, p: Principal, data: EquipmentCreate) -> Equipment:
    tenant_id = _tenant(p)
    await _check_references(db, data.org_unit_id, data.risk_point_id)
    await _may_edit_equipment(db, p, data.org_unit_id)
    equipment = Equipment(tenant_id=tenant_id, **data.model_dump())
    db.add(equipment)
    await db.flush()
    await db.refresh(equipment)
    assert equipment.id is not None
    await repository.refresh_alarms(db, today(), "equipment", equipment.id)
    return equipment


async def update_equipment(
    db: AsyncSession, p: Principal, equipment_id: int, data: EquipmentUpdate
) -> Equipment:
    equipment = await get_equipment(db, equipment_id)
    await _may_edit_equipment(db, p, equipment.org_unit_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for required in ("name", "org_unit_id", "status", "is_special", "model", "serial_number"):
        if required in changes and changes[required] is None:
            del changes[required]
    merged = {**equipment.model_dump(), **changes}
    await _check_references(db, merged["org_unit_id"], merged["risk_point_id"])
    if merged["org_unit_id"] != equipment.org_unit_id:
        await _may_edit_equipment(db, p, merged["org_unit_id"])
    last, following = merged["last_inspected_on"], merged["next_inspection_on"]
    if last and following and following < last:
        raise DomainError("下次检验日期不能早于上次检验日期", field="next_inspection_on")
    for name, value in changes.items():
        setattr(equipment, name, value)
    db.add(equipment)
    await db.flush()
    await repository.refresh_alarms(db, today(), "equipment", equipment_id)
    return equipment


async def delete_equipment(db: AsyncSession, p: Principal, equipment_id: int) -> None:
    equipment = await get_equipment(db, equipment_id)
    await _may_edit_equipment(db, p, equipment.org_unit_id)
    await repository.resolve_subject_alarms(db, "equipment", equipment_id)
    await db.delete(equipment)
    await db.flush()


# --- alarms -------------------------------------------------------------------------------


async def resolve_alarm(db: AsyncSession, p: Principal, alarm_id: int) -> Alarm:
    """A manager marks an alarm handled / acknowledged 处理/已知悉."""
    alarm = await repository.get_alarm(db, alarm_id)
    if alarm is None:
        raise NotFound("提醒或报警不存在")
    if alarm.org_unit_id is None:
        allowed = is_company_level(p)
    else:
        allowed = await can_manage(db, p, alarm.org_unit_id)
    if not allowed:
        raise Forbidden("只有该部门（或其上级部门）的负责人可以处理此提醒")
    if alarm.resolved_at is None:
        alarm.resolved_at = datetime.now(UTC)
        db.add(alarm)
        await db.flush()
    return alarm
