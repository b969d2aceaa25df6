"""What every tenant-owned table shares: the tenant id (first in the primary key, so tenants
can later be distributed by it) and the tenant's scope columns the RLS policies read."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from anwang.platform.sqltypes import Ltree


class TenantScoped(SQLModel):
    tenant_id: int = Field(primary_key=True, foreign_key="enterprise.id")
    # Copied from the tenant by the database (trigger tenant_scope_fill); never set by code.
    jurisdiction_path: str | None = Field(default=None, sa_type=Ltree, nullable=False)
    sector: str | None = Field(default=None, nullable=False)
