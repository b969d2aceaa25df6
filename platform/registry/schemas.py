"""API shapes of the registry."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from anwang.platform.registry.credit_code import credit_code_error
from anwang.platform.registry.sectors import SECTORS

SCALES = ("large", "medium", "small", "micro")


class EnterpriseRead(BaseModel):
    id: int
    kind: str
    site_type: str | None
    name: str
    credit_code: str
    industry: str
    scale: str
    address: str
    legal_representative: str
    lon: float | None
    lat: float | None
    jurisdiction_id: int
    jurisdiction_path: str
    sector: str
    status: str
    created_at: datetime | None

    model_config = {"from_attributes": True}


class EnterprisePage(BaseModel):
    total: int
    items: list[EnterpriseRead]


class EnterpriseUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=2, max_length=100)
    industry: str | None = Field(default=None, min_length=1, max_length=50)
    scale: str | None = None
    address: str | None = Field(default=None, max_length=200)
    legal_representative: str | None = Field(default=None, max_length=50)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: str | None) -> str | None:
        if v is not None and v not in SCALES:
            raise ValueError("企业规模应为 large、medium、small 或 micro")
        return v


class EnterpriseCreate(EnterpriseUpdate):
    name: str = Field(min_length=2, max_length=100)
    credit_code: str
    industry: str = Field(min_length=1, max_length=50)
    scale: str = "small"
    jurisdiction_id: int
    sector: str = "industry"
    kind: str = "enterprise"
    site_type: str | None = None

    @field_validator("sector")
    @classmethod
    def _sector(cls, v: str) -> str:
        if v not in SECTORS:
            raise ValueError("行业主管领域无效，请从列表中选择")
        return v

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, v: str) -> str:
        error = credit_code_error(v)
        if error:
            raise ValueError(error)
        return v.strip().upper()


class JurisdictionRead(BaseModel):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str
    center_lon: float | None
    center_lat: float | None

    model_config = {"from_attributes": True}
