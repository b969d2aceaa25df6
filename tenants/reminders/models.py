"""Tables of certificates, equipment and alarms."""

from __future__ import annotations

from datetime import date, datetime

from anwang.platform.tenancy import TenantRow, server_default


class Certificate(TenantRow, table=True):
    """Safety-production licence, standardisation grade, or a staff special-operation certificate."""

    __tablename__ = "certificate"
    kind: str  # safety_licence | special_operation | standardisation | other
    name: str
    number: str = ""
    staff_id: int | None = None
    grade: str = ""
    issued_on: date | None = None
    expires_on: date | None = None
    attachment_id: int | None = None
    created_at: datetime | None = server_default()
    # Where its reminders show: the holder's unit (set from the staff record), else the root.
    org_unit_id: int | None = None


class Equipment(TenantRow, table=True):
    """A piece of equipment 设备 with its periodic inspection and end of life."""

    __tablename__ = "equipment"
    name: str
    org_unit_id: int
    risk_point_id: int | None = None
    model: str = ""
    serial_number: str = ""
    is_special: bool = False
    last_inspected_on: date | None = None
    next_inspection_on: date | None = None
    end_of_life_on: date | None = None
    status: str = "in_use"  # in_use | stopped | scrapped
    qr_token: str | None = server_default()
    created_at: datetime | None = server_default()


class Alarm(TenantRow, table=True):
    """A reminder or alarm shown to a unit (and escalated up the tree when ignored)."""

    __tablename__ = "alarm"
    kind: str
    severity: str  # reminder | alarm
    subject_table: str
    subject_id: int
    org_unit_id: int | None = None
    escalation_level: int = 0
    message: str
    due_on: date | None = None
    raised_at: datetime | None = server_default()
    resolved_at: datetime | None = None
