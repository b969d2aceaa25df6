"""HTTP API of supervision orders under `/api/v1/orders`: the lists (received, issued, the
whole jurisdiction, escalated overdue), issuing, one order with its timeline and children,
and the steps forward / respond / return / close. Thin: the service holds the rules. The
pages live in `pages.py`."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel

from anwang.platform.errors import DomainError
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import Req
from anwang.supervision import vocabulary
from anwang.supervision.orders import repository, service
from anwang.supervision.orders.pages import page_routes
from anwang.supervision.orders.schemas import (
    OrderCreate,
    OrderDetail,
    OrderEventRead,
    OrderForward,
    OrderPage,
    OrderRead,
    OrderStep,
)

# Government and sector users read the orders of their jurisdiction (RLS decides which) and
# take the steps the service allows them; an enterprise reads and answers its own.
READERS = require("enterprise", "gov", "sector")
GOVERNMENT = require("gov", "sector")


def order_filter(
    box: str,
    status: str | None,
    overdue: bool | None,
    kind: str | None,
    subject: str | None,
    hazard_id: int | None,
    tenant_id: int | None,
) -> repository.OrderFilter:
    """The list's filters, refused with a Chinese message when a code is unknown."""
    if box not in repository.BOXES:
        raise DomainError(f"未知的列表：{box}（received、issued、all 或 escalated）", field="box")
    for value, known, label in (
        (status, {**vocabulary.ORDER_STATUSES, "open": ""}, "状态"),
        (kind, vocabulary.ORDER_KINDS, "督办类型"),
        (subject, vocabulary.ORDER_SUBJECTS, "督办事项"),
    ):
        if value and value not in known:
            raise DomainError(f"未知的{label}：{value}", field=label)
    return repository.OrderFilter(
        box=box,
        status=status or None,
        overdue=bool(overdue),
        kind=kind or None,
        subject=subject or None,
        hazard_id=hazard_id,
        tenant_id=tenant_id,
    )


class Listings(BaseModel):
    """Major hazards listed for supervision 挂牌督办, and the open ones not listed yet."""

    listed: list[dict[str, Any]]
    unlisted: list[dict[str, Any]]


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]

    @get("/", guards=[READERS])
    async def list_orders(
        self,
        request: Req,
        db: Db,
        box: Annotated[
            str, QueryParameter(description="received | issued | all | escalated")
        ] = "all",
        order_status: Annotated[
            str | None,
            QueryParameter(
                name="status", description="issued | responded | returned | closed | open"
            ),
        ] = None,
        overdue: FromQuery[bool | None] = None,
        kind: Annotated[str | None, QueryParameter(description="order | listed")] = None,
        subject: FromQuery[str | None] = None,
        hazard_id: FromQuery[int | None] = None,
        tenant_id: FromQuery[int | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> OrderPage:
        """Orders the caller may see, open ones first, nearest deadline first. `box`:
        received from above (to the caller's place or below), issued by the caller's own
        level, the whole jurisdiction, or the overdue orders escalated up to the caller. An
        enterprise sees the orders addressed to it (the box does not apply)."""
        f = order_filter(box, order_status, overdue, kind, subject, hazard_id, tenant_id)
        p = request.user
        today = service.today()
        scope = p.scope if p.kind in ("gov", "sector") else None
        total, rows = await repository.list_orders(db, f, scope, today, limit=limit, offset=offset)
        return OrderPage(total=total, items=[service.row_of(r, today) for r in rows])

    @post("/", guards=[GOVERNMENT], status_code=201)
    async def issue(self, request: Req, db: Db, data: JSONBody[OrderCreate]) -> OrderRead:
        """Issue an order 督办 to a lower jurisdiction or an enterprise of the caller's
        jurisdiction, or list an open major hazard for supervision 挂牌督办 (`kind='listed'`,
        at the caller's own level). With `parent_id`, pass a received order down."""
        o = await service.issue(db, request.user, data)
        return OrderRead.model_validate({**o.model_dump(), "overdue": False, "days_overdue": 0})

    @get("/listed", guards=[GOVERNMENT])
    async def listed(self, db: Db, closed: FromQuery[bool] = False) -> Listings:
        """挂牌督办: the listings (issuing body, level, deadline, the hazard's state, overdue)
        and the open major hazards of the jurisdiction not listed yet."""
        today = service.today()
        return Listings(
            listed=[dict(r) for r in await repository.listings(db, today, include_closed=closed)],
            unlisted=[dict(r) for r in await repository.unlisted_major_hazards(db, today)],
        )

    @get("/{order_id:int}", guards=[READERS])
    async def get_order(self, request: Req, db: Db, order_id: FromPath[int]) -> OrderDetail:
        """One order with its timeline, the orders passed down from it (their progress), its
        hazard's state, and the steps the caller may take now."""
        return await service.detail(db, request.user, order_id)

    @get("/{order_id:int}/events", guards=[READERS])
    async def timeline(self, db: Db, order_id: FromPath[int]) -> list[OrderEventRead]:
        """The order's timeline, oldest first."""
        return [service.event_read(e) for e in await service.events(db, order_id)]

    @post("/{order_id:int}/forward", guards=[GOVERNMENT], status_code=201)
    async def forward(
        self, request: Req, db: Db, order_id: FromPath[int], data: JSONBody[OrderForward]
    ) -> OrderDetail:
        """Pass a received order down one level 层层督办 (to a place below, or the
        enterprise); answers the new order."""
        child = await service.forward(db, request.user, order_id, data)
        return await service.detail(db, request.user, child.id or 0)

    @post("/{order_id:int}/respond", guards=[READERS], status_code=200)
    async def respond(
        self, request: Req, db: Db, order_id: FromPath[int], data: JSONBody[OrderStep]
    ) -> OrderDetail:
        """The target answers 答复 (`text`: what was done)."""
        await service.respond(db, request.user, order_id, data.text)
        return await service.detail(db, request.user, order_id)

    @post("/{order_id:int}/return", guards=[GOVERNMENT], status_code=200)
    async def send_back(
        self, request: Req, db: Db, order_id: FromPath[int], data: JSONBody[OrderStep]
    ) -> OrderDetail:
        """The issuer returns 退回 an answer (`text`: why); the target must act again."""
        await service.return_order(db, request.user, order_id, data.text)
        return await service.detail(db, request.user, order_id)

    @post("/{order_id:int}/close", guards=[GOVERNMENT], status_code=200)
    async def close(
        self, request: Req, db: Db, order_id: FromPath[int], data: JSONBody[OrderStep]
    ) -> OrderDetail:
        """The issuer closes 办结 the order (a listing: 摘牌); `text` is required while its
        hazard is not closed or the order is unanswered."""
        await service.close(db, request.user, order_id, data.text)
        return await service.detail(db, request.user, order_id)


routes: list[Any] = [OrderController, *page_routes]
