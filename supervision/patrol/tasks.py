"""Scheduled jobs of patrols, as the system principal: plan the cycles containing today (new
cycles on their first day, enterprises registered since the last run join the open ones),
and close the cycles that ended (missed visits and their alarms, reminders near the end).
Both are idempotent, so the scheduler's send at start and a repeated delivery are harmless."""

from __future__ import annotations

import logging
from datetime import date

from periodiq import cron
from sqlalchemy.orm import Session

from anwang.platform import clock
from anwang.platform.jobs import tenant_actor
from anwang.platform.principal import SYSTEM
from anwang.supervision.patrol import planning

logger = logging.getLogger(__name__)


# Daily at 00:20 Beijing time (16:20 UTC), so a new cycle is planned on its first morning.
@tenant_actor("patrol.plan", run_as=SYSTEM, periodic=cron("20 16 * * *"), max_retries=3)
def plan(session: Session, on: str | None = None) -> dict[str, int]:
    """Plan the patrol cycles of every grid, town and sector department for the day `on`
    (ISO date; today in Beijing when omitted)."""
    day = date.fromisoformat(on) if on else clock.today()
    result = planning.plan_cycles(session, day)
    logger.info(
        "patrol plan %s: %d cycles (%d new), %d assignments new, %d areas without patroller",
        day,
        result.cycles,
        result.cycles_created,
        result.assignments_created,
        len(result.unstaffed),
    )
    return {
        "cycles": result.cycles,
        "cycles_created": result.cycles_created,
        "assignments_created": result.assignments_created,
        "unstaffed": len(result.unstaffed),
    }


# Daily at 00:30 Beijing time, after planning: yesterday was the last day of an ending cycle.
@tenant_actor("patrol.mark_missed", run_as=SYSTEM, periodic=cron("30 16 * * *"), max_retries=3)
def mark_missed(session: Session, on: str | None = None) -> dict[str, int]:
    """Close the cycles that ended before `on` (missed visits raise alarms) and remind of the
    enterprises not yet visited in cycles about to end."""
    day = date.fromisoformat(on) if on else clock.today()
    result = planning.mark_missed(session, day)
    logger.info(
        "patrol %s: %d missed (%d alarms), %d reminders, %d resolved",
        day,
        result.missed,
        result.missed_alarms,
        result.due_soon_alarms,
        result.resolved,
    )
    return {
        "missed": result.missed,
        "missed_alarms": result.missed_alarms,
        "due_soon_alarms": result.due_soon_alarms,
        "resolved": result.resolved,
    }
