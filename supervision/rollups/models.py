"""Tables of the roll-up figures (migration 0012). Written only by
anwang.supervision.rollups.refresh; read by the government views."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from anwang.platform.sqltypes import Ltree
from anwang.platform.tenancy import server_default


class Figures(SQLModel):
    """The counted figures, the same columns per enterprise and per area."""

    # active risk points by level (none yet assessed: unassessed)
    risk_major: int = 0
    risk_significant: int = 0
    risk_general: int = 0
    risk_low: int = 0
    risk_unassessed: int = 0
    # hazards by tier (none: not graded yet) and state
    h_none_reported: int = 0
    h_none_confirmed: int = 0
    h_none_rejected: int = 0
    h_none_rectifying: int = 0
    h_none_awaiting_acceptance: int = 0
    h_none_closed: int = 0
    h_on_spot_reported: int = 0
    h_on_spot_confirmed: int = 0
    h_on_spot_rejected: int = 0
    h_on_spot_rectifying: int = 0
    h_on_spot_awaiting_acceptance: int = 0
    h_on_spot_closed: int = 0
    h_general_reported: int = 0
    h_general_confirmed: int = 0
    h_general_rejected: int = 0
    h_general_rectifying: int = 0
    h_general_awaiting_acceptance: int = 0
    h_general_closed: int = 0
    h_major_reported: int = 0
    h_major_confirmed: int = 0
    h_major_rejected: int = 0
    h_major_rectifying: int = 0
    h_major_awaiting_acceptance: int = 0
    h_major_closed: int = 0
    # overdue on the day as_of; listed for supervision 挂牌督办; monthly comprehensive self-checks
    hazards_overdue: int = 0
    major_overdue: int = 0
    closed_on_time: int = 0
    listed_open: int = 0
    listed_overdue: int = 0
    selfcheck_due_this: int = 0
    selfcheck_done_this: int = 0
    selfcheck_due_last: int = 0
    selfcheck_done_last: int = 0
    # patrol assignments of the cycle under way (cur) and the last one ended (prev), per patrol kind
    patrol_grid_cur_assigned: int = 0
    patrol_grid_cur_visited: int = 0
    patrol_grid_cur_late: int = 0
    patrol_grid_cur_missed: int = 0
    patrol_grid_prev_assigned: int = 0
    patrol_grid_prev_visited: int = 0
    patrol_grid_prev_late: int = 0
    patrol_grid_prev_missed: int = 0
    patrol_town_cur_assigned: int = 0
    patrol_town_cur_visited: int = 0
    patrol_town_cur_late: int = 0
    patrol_town_cur_missed: int = 0
    patrol_town_prev_assigned: int = 0
    patrol_town_prev_visited: int = 0
    patrol_town_prev_late: int = 0
    patrol_town_prev_missed: int = 0
    patrol_sector_cur_assigned: int = 0
    patrol_sector_cur_visited: int = 0
    patrol_sector_cur_late: int = 0
    patrol_sector_cur_missed: int = 0
    patrol_sector_prev_assigned: int = 0
    patrol_sector_prev_visited: int = 0
    patrol_sector_prev_late: int = 0
    patrol_sector_prev_missed: int = 0
    as_of: date  # the day the date-dependent figures were computed for
    updated_at: datetime | None = server_default()


class EnterpriseFigures(Figures, table=True):
    """One enterprise's (or public site's) figures."""

    __tablename__ = "enterprise_figures"
    tenant_id: int = Field(primary_key=True, foreign_key="enterprise.id", sa_type=BigInteger)
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id", sa_type=BigInteger)
    jurisdiction_path: str = Field(sa_type=Ltree)
    sector: str
    kind: str  # enterprise | public_site
    site_type: str | None = None
    status: str
    scale: str | None = None
    highest_level: str | None = None  # of its active risk points; None: none assessed


class EnterpriseMonth(SQLModel, table=True):
    """Hazards found (not rejected) and closed in one Beijing month."""

    __tablename__ = "enterprise_month"
    tenant_id: int = Field(primary_key=True, foreign_key="enterprise.id", sa_type=BigInteger)
    month: date = Field(primary_key=True)
    jurisdiction_path: str = Field(sa_type=Ltree)
    sector: str
    found: int = 0
    closed: int = 0


class AreaFigures(Figures, table=True):
    """The sums of one jurisdiction: all sectors (sector '') or one sector."""

    __tablename__ = "area_figures"
    jurisdiction_id: int = Field(
        primary_key=True, foreign_key="jurisdiction.id", sa_type=BigInteger
    )
    sector: str = Field(primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="jurisdiction.id", sa_type=BigInteger)
    level: str
    jurisdiction_path: str = Field(sa_type=Ltree)
    # units by kind, and by the colour of their highest risk level (none: no level yet)
    enterprises: int = 0
    sites: int = 0
    ent_red: int = 0
    ent_orange: int = 0
    ent_yellow: int = 0
    ent_blue: int = 0
    ent_none: int = 0
    # enterprises (not sites) by status and scale
    status_active: int = 0
    status_suspended: int = 0
    status_closed: int = 0
    scale_large: int = 0
    scale_medium: int = 0
    scale_small: int = 0
    scale_micro: int = 0


class AreaMonth(SQLModel, table=True):
    __tablename__ = "area_month"
    jurisdiction_id: int = Field(
        primary_key=True, foreign_key="jurisdiction.id", sa_type=BigInteger
    )
    sector: str = Field(primary_key=True)
    month: date = Field(primary_key=True)
    jurisdiction_path: str = Field(sa_type=Ltree)
    found: int = 0
    closed: int = 0


class FiguresDirty(SQLModel, table=True):
    """An enterprise whose figures are out of date (marked by triggers)."""

    __tablename__ = "figures_dirty"
    enterprise_id: int = Field(primary_key=True, sa_type=BigInteger)
    marked_at: datetime | None = server_default()


class RollupState(SQLModel, table=True):
    __tablename__ = "rollup_state"
    id: int = Field(default=1, primary_key=True)
    as_of: date | None = None
    refreshed_at: datetime | None = None
    rebuilt_at: datetime | None = None
