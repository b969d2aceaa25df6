"""HTTP API of the roll-ups: `GET /api/v1/rollups?under=path`, the same figures as `/bureau`
(for the command centre and the provincial exchange). Sector principals get their sector's."""

from __future__ import annotations

from litestar import get

from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import Req, Text
from anwang.supervision.rollups import service
from anwang.supervision.rollups.schemas import PlaceFigures

READERS = require("gov", "sector")


@get("/api/v1/rollups", guards=[READERS], tags=["roll-ups"])
async def rollups(request: Req, db: Db, under: Text = "") -> PlaceFigures:
    """The figures of the caller's jurisdiction, or of the place `under` (an ltree path)
    inside it, with one row per place below it (at a grid: per enterprise) and the trend of
    the last twelve months. A place outside the caller's scope answers 404."""
    return await service.place_figures(db, request.user, under)


api_routes = [rollups]
