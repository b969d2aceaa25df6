"""What every tenant-owned table shares: the tenant id (first in the primary key, so tenants
can later be distributed by it) and the tenant's scope columns the RLS policies read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, FetchedValue
from sqlmodel import Field, SQLModel

# The tenant table must be registered wherever a tenant row is declared (foreign key target).
import anwang.platform.registry.models  # noqa: F401
from anwang.platform.sqltypes import Ltree


class TenantScoped(SQLModel):
    # bigint, as in the schema: SQLAlchemy casts bound values to the column type, and an id
    # beyond int4 typed from a URL must find nothing (404), not overflow a cast (500).
    tenant_id: int = Field(primary_key=True, foreign_key="enterprise.id", sa_type=BigInteger)
    # Copied from the tenant by the database (trigger tenant_scope_fill); never set by code.
    jurisdiction_path: str | None = Field(default=None, sa_type=Ltree, nullable=False)
    sector: str | None = Field(default=None, nullable=False)


class TenantRow(TenantScoped):
    """A tenant row with its own identity: primary key (tenant_id, id), id from the database."""

    id: int | None = Field(
        default=None,
        primary_key=True,
        sa_type=BigInteger,
        sa_column_kwargs={"autoincrement": True},
    )


def server_default(**kwargs: Any) -> Any:
    """A column the database fills when the row is inserted (a default or a trigger)."""
    return Field(default=None, sa_column_kwargs={"server_default": FetchedValue()}, **kwargs)


def created_at() -> Any:
    return server_default()


__all__ = ["TenantRow", "TenantScoped", "created_at", "datetime", "server_default"]
