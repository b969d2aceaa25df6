"""API shapes of risk points, their measures and assessments, and the grading thresholds.

The shapes accept plain strings and numbers; the service checks every value against the
vocabulary with a Chinese message naming the field (the same rules serve the API, the pages
and the Excel import)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class MeasureIn(BaseModel):
    """A control measure; with `id` an existing one is kept (and edited), without it a new one."""

    id: int | None = None
    kind: str = Field(description="engineering | management | training | ppe | emergency")
    content: str = Field(max_length=500)


class MeasureRead(BaseModel):
    id: int
    kind: str
    kind_name: str
    content: str
    sort: int


class AssessmentIn(BaseModel):
    """One (re)assessment: LEC needs l, e, c; LS needs l, s; direct needs major_criterion.
    A major result needs a named leader 挂牌: `control_leader` here, or already on the point."""

    method: str = Field(description="lec | ls | direct")
    l: Decimal | str | None = None  # noqa: E741
    e: Decimal | str | None = None
    c: Decimal | str | None = None
    s: Decimal | str | None = None
    major_criterion: str | None = Field(default=None, max_length=300)
    note: str = Field(default="", max_length=500)
    control_leader: str | None = Field(default=None, max_length=50)


class AssessmentRead(BaseModel):
    id: int
    risk_point_id: int
    method: str
    method_name: str
    l: Decimal | None  # noqa: E741
    e: Decimal | None
    c: Decimal | None
    s: Decimal | None
    score: Decimal | None
    level: str
    level_name: str
    colour: str
    major_criterion: str | None
    thresholds: dict[str, Any] | None
    note: str
    assessed_by: int | None
    assessed_by_name: str
    assessed_at: datetime | None


class RiskPointCreate(BaseModel):
    org_unit_id: int
    name: str = Field(max_length=100)
    kind: str = Field(description="equipment | activity | place | post")
    location: str = Field(default="", max_length=200)
    hazard_factors: list[str] = Field(
        default_factory=list, description="human | thing | environment | management"
    )
    accident_types: list[str] = Field(
        default_factory=list, description="codes of GB 6441 (tenants/vocabulary.py)"
    )
    inspection_frequency: str = Field(
        description="shift | daily | weekly | monthly | quarterly | yearly"
    )
    responsible_user_id: int | None = None
    responsible_name: str = Field(default="", max_length=50)
    measures: list[MeasureIn] = Field(default_factory=list)
    control_level: str | None = Field(
        default=None, description="set to override the level's default control level"
    )
    control_unit_id: int | None = Field(
        default=None, description="the controlling unit of an overridden control level"
    )
    control_leader: str = Field(default="", max_length=50)
    emergency_phone: str = Field(default="", max_length=50)
    assessment: AssessmentIn | None = None


class RiskPointUpdate(BaseModel):
    """Only the fields sent change. `measures` replaces the list (ids keep existing ones);
    `control_level_overridden: false` returns the control level to the level's default;
    `status: 'retired'` retires the point."""

    org_unit_id: int | None = None
    name: str | None = Field(default=None, max_length=100)
    kind: str | None = None
    location: str | None = Field(default=None, max_length=200)
    hazard_factors: list[str] | None = None
    accident_types: list[str] | None = None
    inspection_frequency: str | None = None
    responsible_user_id: int | None = None
    responsible_name: str | None = Field(default=None, max_length=50)
    measures: list[MeasureIn] | None = None
    control_level: str | None = None
    control_level_overridden: bool | None = None
    control_unit_id: int | None = None
    control_leader: str | None = Field(default=None, max_length=50)
    emergency_phone: str | None = Field(default=None, max_length=50)
    status: str | None = None


class RiskPointRead(BaseModel):
    id: int
    org_unit_id: int
    org_unit_label: str
    name: str
    kind: str
    kind_name: str
    location: str
    hazard_factors: list[str]
    accident_types: list[str]
    inspection_frequency: str
    frequency_name: str
    responsible_user_id: int | None
    responsible_name: str
    method: str | None
    score: Decimal | None
    level: str | None
    level_name: str
    colour: str | None
    major_criterion: str | None
    control_level: str | None
    control_level_name: str
    control_level_overridden: bool
    control_unit_id: int | None
    control_unit_label: str
    control_leader: str
    emergency_phone: str
    qr_token: str | None
    qr_url: str
    card_url: str
    status: str
    created_at: datetime | None
    updated_at: datetime | None
    measures: list[MeasureRead]


class ColourCounts(BaseModel):
    red: int = 0
    orange: int = 0
    yellow: int = 0
    blue: int = 0
    unassessed: int = 0


class RiskPointPage(BaseModel):
    total: int
    counts: ColourCounts
    items: list[RiskPointRead]


class Thresholds(BaseModel):
    major: Decimal
    significant: Decimal
    general: Decimal


class GradingRuleRead(BaseModel):
    """The thresholds in force for a method and where they come from: the tenant's own,
    its province's default ('32' for Jiangsu), or the national default."""

    method: str
    thresholds: Thresholds
    source: str = Field(description="tenant | region | default")
    region: str
    bands: dict[str, str]


class GradingRuleUpdate(BaseModel):
    """A tenant's own thresholds for a method; `thresholds: null` returns to the default."""

    method: str
    thresholds: Thresholds | None = None


class ImportProblem(BaseModel):
    row: int
    column: str
    problem: str
    value: str


class ImportReport(BaseModel):
    detail: str
    errors: list[ImportProblem]


class ImportResult(BaseModel):
    created: int
    ids: list[int]
