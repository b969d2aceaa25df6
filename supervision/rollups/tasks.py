"""Scheduled jobs of the roll-ups: every minute the enterprises marked dirty (and the places
above them) are recomputed; once a night everything is rebuilt from the records.

Both run as the system principal and are idempotent (a repeated or missed run leaves the same
figures); they serialise on the refresh's advisory lock. No retries: the next run does the work.
"""

from __future__ import annotations

import logging
from datetime import date

from periodiq import cron
from sqlalchemy.orm import Session

from anwang.platform import clock
from anwang.platform.jobs import tenant_actor
from anwang.platform.principal import SYSTEM
from anwang.supervision.rollups.refresh import rebuild_all, refresh_dirty

logger = logging.getLogger(__name__)


@tenant_actor("rollups.refresh", run_as=SYSTEM, periodic=cron("* * * * *"), max_retries=0)
def refresh(session: Session, on: str | None = None) -> int:
    """Recompute the dirty enterprises for the day `on` (ISO date; today in Beijing)."""
    today = date.fromisoformat(on) if on else clock.today()
    n = refresh_dirty(session, today)
    if n:
        logger.info("roll-ups refreshed for %d enterprises (%s)", n, today)
    return n


# 00:50 Beijing time (16:50 UTC), after the overdue-hazard pass of 00:40: the new day's
# overdue figures are then exact, and anything a trigger could not see is corrected nightly.
@tenant_actor("rollups.rebuild", run_as=SYSTEM, periodic=cron("50 16 * * *"), max_retries=0)
def rebuild(session: Session, on: str | None = None) -> int:
    """Recompute every figure from the records for the day `on` (ISO date; today in Beijing)."""
    today = date.fromisoformat(on) if on else clock.today()
    n = rebuild_all(session, today)
    logger.info("roll-ups rebuilt for %d enterprises (%s)", n, today)
    return n
