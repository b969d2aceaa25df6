"""Database engines and the one place where the principal reaches PostgreSQL.

Every transaction opened by a session that carries a principal starts with
`set_config(..., true)` calls (transaction-local, so nothing survives into the
next use of a pooled connection): the database role of the principal's kind and
the settings its row-level-security policies read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.principal import Principal
from anwang.platform.settings import get_settings

_SET_PRINCIPAL = (
    "select set_config('role', %(role)s, true),"
    " set_config('anwang.user_id', %(uid)s, true),"
    " set_config('anwang.tenant_id', %(tid)s, true),"
    " set_config('anwang.scope', %(scope)s, true),"
    " set_config('anwang.sector', %(sector)s, true)"
)


def apply_principal(connection: Connection, principal: Principal) -> None:
    s = principal.settings()
    connection.exec_driver_sql(
        _SET_PRINCIPAL,
        {
            "role": s["role"],
            "uid": s["anwang.user_id"],
            "tid": s["anwang.tenant_id"],
            "scope": s["anwang.scope"],
            "sector": s["anwang.sector"],
        },
    )


@event.listens_for(Session, "after_begin")
def _principal_on_begin(session: Session, _transaction: Any, connection: Connection) -> None:
    principal = session.info.get("principal")
    if principal is not None:
        apply_principal(connection, principal)


def to_sqlalchemy_url(url: str) -> URL:
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def to_libpq_url(url: str | URL) -> str:
    """A plain postgresql:// URL for psql, psycopg and the queue broker."""
    u = make_url(url) if isinstance(url, str) else url
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def owner_url() -> str:
    """Owner connection: from ANWANG_DATABASE_URL, else the embedded server."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    from anwang.platform.embedded import ensure_embedded

    return ensure_embedded(settings.data_dir)


def app_url() -> str:
    settings = get_settings()
    if settings.app_database_url:
        return settings.app_database_url
    u = make_url(owner_url()).set(username=settings.app_role, password=None)
    return to_libpq_url(u)


@lru_cache
def app_async_engine() -> AsyncEngine:
    return create_async_engine(
        to_sqlalchemy_url(app_url()),
        pool_size=get_settings().db_pool_size,
        max_overflow=get_settings().db_pool_size,
        pool_pre_ping=True,
    )


@lru_cache
def app_engine() -> Engine:
    return create_engine(to_sqlalchemy_url(app_url()), pool_size=5, pool_pre_ping=True)


@lru_cache
def owner_engine() -> Engine:
    return create_engine(to_sqlalchemy_url(owner_url()), pool_size=2)


def async_session_factory() -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(app_async_engine(), class_=AsyncSession, expire_on_commit=False)


@contextmanager
def principal_session(principal: Principal, engine: Engine | None = None) -> Iterator[Session]:
    """A sync unit of work as `principal`: commits on success, rolls back on error."""
    factory = sessionmaker(engine or app_engine(), expire_on_commit=False)
    with factory() as session:
        session.info["principal"] = principal
        with session.begin():
            yield session
