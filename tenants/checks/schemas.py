"""API shapes of checklists, inspection tasks and checks."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

Frequency = Literal["shift", "daily", "weekly", "monthly", "quarterly", "yearly"]
Result = Literal["ok", "not_ok", "na"]


class ChecklistItemRead(BaseModel):
    id: int
    checklist_id: int
    risk_point_id: int | None
    control_measure_id: int | None
    content: str
    sort: int

    model_config = {"from_attributes": True}


class ChecklistRead(BaseModel):
    id: int
    org_unit_id: int
    name: str
    kind: str
    frequency: str | None
    shifts_per_day: int
    active: bool
    created_by: int | None
    created_at: datetime | None
    items: list[ChecklistItemRead] = []

    model_config = {"from_attributes": True}


class ChecklistItemCreate(BaseModel):
    content: str = Field(min_length=1, max_length=500)
    risk_point_id: int | None = None
    sort: int | None = None

    @field_validator("content")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("检查内容不能为空")
        return v


class ChecklistItemUpdate(BaseModel):
    content: str | None = Field(default=None, min_length=1, max_length=500)
    sort: int | None = None


class ChecklistCreate(BaseModel):
    """A routine list (with a frequency) or a special check 专项检查 (without one); its items
    are typed in and/or taken from risk points (one item per control measure)."""

    name: str = Field(min_length=1, max_length=100)
    kind: Literal["routine", "special"] = "special"
    org_unit_id: int
    frequency: Frequency | None = None
    shifts_per_day: int = Field(default=3, ge=1, le=4)
    items: list[ChecklistItemCreate] = []
    risk_point_ids: list[int] = []

    @model_validator(mode="after")
    def _frequency_matches_kind(self) -> ChecklistCreate:
        if self.kind == "routine" and self.frequency is None:
            raise ValueError("日常排查清单需要选择检查频次")
        if self.kind == "special" and self.frequency is not None:
            raise ValueError("专项检查没有检查频次")
        self.name = self.name.strip()
        if not self.name:
            raise ValueError("请填写清单名称")
        return self


class ChecklistUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    active: bool | None = None
    shifts_per_day: int | None = Field(default=None, ge=1, le=4)


class GenerateRequest(BaseModel):
    """`routine`: one list per (unit, frequency) for the unit's subtree (the whole company
    when no unit is given); `comprehensive`: the monthly comprehensive self-check."""

    kind: Literal["routine", "comprehensive"] = "routine"
    org_unit_id: int | None = None


class GenerateResult(BaseModel):
    checklists_created: int
    items_added: int
    checklist_ids: list[int]


class TaskRead(BaseModel):
    id: int
    checklist_id: int
    checklist_name: str
    kind: str
    frequency: str | None
    org_unit_id: int
    unit_name: str
    period_key: str
    period_label: str
    starts_at: datetime
    due_at: datetime
    status: str
    done_at: datetime | None
    overdue: bool
    check_id: int | None = None


class ResultIn(BaseModel):
    item_id: int
    result: Result
    note: str = Field(default="", max_length=500)
    photo_ids: list[int] = []


class CheckCreate(BaseModel):
    results: list[ResultIn]
    note: str = Field(default="", max_length=1000)
    photo_ids: list[int] = []
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0)
    started_at: datetime | None = None


class AdHocCheckCreate(CheckCreate):
    """A check without a task: of a special or routine list, or of one risk point's items."""

    checklist_id: int
    risk_point_id: int | None = None


class ResultRead(BaseModel):
    item_id: int
    content: str
    risk_point_id: int | None
    result: str
    note: str
    hazard_id: int | None


class CheckRead(BaseModel):
    id: int
    checklist_id: int
    checklist_name: str
    task_id: int | None
    checked_by: int | None
    checked_by_name: str
    started_at: datetime | None
    finished_at: datetime | None
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    note: str
    results: list[ResultRead]
    photo_ids: list[int]
