"""The grid inspector's tablet page `/inspector`."""

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



routes = [inspector_home]
