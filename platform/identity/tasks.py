"""Identity housekeeping jobs: expired sessions, tokens and old login attempts."""

from __future__ import annotations

import logging
from typing import Any, cast

from periodiq import cron
from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

from anwang.platform.jobs import tenant_actor
from anwang.platform.principal import AUTH

logger = logging.getLogger(__name__)

# Old enough to be outside any login-throttling window (settings.login_window_minutes).
LOGIN_ATTEMPT_KEEP = "1 day"


# Hourly, off the top of the hour when other cron jobs crowd in. No retries: a retried
# message would be skipped by periodiq as stale anyway, and the next hour does the work.
@tenant_actor("identity.purge_expired", run_as=AUTH, periodic=cron("7 * * * *"), max_retries=0)
def purge_expired(session: Session) -> dict[str, int]:
    """Delete expired web sessions and API tokens and old login attempts.

    Idempotent: a second run finds nothing more to delete. Runs as the `auth` principal,
    the only one the policies let touch these tables."""
    statements = {
        "web_session": "delete from web_session where expires_at <= now()",
        "api_token": "delete from api_token where expires_at <= now()",
        "login_attempt": "delete from login_attempt"
        f" where at < now() - interval '{LOGIN_ATTEMPT_KEEP}'",
    }
    counts = {table: _deleted(session, sql) for table, sql in statements.items()}
    logger.info("purged %s", counts)
    return counts


def _deleted(session: Session, sql: str) -> int:
    result = cast(CursorResult[Any], session.execute(text(sql)))
    return result.rowcount
