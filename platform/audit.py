"""The append-only audit log. Rows are written by a database trigger on every
audited table (so no code path can forget), read here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.sqltypes import Ltree


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    tenant_id: int = Field(default=0, primary_key=True)  # 0: not a tenant's row
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor_user_id: int | None = None
    actor_role: str
    table_name: str
    op: str
    row_key: str
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    # The tenant's scope when the event happened (null for non-tenant rows).
    jurisdiction_path: str | None = Field(default=None, sa_type=Ltree)
    sector: str | None = None


async def history(session: AsyncSession, table: str, row_key: str) -> list[AuditEvent]:
    """The changes of one row, oldest first, as far as the principal may see them."""
    rows = await session.exec(
        select(AuditEvent)
        .where(AuditEvent.table_name == table, AuditEvent.row_key == row_key)
        .order_by(AuditEvent.at, AuditEvent.id)  # type: ignore[arg-type]
    )
    return list(rows)
