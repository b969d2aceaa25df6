"""Scheduled jobs of the checks: generate the inspection tasks of the current periods and
mark the tasks left undone past their due time. Both are single set-based statements over
every tenant, run as the system principal, and idempotent (so frequent runs are cheap)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from periodiq import cron
from sqlalchemy.orm import Session

from anwang.platform.jobs import tenant_actor
from anwang.platform.principal import SYSTEM
from anwang.tenants.checks import generation

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


# Every 15 minutes: a new shift or day is covered within a quarter of an hour, and a run that
# finds its tasks already made inserts nothing. No retries: the next round does the work.
@tenant_actor("checks.generate_tasks", run_as=SYSTEM, periodic=cron("*/15 * * * *"), max_retries=0)
def generate_tasks(session: Session, at: str | None = None) -> int:
    """Create the tasks of every active checklist for the periods containing `at` (ISO
    timestamp; now when omitted)."""
    moment = datetime.fromisoformat(at) if at else _now()
    created = generation.generate_due_tasks(session, moment)
    logger.info("inspection tasks created: %d (at %s)", created, moment.isoformat())
    return created


# Off the quarter hours, so a period's last task generation and its missed marking never
# share a minute.
@tenant_actor("checks.mark_missed", run_as=SYSTEM, periodic=cron("5-59/15 * * * *"), max_retries=0)
def mark_missed(session: Session, at: str | None = None) -> int:
    """Pending tasks past their due time become missed, each with one 'task_overdue' alarm."""
    moment = datetime.fromisoformat(at) if at else _now()
    missed = generation.mark_missed(session, moment)
    logger.info("inspection tasks missed: %d (at %s)", missed, moment.isoformat())
    return missed
