"""Tables of hazards, their timeline and deadline extensions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from anwang.platform.tenancy import TenantRow, server_default


class Hazard(TenantRow, table=True):
    __tablename__ = "hazard"
    source: str  # check | report | patrol | spot_check
    risk_point_id: int | None = None
    check_id: int | None = None
    patrol_visit_id: int | None = None  # found by a government patrol (supervision)
    org_unit_id: int | None = None
    tier: str | None = None  # on_spot | general | major
    state: str = "reported"
    title: str
    description: str = ""
    location: str = ""
    lat: float | None = None
    lon: float | None = None
    found_at: datetime | None = server_default()
    reported_by: int | None = None
    confirmed_by: int | None = None
    confirmed_at: datetime | None = None
    reject_reason: str | None = None
    responsible_user_id: int | None = None
    deadline: date | None = None
    plan: str = ""
    measure: str = ""
    five_implementations: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    reported_to_bureau_at: datetime | None = None
    stop_work: bool = False
    rectified_by: int | None = None
    rectified_at: datetime | None = None
    accepted_by: int | None = None
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    escalation_level: int = 0
    created_at: datetime | None = server_default()
    updated_at: datetime | None = server_default()


class HazardEvent(TenantRow, table=True):
    """One step of a hazard's timeline."""

    __tablename__ = "hazard_event"
    hazard_id: int
    action: str
    from_state: str | None = None
    to_state: str
    actor_user_id: int | None = None
    at: datetime | None = server_default()
    note: str = ""
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))


class HazardExtension(TenantRow, table=True):
    """A deadline extension request 延期申请, decided by the level above."""

    __tablename__ = "hazard_extension"
    hazard_id: int
    requested_by: int | None = None
    requested_at: datetime | None = server_default()
    old_deadline: date
    new_deadline: date
    reason: str
    decision: str = "pending"  # pending | approved | refused
    decided_by: int | None = None
    decided_at: datetime | None = None
