"""Beijing time: the zone of every date people see and of every "today" a job works on
(China has one zone and no daylight saving time)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Today's date in Beijing, whatever the server's own zone."""
    return datetime.now(UTC).astimezone(CHINA).date()
