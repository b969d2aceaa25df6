"""HTTP API of the sector department's fixed sites at `/api/v1/sector/sites`: the sites with
their risk picture, registering one, and a site's risk points (add, reassess). Thin: the
service holds the rules; the pages live in `pages.py`."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from anwang.platform.web.deps import Db
from anwang.platform.web.shells import SECTOR, Req
from anwang.supervision.sites import repository, service
from anwang.supervision.sites.schemas import SiteCreate, SitePage, SitePointCreate, SiteRead
from anwang.tenants.risk.schemas import AssessmentIn, RiskPointRead


class SiteController(Controller):
    path = "/api/v1/sector/sites"
    tags = ["sector sites"]
    guards = [SECTOR]

    @get("/")
    async def list_sites(
        self,
        db: Db,
        site_type: Annotated[
            str | None, QueryParameter(name="type", description="a site type; '' for enterprises")
        ] = None,
        q: Annotated[str, QueryParameter(max_length=50)] = "",
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> SitePage:
        """The sector's sites in its jurisdiction with their risk picture, by type and by the
        colour of their highest level."""
        rows = await repository.sites(db, site_type=site_type, q=q, limit=limit, offset=offset)
        return SitePage(
            total=int(rows[0]["total"]) if rows else 0,
            by_type=await repository.type_counts(db),
            by_colour=await repository.colour_counts(db),
            items=[service.site_read(r) for r in rows],
        )

    @post("/", status_code=201)
    async def register(self, request: Req, db: Db, data: JSONBody[SiteCreate]) -> SiteRead:
        """Register a site of the department's sector in a grid of its jurisdiction."""
        site = await service.register(db, request.user, data)
        return await service.get_site(db, int(site.id or 0))

    @get("/{site_id:int}")
    async def get_site(self, db: Db, site_id: FromPath[int]) -> SiteRead:
        return await service.get_site(db, site_id)

    @get("/{site_id:int}/risk-points")
    async def list_points(self, db: Db, site_id: FromPath[int]) -> list[RiskPointRead]:
        """The site's active risk points, most dangerous first."""
        await service.get_site(db, site_id)
        return await service.points(db, site_id)

    @post("/{site_id:int}/risk-points", status_code=201)
    async def add_point(
        self, request: Req, db: Db, site_id: FromPath[int], data: JSONBody[SitePointCreate]
    ) -> RiskPointRead:
        """Give the site a risk point: `level` judged directly, or `assessment` (LEC, LS or
        direct judgement); a major level needs `control_leader`."""
        point = await service.add_point(db, request.user, site_id, data)
        return await service.point(db, site_id, int(point.id or 0))

    @post("/{site_id:int}/risk-points/{point_id:int}/assessments", status_code=201)
    async def reassess(
        self,
        request: Req,
        db: Db,
        site_id: FromPath[int],
        point_id: FromPath[int],
        data: JSONBody[AssessmentIn],
    ) -> RiskPointRead:
        """A new assessment of the point: its history grows, its level follows."""
        await service.reassess(db, request.user, site_id, point_id, data)
        return await service.point(db, site_id, point_id)
