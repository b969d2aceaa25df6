"""API shapes of online spot checks. Choices, lengths and who may do what are checked by the
service (one Chinese message per field, for the API and the pages alike)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class Criteria(BaseModel):
    """Which enterprises make up the population: every active enterprise (and public site) the
    officer's jurisdiction holds, narrowed by these filters; empty means any."""

    under: str = Field(default="", description="ltree path of a place inside the jurisdiction")
    kind: str = Field(default="", description="'enterprise' or 'public_site'")
    site_type: str = Field(default="", description="school, hospital … (public sites)")
    industry: str = ""
    sector: str = Field(default="", description="sector code (bureau draws only)")
    major_hazards: bool = Field(default=False, description="only with open major hazards")


class SpotCheckCreate(BaseModel):
    """A new draw 双随机抽取: the population's filters, how many (a number or a percentage),
    the checkers to choose from, and the period whose records are reviewed."""

    title: str = ""
    criteria: Criteria = Field(default_factory=Criteria)
    sample_size: int | None = Field(default=None, description="how many enterprises")
    sample_percent: float | None = Field(default=None, description="or this share, rounded up")
    checker_ids: list[int] | None = Field(
        default=None, description="user ids of the checker pool; omitted: every candidate"
    )
    review_from: date | None = None
    review_to: date | None = None
    seed: int | None = Field(
        default=None, description="0 ≤ seed < 2**63; omitted: drawn from the OS's secure source"
    )


class PopulationPreview(BaseModel):
    size: int
    checkers: list[CheckerRead]


class CheckerRead(BaseModel):
    user_id: int
    name: str
    role: str


class TargetRead(BaseModel):
    tenant_id: int
    position: int
    name: str
    credit_code: str
    place: str
    checker_user_id: int | None
    checker_name: str
    verdict: str | None
    summary: str
    reviewed_at: datetime | None
    findings: int
    failed_findings: int


class SpotCheckRead(BaseModel):
    id: int
    title: str
    gov_body_id: int | None
    jurisdiction_id: int
    jurisdiction_name: str
    sector: str | None
    criteria: dict[str, Any]
    population_size: int
    sample_size: int
    seed: str = Field(description="as text: JavaScript numbers cannot hold 63 bits")
    algorithm: str
    review_from: date
    review_to: date
    status: str
    drawn_by: int
    drawn_by_name: str
    drawn_at: datetime | None
    finished_at: datetime | None
    published_at: datetime | None
    reviewed: int
    checker_pool: list[int]


class SpotCheckDetail(SpotCheckRead):
    targets: list[TargetRead]


class DrawRecord(BaseModel):
    """Everything needed to redo the draw elsewhere."""

    algorithm: str
    seed: str
    sample_size: int
    population_ids: list[int]
    checker_pool: list[int]
    targets: list[tuple[int, int, int | None]] = Field(
        description="(position, enterprise id, checker user id) as stored"
    )


class VerificationRead(BaseModel):
    ok: bool
    algorithm: str
    seed: str
    population_size: int
    sample_size: int
    mismatches: list[int] = Field(description="positions whose stored target differs")
    reason: str = ""


class FindingCreate(BaseModel):
    """A verdict on one reviewed record. `item`: self_check (subject: an inspection task),
    rectification (a hazard), daily_photos (a risk point), other (no subject). A failure may
    open a hazard in the enterprise's loop (`action='hazard'`) or issue a supervision order
    (`action='order'`, with a deadline)."""

    item: str
    subject_id: int | None = None
    verdict: str
    note: str = ""
    action: str = "none"
    title: str = ""
    requirement: str = ""
    deadline: date | None = None


class FindingRead(BaseModel):
    id: int
    tenant_id: int
    spot_check_id: int
    item: str
    subject_table: str | None
    subject_id: int | None
    verdict: str
    note: str
    hazard_id: int | None
    order_id: int | None
    decided_by: int
    decided_at: datetime | None

    model_config = {"from_attributes": True}


class VerdictCreate(BaseModel):
    """The overall verdict on one sampled enterprise."""

    verdict: str
    summary: str = ""


class ReviewRead(BaseModel):
    """One sampled enterprise with its records of the review period and the verdicts so far."""

    spot_check_id: int
    target: TargetRead
    self_checks: list[dict[str, Any]]
    hazards: list[dict[str, Any]]
    daily_duties: list[dict[str, Any]]
    findings: list[FindingRead]
    can_record: bool


class PublishedResult(BaseModel):
    spot_check_id: int
    title: str
    jurisdiction_name: str
    published_at: datetime | None
    review_from: date
    review_to: date
    tenant_id: int
    enterprise: str
    credit_code: str
    verdict: str | None
    summary: str
    failed_items: int


class MyFinding(BaseModel):
    item: str
    verdict: str
    note: str
    hazard_id: int | None
    order_id: int | None


class MyResult(BaseModel):
    """A published result about the calling enterprise."""

    spot_check_id: int
    title: str
    review_from: date
    review_to: date
    published_at: datetime | None
    verdict: str | None
    summary: str
    findings: list[MyFinding]


PopulationPreview.model_rebuild()
