"""Alembic environment: migrations run as the owner, on the database in use."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from anwang.platform.db import owner_url, to_sqlalchemy_url

config = context.config


def run_migrations_online() -> None:
    url = config.attributes.get("url") or owner_url()
    engine = create_engine(to_sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
