"""Beijing time: the zone of every date people see and of every "today" a job works on
(China has one zone and no daylight saving time)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Today's date in Beijing, whatever the server's own zone."""
    return datetime.now(UTC).astimezone(CHINA).date()


def cn_date(d: date | datetime | None, missing: str = "—") -> str:
    """A date as people read it: 2026年11月24日. A moment is dated in Beijing time (a naive
    one is taken as it is)."""
    if d is None:
        return missing
    if isinstance(d, datetime):
        d = (d.astimezone(CHINA) if d.tzinfo is not None else d).date()
    return f"{d.year}年{d.month}月{d.day}日"


def cn_time(at: datetime | None, missing: str = "—") -> str:
    """A moment as people read it, in Beijing time whatever the server's zone:
    2026年11月24日 14:05."""
    if at is None:
        return missing
    t = at.astimezone(CHINA)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"
