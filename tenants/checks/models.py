"""Tables of checklists, inspection tasks and checks."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from anwang.platform.tenancy import TenantRow, TenantScoped, server_default


class Checklist(TenantRow, table=True):
    __tablename__ = "checklist"
    org_unit_id: int
    name: str
    kind: str  # routine | comprehensive | special
    frequency: str | None = None  # shift | daily | weekly | monthly | quarterly | yearly
    shifts_per_day: int = 3
    active: bool = True
    created_by: int | None = None
    created_at: datetime | None = server_default()


class ChecklistItem(TenantRow, table=True):
    __tablename__ = "checklist_item"
    checklist_id: int
    risk_point_id: int | None = None
    control_measure_id: int | None = None
    content: str
    sort: int = 0


class InspectionTask(TenantRow, table=True):
    """One due run of a checklist for one period 排查任务."""

    __tablename__ = "inspection_task"
    checklist_id: int
    org_unit_id: int
    period_key: str
    starts_at: datetime
    due_at: datetime
    status: str = "pending"  # pending | done | missed
    done_at: datetime | None = None
    created_at: datetime | None = server_default()


class InspectionCheck(TenantRow, table=True):
    """A check as carried out: who, when, where."""

    __tablename__ = "inspection_check"
    checklist_id: int
    task_id: int | None = None
    checked_by: int | None = None
    started_at: datetime | None = server_default()
    finished_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    note: str = ""


class CheckResult(TenantScoped, table=True):
    __tablename__ = "check_result"
    check_id: int = Field(primary_key=True)
    item_id: int = Field(primary_key=True)
    result: str  # ok | not_ok | na
    note: str = ""
    hazard_id: int | None = None
