"""API shapes of hidden dangers, their timeline and deadline extensions.

Lengths, choices and what each step needs are checked by the service (one Chinese message
per field, for the API and the pages alike), so these shapes only fix the types."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class HazardCreate(BaseModel):
    """A report 上报 (随手拍): a title, what and where, photos uploaded beforehand through
    `POST /api/v1/attachments/photos`. With `tier='on_spot'` and a `measure` it is recorded as
    fixed on the spot 现场整改 and closed in the same step."""

    title: str = Field(description="the problem in a few words (at most 100 characters)")
    description: str = ""
    location: str = Field(default="", description="where, in words (e.g. 二号车间东门)")
    org_unit_id: int | None = None
    risk_point_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    photo_ids: list[int] = Field(default_factory=list, description="attachment ids (before)")
    tier: str | None = Field(default=None, description="'on_spot' to record it fixed at once")
    measure: str = Field(default="", description="what was done, for tier 'on_spot'")


class FiveImplementations(BaseModel):
    """五落实 of a major hazard; the deadline 时限 is the hazard's own deadline."""

    responsibility: str = Field(default="", description="责任落实: who is accountable")
    measures: str = Field(default="", description="措施落实")
    funds: str = Field(default="", description="资金落实, e.g. 5万元，已列入预算")
    emergency_plan: str = Field(default="", description="应急预案落实")


class HazardAction(BaseModel):
    """The input of one step; each action reads only its own fields:

    - confirm: tier (general | major), responsible_user_id, deadline, plan; for major also
      five (all of 五落实) and optionally stop_work
    - reject: reason · assign: responsible_user_id (plan optional) · start: note
    - submit: measure and photo_ids (after photos) · fix_on_spot: measure (photo_ids optional)
    - accept: note · refuse: reason · reopen: reason (responsible_user_id and deadline when the
      hazard has none yet)
    - request_extension: new_deadline, reason · approve_extension / refuse_extension: note
    - report_to_bureau: note
    """

    tier: str | None = None
    responsible_user_id: int | None = None
    deadline: date | None = None
    plan: str | None = None
    five: FiveImplementations | None = None
    stop_work: bool | None = None
    measure: str | None = None
    photo_ids: list[int] = Field(default_factory=list)
    reason: str | None = None
    new_deadline: date | None = None
    note: str = ""


class HazardRead(BaseModel):
    id: int
    source: str
    state: str
    tier: str | None
    title: str
    description: str
    location: str
    org_unit_id: int | None
    risk_point_id: int | None
    check_id: int | None
    lat: float | None
    lon: float | None
    found_at: datetime | None
    reported_by: int | None
    confirmed_by: int | None
    confirmed_at: datetime | None
    reject_reason: str | None
    responsible_user_id: int | None
    deadline: date | None
    plan: str
    measure: str
    five_implementations: dict[str, Any] | None
    reported_to_bureau_at: datetime | None
    stop_work: bool
    rectified_by: int | None
    rectified_at: datetime | None
    accepted_by: int | None
    accepted_at: datetime | None
    closed_at: datetime | None
    escalation_level: int
    created_at: datetime | None
    updated_at: datetime | None
    overdue: bool = Field(description="past its deadline and not closed")
    days_overdue: int = 0

    model_config = {"from_attributes": True}


class HazardPage(BaseModel):
    total: int
    items: list[HazardRead]
    counts: dict[str, int] = Field(description="hazards per state under the other filters")


class HazardEventRead(BaseModel):
    id: int
    action: str
    action_name: str
    from_state: str | None
    to_state: str
    actor_user_id: int | None
    actor_name: str
    at: datetime | None
    note: str
    data: dict[str, Any] | None


class HazardExtensionRead(BaseModel):
    id: int
    requested_by: int | None
    requested_at: datetime | None
    old_deadline: date
    new_deadline: date
    reason: str
    decision: str
    decided_by: int | None
    decided_at: datetime | None

    model_config = {"from_attributes": True}


class HazardDetail(HazardRead):
    """A hazard with what a client needs to show it: photos, extensions, allowed steps."""

    photos: list[dict[str, Any]] = Field(default_factory=list)
    extensions: list[HazardExtensionRead] = Field(default_factory=list)
    allowed_actions: list[str] = Field(
        default_factory=list, description="the actions the caller may take now"
    )
