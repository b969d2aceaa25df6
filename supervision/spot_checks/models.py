"""Tables of online spot checks 线上抽查: the draw, its sampled enterprises, the verdicts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from anwang.platform.sqltypes import Ltree
from anwang.platform.tenancy import TenantRow, TenantScoped, server_default


class SpotCheck(SQLModel, table=True):
    """One draw 抽查批次: the population it was drawn from, the seed, and its progress."""

    __tablename__ = "spot_check"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    title: str
    gov_body_id: int | None = None
    jurisdiction_id: int
    jurisdiction_path: str = Field(sa_column=Column(Ltree, nullable=False))
    sector: str | None = None  # set when a sector department draws
    criteria: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB))
    population_ids: list[int] = Field(sa_column=Column(ARRAY(BigInteger), nullable=False))
    checker_pool: list[int] = Field(
        default_factory=list, sa_column=Column(ARRAY(BigInteger), nullable=False)
    )
    sample_size: int
    seed: int = Field(sa_type=BigInteger)
    algorithm: str
    review_from: date
    review_to: date
    status: str = "reviewing"  # reviewing | done | published
    drawn_by: int
    drawn_at: datetime | None = server_default()
    finished_at: datetime | None = None
    published_at: datetime | None = None
    published_by: int | None = None


class SpotCheckTarget(TenantScoped, table=True):
    """One sampled enterprise, its checker and its overall verdict."""

    __tablename__ = "spot_check_target"
    spot_check_id: int = Field(primary_key=True, sa_type=BigInteger)
    position: int
    checker_user_id: int | None = None
    verdict: str | None = None  # pass | fail
    summary: str = ""
    reviewed_at: datetime | None = None


class SpotCheckFinding(TenantRow, table=True):
    """A verdict on one reviewed record; a failure may have opened a hazard or an order."""

    __tablename__ = "spot_check_finding"
    spot_check_id: int = Field(sa_type=BigInteger)
    item: str  # self_check | rectification | daily_photos | other
    subject_table: str | None = None
    subject_id: int | None = None
    verdict: str  # pass | fail
    note: str = ""
    hazard_id: int | None = None
    order_id: int | None = None
    decided_by: int
    decided_at: datetime | None = server_default()
