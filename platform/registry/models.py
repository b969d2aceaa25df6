"""Tables of the registry. The schema itself is made by the migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from anwang.platform.sqltypes import Ltree


class Jurisdiction(SQLModel, table=True):
    """An administrative area: 市 → 区/县 → 镇/街道 → 网格."""

    __tablename__ = "jurisdiction"
    id: int | None = Field(default=None, primary_key=True)
    code: str
    name: str
    level: str
    parent_id: int | None = Field(default=None, foreign_key="jurisdiction.id")
    path: str = Field(sa_column=Column(Ltree, nullable=False, unique=True))
    center_lon: float | None = None
    center_lat: float | None = None
    boundary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))


class GovBody(SQLModel, table=True):
    """A government body: an emergency bureau 应急管理局 or a sector department 行业主管部门."""

    __tablename__ = "gov_body"
    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str
    sector: str | None = None
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id")


class Enterprise(SQLModel, table=True):
    """A tenant: an enterprise, or a public site (school, hospital …) of a sector department."""

    __tablename__ = "enterprise"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = "enterprise"
    site_type: str | None = None
    name: str
    credit_code: str
    industry: str
    scale: str
    address: str = ""
    legal_representative: str = ""
    lon: float | None = None
    lat: float | None = None
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id")
    # Filled by a trigger from jurisdiction_id; the RLS policies read it.
    jurisdiction_path: str | None = Field(default=None, sa_column=Column(Ltree, nullable=False))
    sector: str
    status: str = "active"
    created_at: datetime | None = Field(default=None, sa_column_kwargs={"server_default": "now()"})
