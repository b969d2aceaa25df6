"""The officer's jurisdiction page `/bureau` 辖区总览: the same page at every level (town,
district, city): the place's figures, one row per place below it, drillable with `?under=path`
down to the grid and its enterprises, and the enterprise search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import get
from litestar.params import FromPath
from litestar.response import Template
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import cn_time
from anwang.platform.principal import Principal
from anwang.platform.web import shell_queries as queries
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import OFFICER, PageNumber, Req, Text
from anwang.supervision.pages import render
from anwang.supervision.rollups import repository, service
from anwang.supervision.rollups.schemas import MonthPoint
from anwang.tenants import vocabulary as TV

# Government and sector users read one enterprise's figures (RLS decides which).
FIGURE_READERS = require("gov", "sector")
NOT_YET = "尚未生成"  # the figures have never been computed


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    value: int


@dataclass(frozen=True)
class TrendChart:
    """An inline SVG bar chart of hazards found and closed per month (no chart library)."""

    width: int
    height: int
    found: list[Bar]
    closed: list[Bar]
    labels: list[tuple[float, str]]
    top: int
    points: list[MonthPoint]

    @property
    def top_label(self) -> str:
        """The axis maximum, short enough for the margin (10.3万 rather than 102680)."""
        return f"{self.top / 10000:.1f}万" if self.top >= 10000 else str(self.top)


def trend_chart(points: list[MonthPoint], width: int = 640, height: int = 180) -> TrendChart:
    top = max([max(p.found, p.closed) for p in points] or [0])
    plot_h, base, left = height - 36, height - 22, 34
    step = (width - left - 8) / max(len(points), 1)
    bar_w = step * 0.36

    def h(v: int) -> float:
        return round(plot_h * v / top, 1) if top else 0.0

    found, closed, labels = [], [], []
    for i, p in enumerate(points):
        x = left + i * step + step * 0.12
        found.append(Bar(round(x, 1), round(base - h(p.found), 1), h(p.found), p.found))
        closed.append(Bar(round(x + bar_w, 1), round(base - h(p.closed), 1), h(p.closed), p.closed))
        labels.append((round(left + i * step + step / 2, 1), f"{int(p.month[5:])}月"))
    return TrendChart(width, height, found, closed, labels, top, points)


async def bureau_data(
    db: AsyncSession, p: Principal, under: str = "", q: str = "", page: int = 1
) -> dict[str, Any]:
    """Everything `/bureau` shows (the bench measures exactly this)."""
    figures = await service.place_figures(db, p, under)
    narrowed = None if figures.place.path == p.scope else figures.place.path
    x = figures.figures
    return {
        "place": figures.place,
        "f": figures,
        "chart": trend_chart(figures.trend),
        "refreshed": cn_time(figures.refreshed_at, missing=NOT_YET),
        "trail": await repository.trail(db, p.scope or "", figures.place.path),
        "totals": {"enterprises": x.enterprises, "sites": x.sites, **x.statuses, **x.scales},
        "q": q,
        "under": narrowed or "",
        "listing": await _listing(db, q, narrowed, page, x.enterprises),
    }


@get("/bureau", guards=[OFFICER], include_in_schema=False)
async def bureau_home(
    request: Req,
    db: Db,
    under: Text = "",
    q: Text = "",
    page: PageNumber = 1,
) -> Template:
    """The place's roll-up, the places below it (or a grid's enterprises), the search."""
    data = await bureau_data(db, request.user, under, q, page)
    return render("rollups/bureau.html", request, "/bureau", TV=TV, **data)


async def _listing(
    db: AsyncSession, q: str, under: str | None, page: int, total: int
) -> queries.Page:
    if q.strip():
        return await queries.enterprise_page(db, q=q.strip(), under=under, page=page)
    return await repository.enterprise_list(db, under, page, total)


@get("/bureau/enterprises", guards=[OFFICER], include_in_schema=False)
async def bureau_enterprises(
    request: Req,
    db: Db,
    under: Text = "",
    q: Text = "",
    page: PageNumber = 1,
) -> Template:
    """The enterprise table of the bureau page (htmx live search and paging)."""
    place = await service.place_in_scope(db, request.user, under)
    narrowed = None if place.path == request.user.scope else place.path
    units = await repository.area(db, place.id)
    total = int(units["enterprises"]) if units else 0
    return render(
        "rollups/_enterprises.html",
        request,
        "/bureau",
        q=q,
        under=narrowed or "",
        listing=await _listing(db, q, narrowed, page, total),
    )


@get(
    "/bureau/enterprises/{enterprise_id:int}/figures",
    guards=[FIGURE_READERS],
    include_in_schema=False,
)
async def enterprise_figures(request: Req, db: Db, enterprise_id: FromPath[int]) -> Template:
    """One enterprise's figures (htmx partial of its record page); out of scope reads 404."""
    figures, months = await service.enterprise_figures(db, enterprise_id)
    state = await repository.state(db)
    return render(
        "rollups/_enterprise_figures.html",
        request,
        "/bureau",
        f=figures,
        TV=TV,
        chart=trend_chart(months),
        refreshed=cn_time(state["refreshed_at"] if state else None, missing=NOT_YET),
    )


page_routes = [bureau_home, bureau_enterprises, enterprise_figures]
