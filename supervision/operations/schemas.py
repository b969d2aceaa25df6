"""API shapes of dangerous-operation permits. The service checks every value (one Chinese
message per field, for the API and the pages alike); these shapes only fix the types.

Times without a zone are Beijing time (the form's datetime-local fields send them so)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class GasTest(BaseModel):
    """The gas analysis 气体分析 before a confined-space or hot-work operation."""

    o2: Decimal | None = Field(default=None, description="oxygen, % by volume (19.5–23.5)")
    flammable: Decimal | None = Field(
        default=None, description="flammable gas, % of the lower explosive limit (%LEL, < 10)"
    )
    toxic: str = Field(default="", description="toxic gases and readings, e.g. H2S 2 mg/m³")
    tested_at: datetime | None = None
    tester: str = ""


class OperationCreate(BaseModel):
    """A permit reported before the work starts 作业前报备."""

    kind: str = Field(description="confined_space | hot_work | lifting | work_at_height")
    grade: str | None = Field(
        default=None,
        description="hot_work: special|first|second; lifting: first|second|third; "
        "work_at_height: first|second|third|fourth; none for confined_space",
    )
    permit_no: str = Field(description="the permit's number 作业票编号, unique in the enterprise")
    location: str
    content: str = Field(description="what is done 作业内容")
    org_unit_id: int | None = Field(default=None, description="the unit doing the work")
    applicant: str = ""
    supervisor: str = Field(description="监护人")
    operators: str = Field(default="", description="作业人, names separated by 、")
    approver: str = Field(default="", description="审批人")
    gas_test: GasTest | None = None
    measures: str = Field(default="", description="安全措施")
    valid_from: datetime
    valid_to: datetime


class OperationAction(BaseModel):
    """start: gas_test when none was given at the report (confined space, hot work);
    cancel: reason; finish: nothing."""

    gas_test: GasTest | None = None
    reason: str = ""


class OperationRead(BaseModel):
    id: int
    tenant_id: int
    enterprise_name: str = ""
    kind: str
    kind_name: str
    grade: str | None
    grade_name: str
    permit_no: str
    location: str
    content: str
    org_unit_id: int | None
    applicant: str
    supervisor: str
    operators: str
    approver: str
    gas_test: GasTest | None
    measures: str
    valid_from: datetime
    valid_to: datetime
    limit_hours: int
    limit_basis: str
    status: str
    phase: str = Field(
        description="upcoming | open | active | overrun | expired | finished | cancelled"
    )
    phase_name: str
    started_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    reported_by: int | None
    reported_at: datetime | None
    allowed_actions: list[str] = Field(default_factory=list)


class OperationPage(BaseModel):
    total: int
    items: list[OperationRead]
    counts: dict[str, int] = Field(description="by kind")


class LiveView(BaseModel):
    """What a supervising body sees: under way now, starting later today, and those whose
    permit ran out while still marked under way 超时未关闭."""

    now: datetime
    under_way: list[OperationRead]
    later_today: list[OperationRead]
    overrun: list[OperationRead]
    counts: dict[str, int] = Field(description="under way and later today, by kind")
