"""The wall screen `/command` and its panel `/command/panel`, which htmx re-fetches every
minute. Everything but the register of public-site types and the dangerous operations comes
from the stored roll-up figures, so a refresh costs a handful of indexed reads at any scale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import get
from litestar.response import Template
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import CHINA, cn_time
from anwang.platform.principal import Principal
from anwang.platform.web import shell_queries as queries
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.labels import Labels
from anwang.platform.web.shells import Req
from anwang.supervision import vocabulary
from anwang.supervision.command import repository
from anwang.supervision.operations import limits
from anwang.supervision.operations.service import now_utc
from anwang.supervision.rollups import service
from anwang.supervision.rollups.pages import NOT_YET, trend_chart
from anwang.supervision.rollups.schemas import ChildFigures, Place, PlaceFigures

COMMAND_CENTRE = require("gov", roles=("command_centre",))
# One row per town while they fit on the wall; a whole city shows its districts instead.
WALL_MAX_ROWS = 16
# The trend chart drawn at about the size it is shown, so its labels stay legible.
TREND_WIDTH, TREND_HEIGHT = 760, 250


@dataclass(frozen=True)
class OperationsNow:
    """Dangerous operations 危险作业 going on now: per kind, and those overrun 超时未关闭."""

    by_kind: dict[str, int]
    overrun: int

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


async def _areas(db: AsyncSession, f: PlaceFigures, levels: dict[str, int]) -> list[ChildFigures]:
    """The rows of the wall: the places directly below, or the towns further down while
    they fit (a city's districts hide what its towns look like)."""
    towns = levels.get("town", 0)
    if not 0 < towns <= WALL_MAX_ROWS or any(c.place.level == "town" for c in f.children):
        return f.children
    return [
        ChildFigures(
            Place(int(r["place_id"]), r["place_name"], r["place_level"], r["place_path"]),
            service.figures_of(r if r["jurisdiction_id"] is not None else None),
        )
        for r in await repository.areas_at_level(db, f.place.path, "town")
    ]


async def wall_data(db: AsyncSession, p: Principal) -> dict[str, Any]:
    """Everything the wall shows of the command centre's own jurisdiction."""
    f = await service.place_figures(db, p)
    x = f.figures
    levels = await queries.level_counts(db, f.place.path)
    by_kind, overrun = await repository.operations_now(db, now_utc())
    return {
        "place": f.place,
        "f": f,
        "x": x,
        "totals": {"enterprises": x.enterprises, "sites": x.sites, **x.statuses, **x.scales},
        "levels": levels,
        "areas": await _areas(db, f, levels),
        "by_type": [r for r in await queries.site_type_counts(db) if r["site_type"]],
        "chart": trend_chart(f.trend, TREND_WIDTH, TREND_HEIGHT),
        "operations": OperationsNow({k: by_kind.get(k, 0) for k in limits.KINDS}, overrun),
        "refreshed": cn_time(f.refreshed_at, missing=NOT_YET),
        "now": datetime.now(CHINA),
    }


def _wall(template: str, request: Req, data: dict[str, Any]) -> Template:
    context = {"p": request.user, "L": Labels, "V": vocabulary, "K": limits, **data}
    return Template(template, context=context)


@get("/command", guards=[COMMAND_CENTRE], include_in_schema=False)
async def command_home(request: Req, db: Db) -> Template:
    """The wall screen of the command centre 指挥中心大屏."""
    return _wall("command/wall.html", request, await wall_data(db, request.user))


@get("/command/panel", guards=[COMMAND_CENTRE], include_in_schema=False)
async def command_panel(request: Req, db: Db) -> Template:
    """The wall screen's figures, re-fetched every minute by htmx."""
    return _wall("command/_panel.html", request, await wall_data(db, request.user))


routes = [command_home, command_panel]
