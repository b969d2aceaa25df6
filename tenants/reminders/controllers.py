"""HTTP API of certificates, equipment, alarms and the dashboard; the pages (the enterprise
home `/enterprise`, `/enterprise/reminders`, `/q/{token}`, QR labels) live in `pages.py`."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import RowMapping
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import NotFound
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import Req
from anwang.tenants.reminders import dashboard, qr, repository, service
from anwang.tenants.reminders.pages import page_routes
from anwang.tenants.reminders.schemas import (
    ALARM_KINDS,
    CERTIFICATE_KIND_NAMES,
    EQUIPMENT_STATUSES,
    AlarmRead,
    CertificateCreate,
    CertificateRead,
    CertificateUpdate,
    DashboardRead,
    EquipmentCreate,
    EquipmentRead,
    EquipmentUpdate,
)

ENTERPRISE = require("enterprise")


def certificate_read(row: RowMapping, today: date) -> CertificateRead:
    expires = row["expires_on"]
    return CertificateRead(
        id=row["id"],
        kind=row["kind"],
        kind_name=CERTIFICATE_KIND_NAMES.get(row["kind"], row["kind"]),
        name=row["name"],
        number=row["number"],
        staff_id=row["staff_id"],
        staff_name=row["staff_name"],
        grade=row["grade"],
        issued_on=row["issued_on"],
        expires_on=expires,
        days_left=(expires - today).days if expires else None,
        attachment_id=row["attachment_id"],
        org_unit_id=row["org_unit_id"],
        created_at=row["created_at"],
    )


def equipment_read(row: RowMapping, base_url: str) -> EquipmentRead:
    return EquipmentRead(
        id=row["id"],
        name=row["name"],
        org_unit_id=row["org_unit_id"],
        org_unit_name=row["org_unit_name"],
        risk_point_id=row["risk_point_id"],
        risk_point_name=row["risk_point_name"],
        model=row["model"],
        serial_number=row["serial_number"],
        is_special=row["is_special"],
        last_inspected_on=row["last_inspected_on"],
        next_inspection_on=row["next_inspection_on"],
        end_of_life_on=row["end_of_life_on"],
        status=row["status"],
        status_name=EQUIPMENT_STATUSES.get(row["status"], row["status"]),
        qr_url=qr.scan_url(base_url, row["qr_token"]),
        created_at=row["created_at"],
    )


def alarm_read(row: RowMapping | dict[str, Any]) -> AlarmRead:
    return AlarmRead(
        id=row["id"],
        kind=row["kind"],
        kind_name=ALARM_KINDS.get(row["kind"], row["kind"]),
        severity=row["severity"],
        subject_table=row["subject_table"],
        subject_id=row["subject_id"],
        subject_url=dashboard.alarm_link(row),
        org_unit_id=row["org_unit_id"],
        org_unit_name=row["org_unit_name"],
        escalation_level=row["escalation_level"],
        message=row["message"],
        due_on=row["due_on"],
        raised_at=row["raised_at"],
        resolved_at=row["resolved_at"],
    )


async def _certificate(db: AsyncSession, certificate_id: int) -> CertificateRead:
    row = await repository.certificate_row(db, certificate_id)
    if row is None:
        raise NotFound("证照不存在或已删除")
    return certificate_read(row, service.today())


async def _equipment(db: AsyncSession, equipment_id: int, base_url: str) -> EquipmentRead:
    row = await repository.equipment_row(db, equipment_id)
    if row is None:
        raise NotFound("设备不存在或已删除")
    return equipment_read(row, base_url)


def _base(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url)


class CertificateController(Controller):
    """Certificates 证照: the safety-production licence, standardisation grade, staff
    special-operation certificates and others, with their expiry dates."""

    path = "/api/v1/certificates"
    tags = ["reminders"]
    guards = [ENTERPRISE]

    @get("/")
    async def list_certificates(self, request: Req, db: Db) -> list[CertificateRead]:
        """Certificates the caller looks after, the soonest to expire first."""
        v = await dashboard.viewer_of(db, request.user)
        today = service.today()
        return [certificate_read(r, today) for r in await repository.certificates(db, v.units)]

    @post("/")
    async def create_certificate(
        self, request: Req, db: Db, data: JSONBody[CertificateCreate]
    ) -> CertificateRead:
        """Register a certificate; `attachment_id` is a scan uploaded to
        /api/v1/attachments/documents."""
        certificate = await service.create_certificate(db, request.user, data)
        assert certificate.id is not None
        return await _certificate(db, certificate.id)

    @get("/{certificate_id:int}")
    async def get_certificate(self, db: Db, certificate_id: FromPath[int]) -> CertificateRead:
        return await _certificate(db, certificate_id)

    @patch("/{certificate_id:int}")
    async def update_certificate(
        self,
        request: Req,
        db: Db,
        certificate_id: FromPath[int],
        data: JSONBody[CertificateUpdate],
    ) -> CertificateRead:
        """Change a certificate (a renewal is a new `expires_on`: its alarms resolve)."""
        await service.update_certificate(db, request.user, certificate_id, data)
        return await _certificate(db, certificate_id)

    @delete("/{certificate_id:int}")
    async def delete_certificate(self, request: Req, db: Db, certificate_id: FromPath[int]) -> None:
        await service.delete_certificate(db, request.user, certificate_id)


class EquipmentController(Controller):
    """Equipment 设备台账 with its periodic inspection and end of life."""

    path = "/api/v1/equipment"
    tags = ["reminders"]
    guards = [ENTERPRISE]

    @get("/")
    async def list_equipment(self, request: Req, db: Db) -> list[EquipmentRead]:
        v = await dashboard.viewer_of(db, request.user)
        base = _base(request)
        return [equipment_read(r, base) for r in await repository.equipment_list(db, v.units)]

    @post("/")
    async def create_equipment(
        self, request: Req, db: Db, data: JSONBody[EquipmentCreate]
    ) -> EquipmentRead:
        equipment = await service.create_equipment(db, request.user, data)
        assert equipment.id is not None
        return await _equipment(db, equipment.id, _base(request))

    @get("/{equipment_id:int}")
    async def get_equipment(
        self, request: Req, db: Db, equipment_id: FromPath[int]
    ) -> EquipmentRead:
        return await _equipment(db, equipment_id, _base(request))

    @patch("/{equipment_id:int}")
    async def update_equipment(
        self, request: Req, db: Db, equipment_id: FromPath[int], data: JSONBody[EquipmentUpdate]
    ) -> EquipmentRead:
        """Change equipment; recording an inspection (new dates) resolves its alarms."""
        await service.update_equipment(db, request.user, equipment_id, data)
        return await _equipment(db, equipment_id, _base(request))

    @delete("/{equipment_id:int}")
    async def delete_equipment(self, request: Req, db: Db, equipment_id: FromPath[int]) -> None:
        await service.delete_equipment(db, request.user, equipment_id)


class AlarmController(Controller):
    """Open reminders and alarms 提醒报警 of every kind, the most severe and newest first."""

    path = "/api/v1/alarms"
    tags = ["reminders"]
    guards = [ENTERPRISE]

    @get("/")
    async def open_alarms(self, request: Req, db: Db) -> list[AlarmRead]:
        v = await dashboard.viewer_of(db, request.user)
        return [alarm_read(r) for r in await repository.open_alarms(db, v.units)]

    @post("/{alarm_id:int}/resolve", status_code=200)
    async def resolve(self, request: Req, db: Db, alarm_id: FromPath[int]) -> AlarmRead:
        """Mark an alarm handled 已处理/已知悉 (managers of its unit)."""
        alarm = await service.resolve_alarm(db, request.user, alarm_id)
        return alarm_read({**alarm.model_dump(), "org_unit_name": None})


@get("/api/v1/dashboard", guards=[ENTERPRISE], tags=["reminders"])
async def dashboard_numbers(request: Req, db: Db) -> DashboardRead:
    """The numbers of the enterprise home page for what the caller looks after."""
    v = await dashboard.viewer_of(db, request.user)
    total, severe = await dashboard.alarm_counts(db, v)
    return (await dashboard.numbers(db, v)).read(total, severe)


routes: list[Any] = [
    CertificateController,
    EquipmentController,
    AlarmController,
    dashboard_numbers,
    *page_routes,
]
