"""The sector department's page `/sector`: its fixed sites by type."""

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



routes = [sector_home]
