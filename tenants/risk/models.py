"""Tables of risk points, their control measures, assessment history and grading thresholds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from anwang.platform.tenancy import TenantRow, TenantScoped, server_default


class GradingRule(SQLModel, table=True):
    """Default thresholds of a method for a region ('default': the national defaults)."""

    __tablename__ = "grading_rule"
    region: str = Field(primary_key=True)
    method: str = Field(primary_key=True)  # lec | ls
    thresholds: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))


class TenantGradingRule(TenantScoped, table=True):
    """A tenant's own thresholds for a method, overriding the region's."""

    __tablename__ = "tenant_grading_rule"
    method: str = Field(primary_key=True)
    thresholds: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))


class RiskPoint(TenantRow, table=True):
    __tablename__ = "risk_point"
    org_unit_id: int
    name: str
    kind: str  # equipment | activity | place | post
    location: str = ""
    hazard_factors: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False)
    )
    accident_types: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False)
    )
    inspection_frequency: str
    responsible_user_id: int | None = None
    responsible_name: str = ""
    method: str | None = None  # lec | ls | direct
    score: Decimal | None = None
    level: str | None = None  # major | significant | general | low
    major_criterion: str | None = None
    control_level: str | None = None  # company | department | workshop | post
    control_level_overridden: bool = False
    control_unit_id: int | None = None
    control_leader: str = ""
    qr_token: str | None = server_default()
    emergency_phone: str = ""
    status: str = "active"
    created_at: datetime | None = server_default()
    updated_at: datetime | None = server_default()


class ControlMeasure(TenantRow, table=True):
    """A control measure 管控措施 of a risk point, by kind."""

    __tablename__ = "control_measure"
    risk_point_id: int
    kind: str  # engineering | management | training | ppe | emergency
    content: str
    sort: int = 0


class RiskAssessment(TenantRow, table=True):
    """One assessment of a risk point; the history is every row, newest last."""

    __tablename__ = "risk_assessment"
    risk_point_id: int
    method: str
    l: Decimal | None = None  # noqa: E741  (the method's own letter)
    e: Decimal | None = None
    c: Decimal | None = None
    s: Decimal | None = None
    score: Decimal | None = None
    level: str
    major_criterion: str | None = None
    thresholds: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    note: str = ""
    assessed_by: int | None = None
    assessed_at: datetime | None = server_default()
