"""The bureau officer's jurisdiction page `/bureau`: the roll-up of the place, drillable to the
places below it, and the enterprise search."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy import RowMapping
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import NotFound
from anwang.platform.principal import Principal
from anwang.platform.web import shell_queries as queries
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import (
    GRID_INSPECTOR,
    LTREE_PATH,
    OFFICER,
    SECTOR,
    Nav,
    PageNumber,
    Req,
    Text,
    _render,
)


BUREAU_NAV: Nav = [("#overview", "辖区总览"), ("#children", "下级辖区"), ("#search", "企业查询")]


async def _place(db: AsyncSession, p: Principal, under: str) -> RowMapping:
    """The jurisdiction to show: the caller's scope or a place inside it."""
    scope = p.scope or ""
    path = under or scope
    inside = path == scope or path.startswith(scope + ".")
    place = await queries.jurisdiction_by_path(db, path) if LTREE_PATH.fullmatch(path) else None
    if not scope or not inside or place is None:
        raise NotFound("辖区不存在或不在您的管辖范围内")
    return place


def _narrowed(place: RowMapping, p: Principal) -> str | None:
    return None if place["path"] == p.scope else str(place["path"])


@get("/bureau", guards=[OFFICER], include_in_schema=False)
async def bureau_home(
    request: Req,
    db: Db,
    under: Text = "",
    q: Text = "",
    page: PageNumber = 1,
) -> Template:
    """The jurisdiction's roll-up, drillable to the places below it, and a search."""
    p = request.user
    place = await _place(db, p, under)
    narrowed = _narrowed(place, p)
    children = await queries.child_counts(db, place, p.scope or "")
    return _render(
        "bureau.html",
        request,
        BUREAU_NAV,
        place=place,
        trail=await queries.trail(db, p.scope or "", place["path"]),
        children=children,
        child_max=max([c["enterprises"] + c["sites"] for c in children] or [0]),
        totals=await queries.totals(db, narrowed),
        q=q,
        under=narrowed or "",
        listing=await queries.enterprise_page(db, q=q.strip(), under=narrowed, page=page),
    )


@get("/bureau/enterprises", guards=[OFFICER], include_in_schema=False)
async def bureau_enterprises(
    request: Req,
    db: Db,
    under: Text = "",
    q: Text = "",
    page: PageNumber = 1,
) -> Template:
    """The enterprise table of the bureau page (htmx live search and paging)."""
    place = await _place(db, request.user, under)
    narrowed = _narrowed(place, request.user)
    return _render(
        "_bureau_enterprises.html",
        request,
        q=q,
        under=narrowed or "",
        listing=await queries.enterprise_page(db, q=q.strip(), under=narrowed, page=page),
    )



routes = [bureau_home, bureau_enterprises]
