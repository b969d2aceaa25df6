"""API shapes of the sector departments' fixed sites 联管联处 and their risk points.

Registration reuses the registry's checks (name, credit code with its check digit); a risk
point's fields are checked by the enterprise risk service's own rules, so these shapes only
fix the types."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from anwang.platform.registry.credit_code import credit_code_error
from anwang.platform.registry.schemas import SCALES
from anwang.tenants.risk.schemas import AssessmentIn, MeasureIn, RiskPointRead


class SiteCreate(BaseModel):
    """A fixed site registered by its sector department 登记场所, in a grid of its scope."""

    name: str = Field(min_length=2, max_length=100)
    site_type: str = Field(description="school | hospital | elderly_care | research_institute | …")
    credit_code: str = Field(description="统一社会信用代码, 18 characters with its check digit")
    scale: str = "small"
    jurisdiction_id: int = Field(description="the grid the site lies in")
    address: str = Field(default="", max_length=200)
    legal_representative: str = Field(default="", max_length=50, description="负责人")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, v: str) -> str:
        error = credit_code_error(v)
        if error:
            raise ValueError(error)
        return v.strip().upper()

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: str) -> str:
        if v not in SCALES:
            raise ValueError("规模应为 large、medium、small 或 micro")
        return v


class LevelCounts(BaseModel):
    red: int = 0
    orange: int = 0
    yellow: int = 0
    blue: int = 0
    unassessed: int = 0


class SiteRead(BaseModel):
    """A site with its risk picture: the highest level of its active risk points, the points
    by colour, and its open hazards."""

    id: int
    kind: str
    name: str
    site_type: str | None
    site_type_name: str
    credit_code: str
    address: str
    legal_representative: str
    jurisdiction_id: int
    place: str
    lon: float | None
    lat: float | None
    status: str
    highest_level: str | None
    highest_colour: str | None
    points: LevelCounts
    open_hazards: int


class SitePage(BaseModel):
    total: int
    by_type: dict[str, int] = Field(description="site type → count ('' for enterprises)")
    by_colour: dict[str, int] = Field(description="sites by the colour of their highest level")
    items: list[SiteRead]


class SitePointCreate(BaseModel):
    """A risk point the sector department gives a site: its level either judged directly
    (`level`) or assessed (`assessment`: LEC, LS or direct judgement by a major-hazard
    situation). A major level needs a named leader 挂牌 (`control_leader`)."""

    org_unit_id: int | None = Field(
        default=None, description="a unit of the site; its root if omitted"
    )
    name: str = Field(max_length=100)
    kind: str = Field(description="equipment | activity | place | post")
    location: str = Field(default="", max_length=200)
    hazard_factors: list[str] = Field(default_factory=list)
    accident_types: list[str] = Field(default_factory=list)
    inspection_frequency: str = "monthly"
    responsible_name: str = Field(default="", max_length=50)
    measures: list[MeasureIn] = Field(default_factory=list)
    control_leader: str = Field(default="", max_length=50)
    level: str | None = Field(default=None, description="major | significant | general | low")
    assessment: AssessmentIn | None = None


class SitePoints(BaseModel):
    site: SiteRead
    items: list[RiskPointRead]
