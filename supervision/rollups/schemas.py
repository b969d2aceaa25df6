"""The roll-up figures as the pages and the API show them: the stored counts of a place or an
enterprise, and the rates derived from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


def ratio(part: int, whole: int) -> float | None:
    """part / whole rounded to four places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Completion:
    """Done out of due (self-checks of a month)."""

    due: int
    done: int
    rate: float | None

    @classmethod
    def of(cls, due: int, done: int) -> Completion:
        return cls(due, done, ratio(done, due))


@dataclass(frozen=True)
class PatrolCycleFigures:
    """Assignments of one patrol cycle: visited, visited after their due date, not visited
    past their due date (or marked missed)."""

    assigned: int
    visited: int
    late: int
    missed: int
    coverage: float | None

    @classmethod
    def of(cls, assigned: int, visited: int, late: int, missed: int) -> PatrolCycleFigures:
        return cls(assigned, visited, late, missed, ratio(visited, assigned))


@dataclass(frozen=True)
class PatrolFigures:
    current: PatrolCycleFigures  # the cycle under way
    previous: PatrolCycleFigures  # the last cycle that ended


@dataclass(frozen=True)
class FigureSet:
    """The figures of a place (sums) or of one enterprise. Hazards `found` exclude those
    rejected as not a hazard; the rectification rate is closed / found."""

    enterprises: int
    sites: int
    colours: dict[str, int]  # red, orange, yellow, blue, none → units whose highest level it is
    statuses: dict[str, int]  # enterprises (not sites) by status: active, suspended, closed
    scales: dict[str, int]  # enterprises (not sites) by scale: large, medium, small, micro
    risk_points: dict[str, int]  # major, significant, general, low, unassessed
    hazards: dict[str, dict[str, int]]  # tier (none: not graded) → state → count
    hazards_found: int
    hazards_open: int
    hazards_closed: int
    hazards_overdue: int
    closed_on_time: int
    major_open: int
    major_overdue: int
    listed_open: int
    listed_overdue: int
    selfcheck_this_month: Completion
    selfcheck_last_month: Completion
    patrol: dict[str, PatrolFigures]  # grid, town, sector
    rectification_rate: float | None  # closed / found
    on_time_rate: float | None  # closed by the deadline / closed
    highest_level: str | None = None  # one enterprise's

    @property
    def units(self) -> int:
        return self.enterprises + self.sites

    @property
    def risk_points_total(self) -> int:
        return sum(self.risk_points.values())


@dataclass(frozen=True)
class MonthPoint:
    month: str  # 2026-11
    found: int
    closed: int


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    level: str  # city | district | town | grid
    path: str


@dataclass(frozen=True)
class ChildFigures:
    place: Place
    figures: FigureSet


@dataclass(frozen=True)
class EnterpriseRow:
    """One enterprise of a grid with its key figures."""

    id: int
    name: str
    kind: str
    site_type: str | None
    figures: FigureSet


@dataclass(frozen=True)
class PlaceFigures:
    """What `/bureau` and `GET /api/v1/rollups` show of a place: its figures, one row per
    place below it (or, at a grid, per enterprise), and the trend of the last twelve months."""

    place: Place
    sector: str | None  # a sector department's own sector; None: all sectors
    figures: FigureSet
    children: list[ChildFigures]
    enterprises: list[EnterpriseRow]
    trend: list[MonthPoint]
    as_of: date | None  # the day overdue and current-cycle figures were computed for
    refreshed_at: datetime | None  # when the figures were last brought up to date
