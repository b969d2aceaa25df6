"""Tables of supervision orders 督办 (and listings of major hazards 挂牌督办) and their
timeline; the schema is migration 0010's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from anwang.platform.sqltypes import Ltree
from anwang.platform.tenancy import server_default


class SupervisionOrder(SQLModel, table=True):
    """An order from a higher body to a lower jurisdiction or to an enterprise, with a
    deadline, tracked to closure. `kind='listed'` is the listing of a major hazard for
    supervision 挂牌督办 at `listing_level`. Its place (`jurisdiction_path`) is the target's,
    so the target and every level above it see it."""

    __tablename__ = "supervision_order"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    kind: str = "order"  # order | listed
    subject: str  # hazard | enterprise | task
    tenant_id: int | None = Field(default=None, sa_type=BigInteger)
    hazard_id: int | None = Field(default=None, sa_type=BigInteger)
    parent_id: int | None = Field(default=None, sa_type=BigInteger)  # passed down from it
    issuer_body_id: int | None = Field(default=None, sa_type=BigInteger)
    issuer_user_id: int = Field(sa_type=BigInteger)
    issuer_jurisdiction_id: int = Field(sa_type=BigInteger)
    target_jurisdiction_id: int | None = Field(default=None, sa_type=BigInteger)
    jurisdiction_path: str = Field(sa_type=Ltree, nullable=False)
    sector: str | None = None
    listing_level: str | None = None  # city | district | town (listed only)
    title: str
    requirement: str = ""
    deadline: date
    status: str = "issued"  # issued | responded | returned | closed
    response: str = ""
    responded_by: int | None = Field(default=None, sa_type=BigInteger)
    responded_at: datetime | None = None
    closed_by: int | None = Field(default=None, sa_type=BigInteger)
    closed_at: datetime | None = None
    escalation_level: int = 0
    created_at: datetime | None = server_default()


class SupervisionOrderEvent(SQLModel, table=True):
    """One step of an order's timeline (carries the order's place for the policies)."""

    __tablename__ = "supervision_order_event"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    order_id: int = Field(sa_type=BigInteger)
    jurisdiction_path: str = Field(sa_type=Ltree, nullable=False)
    sector: str | None = None
    action: str
    from_status: str | None = None
    to_status: str
    actor_user_id: int | None = Field(default=None, sa_type=BigInteger)
    at: datetime | None = server_default()
    note: str = ""
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
