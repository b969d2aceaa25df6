"""Scheduled jobs of the reminders: the daily scan of certificate and equipment due dates."""

from __future__ import annotations

import logging
from datetime import date

from periodiq import cron
from sqlalchemy.orm import Session

from anwang.platform import clock
from anwang.platform.jobs import tenant_actor
from anwang.platform.principal import SYSTEM
from anwang.tenants.reminders import scan

logger = logging.getLogger(__name__)


# Daily. periodiq reads cron in the scheduler's local zone: 16:20 is 00:20 in Beijing on a UTC
# clock. The day itself is always taken in Beijing time, and a run that finds everything up
# to date changes nothing, so a repeated or late run is harmless.
@tenant_actor("reminders.scan", run_as=SYSTEM, periodic=cron("20 16 * * *"), max_retries=0)
def scan_due_dates(session: Session, on: str | None = None) -> dict[str, int]:
    """Raise and resolve the certificate and equipment reminders and alarms of every tenant
    for the day `on` (ISO date; today in Beijing when omitted)."""
    today = date.fromisoformat(on) if on else clock.today()
    result = scan.scan(session, today)
    logger.info("reminders scan %s: raised %d, resolved %d", today, result.raised, result.resolved)
    return {"raised": result.raised, "resolved": result.resolved}
