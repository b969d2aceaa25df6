"""Test database: a fresh database on a real PostgreSQL server, built by the migrations
and seeded with the `small` demo city once per run.

Server: ANWANG_TEST_ADMIN_URL (a superuser URL), else 127.0.0.1:5432, else the
embedded server (so a machine without PostgreSQL still runs the suite).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from litestar.testing import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, make_url

from anwang.platform.db import apply_principal, to_sqlalchemy_url
from anwang.platform.principal import Principal
from tests.platform.browser import CHROMIUM, DESKTOP, PHONE, launch_chromium, live_server, login

TEST_DB = f"anwang_test_{os.getpid()}"
EMBEDDED_DIR = Path(tempfile.gettempdir()) / "anwang-test"


def _admin_url() -> tuple[str, bool]:
    """A superuser URL, and whether it is an embedded server started for this run."""
    url = os.environ.get("ANWANG_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        psycopg.connect(url, connect_timeout=3).close()
        return url, False
    except psycopg.OperationalError:
        from anwang.platform.embedded import ensure_embedded

        embedded = make_url(ensure_embedded(EMBEDDED_DIR)).set(database="postgres")
        return embedded.render_as_string(hide_password=False), True


@pytest.fixture(scope="session")
def owner_url() -> Iterator[str]:
    """Owner URL of a freshly migrated and seeded database for this test run."""
    admin, embedded = _admin_url()
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"drop database if exists {TEST_DB} with (force)")
        c.execute(f"create database {TEST_DB}")
    url = make_url(admin).set(database=TEST_DB).render_as_string(hide_password=False)
    os.environ["ANWANG_DATABASE_URL"] = url
    os.environ.pop("ANWANG_APP_DATABASE_URL", None)
    from anwang.platform import db
    from anwang.platform.settings import get_settings

    get_settings.cache_clear()
    for cached in (db.app_async_engine, db.app_engine, db.owner_engine):
        cached.cache_clear()

    from anwang.platform.migrate import upgrade
    from anwang.platform.seed import seed_city

    upgrade(url)
    seed_city(url, scale="small", seed=1)
    yield url
    for cached in (db.app_async_engine, db.app_engine, db.owner_engine):
        cached.cache_clear()
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"drop database if exists {TEST_DB} with (force)")
    if embedded:  # started for this run, so stopped with it
        from anwang.platform.embedded import stop_embedded

        stop_embedded(EMBEDDED_DIR)


@pytest.fixture(scope="session")
def app_url(owner_url: str) -> str:
    from anwang.platform.db import app_url as resolve

    return resolve()


@pytest.fixture
def owner_db(owner_url: str) -> Iterator[Connection]:
    """An owner connection inside a transaction that is rolled back."""
    engine = create_engine(to_sqlalchemy_url(owner_url))
    with engine.connect() as conn:
        tx = conn.begin()
        yield conn
        tx.rollback()
    engine.dispose()


@pytest.fixture
def app_db(app_url: str) -> Iterator[Connection]:
    """An application-role connection inside a transaction that is rolled back.
    Call `as_principal(app_db, principal)` to act as someone."""
    engine = create_engine(to_sqlalchemy_url(app_url))
    with engine.connect() as conn:
        tx = conn.begin()
        yield conn
        tx.rollback()
    engine.dispose()


def as_principal(conn: Connection, principal: Principal) -> None:
    apply_principal(conn, principal)


@contextmanager
def own_storage(url: str) -> Iterator[None]:
    """Inside the block, uploads go to the storage at `url` (a test module's own folder);
    the cached settings and storage are dropped on the way in and out."""
    from anwang.platform.attachments.storage import get_storage
    from anwang.platform.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANWANG_STORAGE_URL", url)
        get_settings.cache_clear()
        get_storage.cache_clear()
        yield
    get_settings.cache_clear()
    get_storage.cache_clear()


# --- browser tests: one live server per run on the test database, one headless Chromium,
# and desktop and phone pages (any area's tests may use them) ---


@pytest.fixture(scope="session")
def base(owner_url: str) -> Iterator[str]:
    with live_server(owner_url) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        # A failure, not a skip: a run without its browser tests must not look green.
        pytest.fail(f"{CHROMIUM} is missing: run deploy/install-browser.sh")
    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def signed_in(browser: Browser, base: str) -> Iterator[Callable[[str], Page]]:
    """Desktop pages signed in as given users, each in a context of its own."""
    contexts: list[BrowserContext] = []

    def open_as(username: str) -> Page:
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        login(page, base, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def client(owner_url: str) -> Iterator[TestClient]:
    """The real application in-process, one per test module (a module may define its own,
    e.g. with its own storage)."""
    from anwang.platform.web.app import create_app

    with TestClient(create_app()) as c:
        yield c
