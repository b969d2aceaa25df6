"""API schemas of certificates, equipment, alarms and the dashboard, and the Chinese names of
the codes this part stores."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from anwang.tenants import vocabulary

CertificateKind = Literal["safety_licence", "special_operation", "standardisation", "other"]
EquipmentStatus = Literal["in_use", "stopped", "scrapped"]

ALARM_KINDS = vocabulary.ALARM_KINDS
SEVERITIES = vocabulary.ALARM_SEVERITIES
EQUIPMENT_STATUSES = vocabulary.EQUIPMENT_STATUSES
CERTIFICATE_KIND_NAMES: dict[str, str] = vocabulary.CERTIFICATE_KINDS


def _dates_in_order(first: date | None, then: date | None, message: str, field: str) -> None:
    if first is not None and then is not None and then < first:
        raise ValueError(f"{field}:{message}")


class CertificateFields(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    kind: CertificateKind
    name: str = Field(min_length=1, max_length=100)
    number: str = Field(default="", max_length=100)
    staff_id: int | None = None
    grade: str = Field(default="", max_length=40)
    issued_on: date | None = None
    expires_on: date | None = None
    attachment_id: int | None = None

    @model_validator(mode="after")
    def _check(self) -> CertificateFields:
        _dates_in_order(self.issued_on, self.expires_on, "有效期至不能早于发证日期", "expires_on")
        if self.kind == "special_operation" and self.staff_id is None:
            raise ValueError("staff_id:特种作业操作证须选择持证人员")
        return self


class CertificateCreate(CertificateFields):
    pass


class CertificateUpdate(BaseModel):
    """Fields to change; the rest keep their values."""

    model_config = ConfigDict(str_strip_whitespace=True)

    kind: CertificateKind | None = None
    name: str | None = Field(default=None, min_length=1, max_length=100)
    number: str | None = Field(default=None, max_length=100)
    staff_id: int | None = None
    grade: str | None = Field(default=None, max_length=40)
    issued_on: date | None = None
    expires_on: date | None = None
    attachment_id: int | None = None


class CertificateRead(BaseModel):
    id: int
    kind: str
    kind_name: str
    name: str
    number: str
    staff_id: int | None
    staff_name: str | None
    grade: str
    issued_on: date | None
    expires_on: date | None
    days_left: int | None
    attachment_id: int | None
    org_unit_id: int | None
    created_at: datetime | None


class EquipmentFields(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    org_unit_id: int
    risk_point_id: int | None = None
    model: str = Field(default="", max_length=100)
    serial_number: str = Field(default="", max_length=100)
    is_special: bool = False
    last_inspected_on: date | None = None
    next_inspection_on: date | None = None
    end_of_life_on: date | None = None
    status: EquipmentStatus = "in_use"

    @model_validator(mode="after")
    def _check(self) -> EquipmentFields:
        _dates_in_order(
            self.last_inspected_on,
            self.next_inspection_on,
            "下次检验日期不能早于上次检验日期",
            "next_inspection_on",
        )
        return self


class EquipmentCreate(EquipmentFields):
    pass


class EquipmentUpdate(BaseModel):
    """Fields to change; the rest keep their values (recording an inspection is an update of
    last_inspected_on and next_inspection_on)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    org_unit_id: int | None = None
    risk_point_id: int | None = None
    model: str | None = Field(default=None, max_length=100)
    serial_number: str | None = Field(default=None, max_length=100)
    is_special: bool | None = None
    last_inspected_on: date | None = None
    next_inspection_on: date | None = None
    end_of_life_on: date | None = None
    status: EquipmentStatus | None = None


class EquipmentRead(BaseModel):
    id: int
    name: str
    org_unit_id: int
    org_unit_name: str
    risk_point_id: int | None
    risk_point_name: str | None
    model: str
    serial_number: str
    is_special: bool
    last_inspected_on: date | None
    next_inspection_on: date | None
    end_of_life_on: date | None
    status: str
    status_name: str
    qr_url: str
    created_at: datetime | None


class AlarmRead(BaseModel):
    id: int
    kind: str
    kind_name: str
    severity: Literal["reminder", "alarm"]
    subject_table: str
    subject_id: int
    subject_url: str
    org_unit_id: int | None
    org_unit_name: str | None
    escalation_level: int
    message: str
    due_on: date | None
    raised_at: datetime | None
    resolved_at: datetime | None


class LevelCount(BaseModel):
    level: str
    name: str
    colour: str
    count: int


class StateCount(BaseModel):
    state: str
    name: str
    count: int


class DashboardRead(BaseModel):
    """The numbers of the home page, limited to what the caller looks after."""

    scope: Literal["company", "units", "own"]
    open_alarms: int
    alarms: int
    reminders: int
    risk_points: list[LevelCount]
    risk_points_total: int
    hazards_open: list[StateCount]
    hazards_open_total: int
    hazards_overdue: int
    hazards_major: int
    tasks_pending_today: int
    tasks_overdue: int
    month_tasks_due: int
    month_tasks_done: int
    month_completion_rate: float | None
    certificates_due: int
    equipment_due: int
