"""Running the application's async code from sync tests, on the real database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.db import to_sqlalchemy_url
from anwang.platform.principal import Principal

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)` in a thread of its own: Playwright's sync API (the browser tests of
    the same run) keeps an event loop running in the main thread, where asyncio.run() is
    refused, so tests must not depend on running before or after them."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def run_as(
    app_url: str, principal: Principal | None, fn: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """`fn` in an async session of the application role acting as `principal` (none: set it
    inside `fn`), rolled back at the end."""

    async def go() -> T:
        engine = create_async_engine(to_sqlalchemy_url(app_url))
        try:
            async with AsyncSession(engine) as session:
                if principal is not None:
                    session.info["principal"] = principal
                try:
                    return await fn(session)
                finally:
                    await session.rollback()
        finally:
            await engine.dispose()

    return run_async(go())
