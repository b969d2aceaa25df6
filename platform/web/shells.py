"""The home page (shell) of each kind of user, server-rendered, with the htmx partials
they load. Every query runs as the caller, so row-level security decides what is shown."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import RowMapping
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import CHINA
from anwang.platform.errors import NotFound
from anwang.platform.principal import Principal
from anwang.platform.web import shell_queries as queries
from anwang.platform.web.auth import home_path, require
from anwang.platform.web.deps import Db
from anwang.platform.web.labels import Labels

# Handler parameter types: the page number of a list, a search text, the request's session.
PageNumber = Annotated[int, QueryParameter(ge=1, le=100_000)]
Text = Annotated[str, QueryParameter(max_length=100)]
Req = Request[Principal, Any, Any]
LTREE_PATH = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
WALL_MAX_BARS = 16

# Who may open which shell.
GRID_INSPECTOR = require("gov", roles=("grid_inspector",))
OFFICER = require("gov", roles=("officer",))
ENFORCEMENT_OFFICER = require("gov", roles=("enforcement_officer",))
SECTOR = require("sector")
COMMAND_CENTRE = require("gov", roles=("command_centre",))

Nav = list[tuple[str, str]]


def _render(template: str, request: Req, nav: Nav | None = None, **context: Any) -> Template:
    """A page template with what the layout needs: the principal, the labels, the nav."""
    return Template(
        template,
        context={"p": request.user, "L": Labels, "nav": nav or [], **context},
    )


@get("/", sync_to_thread=False, include_in_schema=False)
def home(request: Req) -> Redirect:
    """Each user's home is the shell of their kind."""
    return Redirect(home_path(request.user))


# --- enterprise -------------------------------------------------------------------------
# The enterprise home `/enterprise` (alarms, numbers, profile, people) is served by the
# enterprise domain: anwang.tenants.reminders.pages.


# --- grid inspector -----------------------------------------------------------------------


@get("/inspector", guards=[GRID_INSPECTOR], include_in_schema=False)
async def inspector_home(request: Req, db: Db, page: PageNumber = 1) -> Template:
    """The enterprises of the inspector's grid, to patrol."""
    return _render(
        "inspector.html",
        request,
        [("#enterprises", "网格企业")],
        totals=await queries.totals(db),
        listing=await queries.enterprise_page(db, page=page, size=100),
    )


# --- bureau officer -----------------------------------------------------------------------

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


# --- enforcement officer --------------------------------------------------------------------


async def _parties(db: AsyncSession, text: str) -> queries.Page | None:
    text = text.strip()
    if not text:
        return None
    return await queries.enterprise_page(db, q=text, kind=None, size=10)


@get("/enforcement", guards=[ENFORCEMENT_OFFICER], include_in_schema=False)
async def enforcement_home(
    request: Req,
    db: Db,
    q: Text = "",
) -> Template:
    """Finding the party 当事人 of a case, with the facts a case file needs."""
    return _render(
        "enforcement.html",
        request,
        [("#party", "当事人查询"), ("#documents", "执法文书")],
        q=q,
        found=await _parties(db, q),
        totals=await queries.totals(db),
    )


@get("/enforcement/parties", guards=[ENFORCEMENT_OFFICER], include_in_schema=False)
async def enforcement_parties(
    request: Req,
    db: Db,
    q: Text = "",
) -> Template:
    """Party search results (htmx partial)."""
    return _render("_parties.html", request, q=q, found=await _parties(db, q))


# --- sector department ----------------------------------------------------------------------


@get("/sector", guards=[SECTOR], include_in_schema=False)
async def sector_home(
    request: Req,
    db: Db,
    type_: Annotated[str, QueryParameter(name="type", max_length=40)] = "",
    page: PageNumber = 1,
) -> Template:
    """The sector's fixed sites in its jurisdiction, by type."""
    by_type = await queries.site_type_counts(db)
    known = {r["site_type"] for r in by_type if r["site_type"]}
    chosen = type_ if type_ in known else ""
    return _render(
        "sector.html",
        request,
        [("#types", "场所分类"), ("#sites", "场所名录")],
        by_type=by_type,
        total=sum(int(r["n"]) for r in by_type),
        chosen=chosen,
        listing=await queries.enterprise_page(
            db, kind=None, site_type=chosen or None, page=page, order="e.site_type, e.name"
        ),
    )


# --- command centre --------------------------------------------------------------------------


async def _command_context(db: AsyncSession, p: Principal) -> dict[str, Any]:
    scope = p.scope or ""
    place = await queries.jurisdiction_by_path(db, scope)
    if place is None:
        raise NotFound("指挥中心所属辖区不存在")
    levels = await queries.level_counts(db, scope)
    # One bar per town while they fit on the wall; a whole city shows its districts instead.
    if 0 < levels.get("town", 0) <= WALL_MAX_BARS:
        areas = await queries.level_area_counts(db, scope, "town")
    else:
        areas = await queries.child_counts(db, place, scope)
    return {
        "place": place,
        "totals": await queries.totals(db),
        "levels": levels,
        "areas": areas,
        "area_max": max([a["enterprises"] for a in areas] or [0]),
        "by_type": [r for r in await queries.site_type_counts(db) if r["site_type"]],
        "now": datetime.now(CHINA),
    }


@get("/command", guards=[COMMAND_CENTRE], include_in_schema=False)
async def command_home(request: Req, db: Db) -> Template:
    """The wall screen of the command centre 指挥中心大屏."""
    return _render("command.html", request, **await _command_context(db, request.user))


@get("/command/panel", guards=[COMMAND_CENTRE], include_in_schema=False)
async def command_panel(request: Req, db: Db) -> Template:
    """The wall screen's numbers, re-fetched every minute by htmx."""
    return _render("_command_panel.html", request, **await _command_context(db, request.user))


shell_routes = [
    home,
    inspector_home,
    bureau_home,
    bureau_enterprises,
    enforcement_home,
    enforcement_parties,
    sector_home,
    command_home,
    command_panel,
]
