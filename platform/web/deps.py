"""Request dependencies: the one unit of work per request, opened as the caller.

The session commits when the handler succeeds and rolls back when it raises, so a
request is the only commit point; services only flush.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TypeAlias

from litestar import Request
from litestar.di import NamedDependency
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.db import async_session_factory
from anwang.platform.principal import AUTH, Principal

# Handler parameter types: `db: Db` runs as the caller, `auth_db: Db` as the auth principal.
Db: TypeAlias = NamedDependency[AsyncSession]


async def _unit_of_work(principal: Principal) -> AsyncGenerator[AsyncSession, None]:
    async with async_session_factory()() as session:
        session.info["principal"] = principal
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        else:
            await session.commit()


async def provide_db(request: Request) -> AsyncGenerator[AsyncSession, None]:
    async for session in _unit_of_work(request.user):
        yield session


async def provide_auth_db() -> AsyncGenerator[AsyncSession, None]:
    async for session in _unit_of_work(AUTH):
        yield session
