"""API shapes of supervision orders. Lengths and what each step needs are checked by the
service (one Chinese message per field, for the API and the pages alike)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Subject = Literal["hazard", "enterprise", "task"]
Kind = Literal["order", "listed"]
ListingLevel = Literal["city", "district", "town"]


class OrderCreate(BaseModel):
    """An order 督办 (or a listing 挂牌督办 of a major hazard) to a lower jurisdiction
    (`target_jurisdiction_id`) or to an enterprise (`tenant_id` alone). With `parent_id` it is
    the receiving body passing the order down one level (层层督办)."""

    subject: Subject = Field(description="what it is about: a hazard, an enterprise, a task")
    title: str = Field(description="at most 100 characters")
    requirement: str = Field(default="", description="what must be done (at most 2000)")
    deadline: date = Field(description="a day after today")
    tenant_id: int | None = Field(default=None, description="the enterprise concerned")
    hazard_id: int | None = Field(default=None, description="for subject 'hazard'")
    target_jurisdiction_id: int | None = Field(
        default=None, description="a jurisdiction below the issuer's; none: the enterprise"
    )
    kind: Kind = "order"
    listing_level: ListingLevel | None = Field(
        default=None, description="for 'listed': the issuer's own level (taken when omitted)"
    )
    parent_id: int | None = Field(default=None, description="the order passed down")


class OrderForward(BaseModel):
    """Passing a received order down one level: to a jurisdiction below, or the enterprise."""

    target_jurisdiction_id: int | None = None
    tenant_id: int | None = None
    title: str | None = Field(default=None, description="the parent's when omitted")
    requirement: str | None = Field(default=None, description="the parent's when omitted")
    deadline: date | None = Field(default=None, description="the parent's when omitted")


class OrderStep(BaseModel):
    """The text of a step: the answer (respond), or the note (close, return)."""

    text: str = ""


class OrderRead(BaseModel):
    id: int
    kind: str
    subject: str
    tenant_id: int | None
    hazard_id: int | None
    parent_id: int | None
    issuer_body_id: int | None
    issuer_user_id: int
    issuer_jurisdiction_id: int
    target_jurisdiction_id: int | None
    jurisdiction_path: str
    sector: str | None
    listing_level: str | None
    title: str
    requirement: str
    deadline: date
    status: str
    response: str
    responded_by: int | None
    responded_at: datetime | None
    closed_by: int | None
    closed_at: datetime | None
    escalation_level: int
    created_at: datetime | None
    overdue: bool = Field(description="past its deadline and not closed")
    days_overdue: int = 0

    model_config = {"from_attributes": True}


class OrderRow(OrderRead):
    """An order as a list shows it, with the names of the places and bodies."""

    issuer_name: str = Field(description="the issuing body (and its place)")
    target_name: str = Field(description="the receiving place or enterprise")
    enterprise_name: str | None = None
    children: int = 0
    children_closed: int = 0


class OrderPage(BaseModel):
    total: int
    items: list[OrderRow]


class OrderEventRead(BaseModel):
    id: int
    action: str
    action_name: str
    from_status: str | None
    to_status: str
    actor_user_id: int | None
    at: datetime | None
    note: str
    data: dict[str, Any] | None

    model_config = {"from_attributes": True}


class HazardBrief(BaseModel):
    """The hazard of a hazard order, as the order shows it."""

    id: int
    title: str
    state: str
    tier: str | None
    deadline: date | None


class OrderDetail(OrderRow):
    events: list[OrderEventRead] = Field(default_factory=list)
    children_rows: list[OrderRow] = Field(default_factory=list)
    hazard: HazardBrief | None = None
    allowed_actions: list[str] = Field(
        default_factory=list, description="the steps the caller may take now"
    )
