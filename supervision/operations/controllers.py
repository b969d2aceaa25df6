"""HTTP API of dangerous-operation permits at `/api/v1/dangerous-operations`: the list (now,
upcoming, past, by date and kind), the live view of a supervising body, reporting, one
permit, and its steps. Thin: the service holds the rules; the pages live in `pages.py`."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from anwang.platform.clock import CHINA
from anwang.platform.errors import DomainError
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import Req
from anwang.supervision.operations import limits, repository, service
from anwang.supervision.operations.pages import page_routes
from anwang.supervision.operations.schemas import (
    LiveView,
    OperationAction,
    OperationCreate,
    OperationPage,
    OperationRead,
)

# The enterprise (or site) reads its own permits; bureaus and sector departments those of
# their jurisdiction or sector (row-level security decides). Only the enterprise writes.
READERS = require("enterprise", "gov", "sector")
ENTERPRISE = require("enterprise")
VIEWS = ("now", "upcoming", "past", "all")


def operation_filter(
    view: str, kind: str | None, on: date | None, q: str = ""
) -> repository.OperationFilter:
    if view not in VIEWS:
        raise DomainError("view 只能是 now、upcoming、past 或 all", field="view")
    if kind and kind not in limits.KINDS:
        raise DomainError(f"未知的作业类别：{kind}", field="kind")
    start = end = None
    if on is not None:
        start, end = service.day_bounds(datetime.combine(on, time(12), CHINA))
    return repository.OperationFilter(
        view=view,  # type: ignore[arg-type]
        kind=kind or None,
        day_start=start,
        day_end=end,
        q=q.strip(),
    )


class OperationController(Controller):
    path = "/api/v1/dangerous-operations"
    tags = ["dangerous-operations"]

    @get("/", guards=[READERS])
    async def list_operations(
        self,
        request: Req,
        db: Db,
        view: Annotated[str, QueryParameter(description="now | upcoming | past | all")] = "all",
        kind: Annotated[str | None, QueryParameter(description="a kind code")] = None,
        on: Annotated[
            date | None, QueryParameter(description="permits whose validity meets this day")
        ] = None,
        q: Annotated[str, QueryParameter(max_length=50)] = "",
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> OperationPage:
        """Permits the caller may see, with the count per kind."""
        f = operation_filter(view, kind, on, q)
        now = service.now_utc()
        total, rows = await repository.list_operations(
            db, f, now, limit=limit, offset=offset, newest_first=view in ("past", "all")
        )
        return OperationPage(
            total=total,
            items=[service.read(op, now, enterprise_name=n, p=request.user) for op, n in rows],
            counts=await repository.kind_counts(db, f, now),
        )

    @get("/live", guards=[READERS])
    async def live(self, request: Req, db: Db) -> LiveView:
        """Under way now, starting later today (Beijing time), and overrun permits."""
        now = service.now_utc()
        _, day_end = service.day_bounds(now)
        under: list[OperationRead] = []
        later: list[OperationRead] = []
        over: list[OperationRead] = []
        counts = dict.fromkeys(limits.KINDS, 0)
        for op, name, _lon, _lat in await repository.live(db, now, day_end):
            r = service.read(op, now, enterprise_name=name, p=request.user)
            if r.phase == "overrun":
                over.append(r)
                continue
            (later if r.phase == "upcoming" else under).append(r)
            counts[op.kind] += 1
        return LiveView(now=now, under_way=under, later_today=later, overrun=over, counts=counts)

    @post("/", guards=[ENTERPRISE], status_code=201)
    async def report(self, request: Req, db: Db, data: JSONBody[OperationCreate]) -> OperationRead:
        """Report a permit before the work starts 作业前报备."""
        op = await service.report(db, request.user, data)
        return service.read(op, service.now_utc(), p=request.user)

    @get("/{op_id:int}", guards=[READERS])
    async def get_operation(self, request: Req, db: Db, op_id: FromPath[int]) -> OperationRead:
        op = await service.get(db, op_id)
        return service.read(op, service.now_utc(), p=request.user)

    @post("/{op_id:int}/actions/{action:str}", guards=[ENTERPRISE], status_code=200)
    async def take_action(
        self,
        request: Req,
        db: Db,
        op_id: FromPath[int],
        action: FromPath[str],
        data: JSONBody[OperationAction | None] = None,
    ) -> OperationRead:
        """start | finish | cancel. A step the permit's status does not allow answers 409."""
        op = await service.act(db, request.user, op_id, action, data)
        return service.read(op, service.now_utc(), p=request.user)


routes: list[Any] = [OperationController, *page_routes]
