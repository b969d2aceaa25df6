"""Tables of identities and authentication."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from anwang.platform.tenancy import TenantScoped


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str
    display_name: str
    phone: str = ""
    password_hash: str
    is_active: bool = True
    created_at: datetime | None = Field(default=None, sa_column_kwargs={"server_default": "now()"})


class TenantMembership(TenantScoped, table=True):
    """A user's role inside one enterprise (boss 一把手, safety manager, admin, unit head, worker)."""

    __tablename__ = "tenant_membership"
    user_id: int = Field(primary_key=True, foreign_key="app_user.id")
    role: str


class GovMembership(SQLModel, table=True):
    """A user's government role over a jurisdiction, in a government body."""

    __tablename__ = "gov_membership"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    gov_body_id: int = Field(foreign_key="gov_body.id")
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id")
    role: str


class WebSession(SQLModel, table=True):
    """A server-side page session; the cookie carries a token whose SHA-256 is the id."""

    __tablename__ = "web_session"
    id: str = Field(primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    membership: str
    created_at: datetime | None = Field(default=None, sa_column_kwargs={"server_default": "now()"})
    expires_at: datetime


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: str = Field(primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    membership: str
    name: str = ""
    created_at: datetime | None = Field(default=None, sa_column_kwargs={"server_default": "now()"})
    expires_at: datetime


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"
    id: int | None = Field(default=None, primary_key=True)
    username: str
    ip: str
    at: datetime | None = Field(default=None, sa_column_kwargs={"server_default": "now()"})
    succeeded: bool
