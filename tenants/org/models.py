"""Tables of the org tree and its people."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from anwang.platform.sqltypes import Ltree
from anwang.platform.tenancy import TenantRow, TenantScoped, server_default


class OrgUnit(TenantRow, table=True):
    """A unit of the tree: company → department → workshop → team → post 岗位."""

    __tablename__ = "org_unit"
    parent_id: int | None = None
    name: str
    kind: str  # company | department | workshop | team | post
    # ids from the company down, kept by the database (triggers org_unit_set_path/_move)
    path: str | None = server_default(sa_type=Ltree)
    is_safety_department: bool = False
    sort: int = 0
    qr_token: str | None = server_default()
    created_at: datetime | None = server_default()


class UnitManager(TenantScoped, table=True):
    """Who manages a unit, and so its subtree: head 负责人, deputy, safety officer 安全员."""

    __tablename__ = "unit_manager"
    org_unit_id: int = Field(primary_key=True)
    user_id: int = Field(primary_key=True, foreign_key="app_user.id")
    duty: str  # head | deputy | safety_officer


class Staff(TenantRow, table=True):
    """A person of the enterprise 员工, with or without an account, at a post or unit."""

    __tablename__ = "staff"
    name: str
    org_unit_id: int
    user_id: int | None = None
    job_title: str = ""
    phone: str = ""
    active: bool = True
    created_at: datetime | None = server_default()


class ResponsibilityDocument(TenantRow, table=True):
    """A safety responsibility document 安全生产责任书/责任制 of a unit or post."""

    __tablename__ = "responsibility_document"
    org_unit_id: int
    title: str
    attachment_id: int
    uploaded_by: int | None = None
    uploaded_at: datetime | None = server_default()
