"""The home page (shell) of each kind of user, server-rendered, with the htmx partials
they load. Every query runs as the caller, so row-level security decides what is shown."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

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

# Who may open which shell.
GRID_INSPECTOR = require("gov", roles=("grid_inspector",))
OFFICER = require("gov", roles=("officer",))
ENFORCEMENT_OFFICER = require("gov", roles=("enforcement_officer",))
SECTOR = require("sector")

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


# The bureau, grid-inspector and sector shells (`/bureau`, `/inspector`, `/sector`) are served
# by the supervision domain: anwang.supervision.*.pages.

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


# The command-centre wall screen (`/command`) is served by the supervision domain:
# anwang.supervision.command.pages.


shell_routes = [
    home,
    enforcement_home,
    enforcement_parties,
]
