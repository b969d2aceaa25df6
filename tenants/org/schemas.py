"""API shapes of the org tree, its managers, people and responsibility documents.

Text lengths and choices are checked by the service (one Chinese message per field for
the API and the pages alike), so these shapes only fix the types."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class UnitFigures(BaseModel):
    """The subtree's work (层层关注): everything in the unit and below it."""

    risk_major: int = 0
    risk_significant: int = 0
    risk_general: int = 0
    risk_low: int = 0
    hazards_open: int = 0
    hazards_overdue: int = 0
    tasks_pending: int = 0
    tasks_overdue: int = 0


class OrgUnitRead(BaseModel):
    id: int
    parent_id: int | None
    name: str
    kind: str
    path: str
    depth: int = Field(description="0 for the company")
    label: str = Field(description="path of names from the company, e.g. 本公司 / 生产部")
    is_safety_department: bool
    sort: int
    figures: UnitFigures | None = None


class OrgUnitNode(OrgUnitRead):
    children: list[OrgUnitNode] = Field(default_factory=list)


class OrgUnitCreate(BaseModel):
    parent_id: int = Field(description="the unit to create it under (the company at the top)")
    name: str
    kind: str = Field(description="department | workshop | team | post")
    is_safety_department: bool = False
    sort: int = 0


class OrgUnitUpdate(BaseModel):
    """Any subset: rename, move (parent_id), change kind, mark the safety department."""

    name: str | None = None
    parent_id: int | None = None
    kind: str | None = None
    is_safety_department: bool | None = None
    sort: int | None = None


class ManagerIn(BaseModel):
    user_id: int
    duty: str = Field(description="head 负责人 | deputy 分管负责人 | safety_officer 安全员")


class ManagerRead(BaseModel):
    user_id: int
    duty: str
    display_name: str
    username: str


class StaffRead(BaseModel):
    id: int
    name: str
    org_unit_id: int
    org_unit_name: str
    user_id: int | None
    job_title: str
    phone: str
    active: bool
    created_at: datetime | None


class StaffCreate(BaseModel):
    name: str
    org_unit_id: int
    user_id: int | None = None
    job_title: str = ""
    phone: str = ""


class StaffUpdate(BaseModel):
    """Any subset; `active: false` deactivates the person (the record stays)."""

    name: str | None = None
    org_unit_id: int | None = None
    user_id: int | None = None
    job_title: str | None = None
    phone: str | None = None
    active: bool | None = None


class AccountOpen(BaseModel):
    """A login account for a person of the staff list 开通账号."""

    username: str
    password: str
    role: str = "worker"  # worker | unit_head | safety_manager | admin


class AccountOpened(BaseModel):
    staff_id: int
    user_id: int
    username: str
    role: str


class DocumentRead(BaseModel):
    id: int
    org_unit_id: int
    title: str
    attachment_id: int
    original_name: str
    content_type: str
    bytes: int
    uploaded_by: int | None
    uploaded_at: datetime | None
    url: str = Field(description="the file, for a signed-in page user")
    content_url: str = Field(description="the file, with a bearer token")
