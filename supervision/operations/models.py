"""The table of dangerous-operation permits 危险作业报备 (migration 0011)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from anwang.platform.tenancy import TenantRow, server_default


def _tz() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class DangerousOperation(TenantRow, table=True):
    """One permit reported before the work starts: kind, grade, who, where, gas analysis,
    measures and its validity window; reported → active → finished, or cancelled."""

    __tablename__ = "dangerous_operation"
    kind: str  # confined_space | hot_work | lifting | work_at_height
    grade: str | None = None  # see limits.GRADES
    permit_no: str
    location: str
    content: str
    org_unit_id: int | None = None
    applicant: str = ""
    supervisor: str  # 监护人
    operators: str = ""  # 作业人
    approver: str = ""  # 审批人
    gas_test: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    measures: str = ""
    valid_from: datetime = _tz()
    valid_to: datetime = _tz()
    status: str = "reported"  # reported | active | finished | cancelled
    started_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    cancelled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    cancel_reason: str = ""
    reported_by: int | None = None
    reported_at: datetime | None = server_default()
