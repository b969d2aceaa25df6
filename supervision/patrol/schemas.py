"""API shapes of patrols: the inspector's assignments, a visit as the tablet sends it and as it
is stored, cycles with their coverage, and the cycle-length rules.

Lengths, codes and counts are checked by the service (one Chinese message per field), so
these shapes only fix the types."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class ChecklistResult(BaseModel):
    """One item of the patrol checklist: `code` from supervision/patrol/checklist.py."""

    code: str
    result: str = Field(description="ok (符合) | not_ok (不符合) | na (不涉及)")
    note: str = ""


class FindingCreate(BaseModel):
    """A problem found on the visit; it becomes a hazard of the enterprise (source 'patrol').
    Its photos are the multipart files named `finding.<index>` (index in `findings`)."""

    title: str
    description: str = ""


class VisitCreate(BaseModel):
    """A visit as the tablet records it, sent as the multipart field `visit` (JSON) beside
    the files `photo` (the visit's photos) and `finding.<i>` (each finding's photos).
    `idempotency_key` is made on the tablet when the visit is saved: sending the same visit
    again (after a lost answer) returns the stored one (200) instead of a second record."""

    idempotency_key: uuid.UUID
    tenant_id: int
    checked_in_at: datetime = Field(description="check-in time, with its zone offset")
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    results: list[ChecklistResult] = Field(default_factory=list)
    note: str = ""
    findings: list[FindingCreate] = Field(default_factory=list)


class VisitRead(BaseModel):
    id: int
    tenant_id: int
    enterprise_name: str
    assignment_id: int | None
    inspector_user_id: int
    patrol_kind: str
    idempotency_key: uuid.UUID
    checked_in_at: datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    distance_m: float | None
    results: list[dict[str, Any]]
    note: str
    findings: int
    hazard_ids: list[int]
    photo_ids: list[int]
    received_at: datetime | None


class AssignmentRead(BaseModel):
    """One enterprise of the caller's cycle: where it is, when it is planned, whether done."""

    id: int
    tenant_id: int
    enterprise_name: str
    address: str
    lon: float | None
    lat: float | None
    cycle_id: int
    due_on: date
    status: str = Field(description="planned | visited | missed")
    visited_on: date | None
    visit_id: int | None


class CycleRead(BaseModel):
    """A cycle with its coverage: `late` counts visits after the planned day."""

    id: int
    patrol_kind: str
    jurisdiction_id: int
    jurisdiction_name: str
    sector: str | None
    seq: int
    starts_on: date
    ends_on: date
    total: int
    visited: int
    late: int
    missed: int


class RuleRead(BaseModel):
    id: int
    jurisdiction_id: int
    jurisdiction_name: str
    patrol_kind: str
    sector: str | None
    cycle_months: int
    set_at: datetime | None


class RuleSet(BaseModel):
    """Set the cycle length of one kind of patrol for a jurisdiction and everything below it
    (a rule further down still wins there). `cycle_months` null removes the rule."""

    jurisdiction_id: int
    patrol_kind: str = Field(description="grid | town | sector | self_check")
    sector: str | None = None
    cycle_months: int | None = None
