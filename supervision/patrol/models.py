"""Tables of government patrols 巡查: rules, cycles, assignments, visits and their alarms
(migration 0008)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from anwang.platform.sqltypes import Ltree
from anwang.platform.tenancy import TenantRow, server_default


class PatrolRule(SQLModel, table=True):
    """A cycle length for one kind of patrol in a jurisdiction subtree (nearest rule wins)."""

    __tablename__ = "patrol_rule"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id", sa_type=BigInteger)
    jurisdiction_path: str = Field(sa_type=Ltree, nullable=False)
    sector: str | None = None
    patrol_kind: str  # grid | town | sector | self_check
    cycle_months: int
    set_by: int | None = None
    set_at: datetime | None = server_default()


class PatrolCycle(SQLModel, table=True):
    """One round 巡查轮次 of one patrolling body over its area."""

    __tablename__ = "patrol_cycle"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    patrol_kind: str  # grid | town | sector
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id", sa_type=BigInteger)
    jurisdiction_path: str = Field(sa_type=Ltree, nullable=False)
    sector: str | None = None
    seq: int
    starts_on: date
    ends_on: date
    created_at: datetime | None = server_default()


class PatrolAssignment(TenantRow, table=True):
    """One enterprise to visit in one cycle, by one inspector."""

    __tablename__ = "patrol_assignment"
    cycle_id: int = Field(sa_type=BigInteger)
    inspector_user_id: int = Field(sa_type=BigInteger)
    due_on: date
    status: str = "planned"  # planned | visited | missed
    visit_id: int | None = None
    visited_on: date | None = None
    created_at: datetime | None = server_default()


class PatrolVisit(TenantRow, table=True):
    """A visit 巡查记录: check-in, the patrol checklist's results, the count of findings."""

    __tablename__ = "patrol_visit"
    assignment_id: int | None = None
    inspector_user_id: int = Field(sa_type=BigInteger)
    patrol_kind: str
    idempotency_key: uuid.UUID
    checked_in_at: datetime
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    distance_m: float | None = None
    results: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONB))
    note: str = ""
    findings: int = 0
    received_at: datetime | None = server_default()


class PatrolAlarm(TenantRow, table=True):
    """A government-side patrol alarm: a visit due soon or missed."""

    __tablename__ = "patrol_alarm"
    assignment_id: int = Field(sa_type=BigInteger)
    cycle_id: int = Field(sa_type=BigInteger)
    inspector_user_id: int = Field(sa_type=BigInteger)
    patrol_kind: str
    kind: str  # patrol_due_soon | patrol_missed
    severity: str  # reminder | alarm
    message: str
    due_on: date
    raised_at: datetime | None = server_default()
    resolved_at: datetime | None = None
