"""HTTP API of hidden dangers: the list, reporting, one hazard, its timeline, and the steps of
its closed loop at `/api/v1/hazards/{id}/actions/{action}`. Thin: the service holds the rules.
The pages live in `pages.py`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments import service as attachments
from anwang.platform.attachments.schemas import AttachmentRead
from anwang.platform.errors import DomainError
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import Req
from anwang.tenants import vocabulary
from anwang.tenants.hazards import repository, service, states
from anwang.tenants.hazards.models import Hazard
from anwang.tenants.hazards.pages import page_routes
from anwang.tenants.hazards.schemas import (
    HazardAction,
    HazardCreate,
    HazardDetail,
    HazardEventRead,
    HazardExtensionRead,
    HazardPage,
    HazardRead,
)

# Government and sector users of the jurisdiction read hazards (RLS decides which); only
# the enterprise's own people report them and take their steps.
READERS = require("enterprise", "gov", "sector")
ENTERPRISE = require("enterprise")


def hazard_read(h: Hazard, on: date | None = None) -> HazardRead:
    return HazardRead.model_validate(
        {
            **h.model_dump(),
            "overdue": service.is_overdue(h, on),
            "days_overdue": service.days_overdue(h, on),
        }
    )


def filters(
    state: str | None,
    tier: str | None,
    source: str | None,
    overdue: bool | None,
    org_unit_id: int | None,
    responsible_user_id: int | None,
    q: str,
) -> repository.HazardFilter:
    """The list's filters, refused with a Chinese message when a code is unknown."""
    for value, known, label in (
        (state, states.STATES, "状态"),
        (tier, vocabulary.HAZARD_TIERS, "隐患等级"),
        (source, vocabulary.HAZARD_SOURCES, "来源"),
    ):
        if value and value not in known:
            raise DomainError(f"未知的{label}：{value}", field=label)
    return repository.HazardFilter(
        state=state or None,
        tier=tier or None,
        source=source or None,
        overdue=overdue,
        org_unit_id=org_unit_id,
        responsible_user_id=responsible_user_id,
        q=q.strip(),
    )


async def hazard_detail(db: AsyncSession, request: Req, h: Hazard) -> HazardDetail:
    photos = await attachments.list_for(db, "hazard", h.id or 0)
    return HazardDetail(
        **hazard_read(h).model_dump(),
        photos=[AttachmentRead.model_validate(a).model_dump() for a in photos],
        extensions=[
            HazardExtensionRead.model_validate(e)
            for e in await repository.extensions(db, h.id or 0)
        ],
        allowed_actions=await service.allowed_actions(db, request.user, h),
    )


class HazardController(Controller):
    path = "/api/v1/hazards"
    tags = ["hazards"]

    @get("/", guards=[READERS])
    async def list_hazards(
        self,
        db: Db,
        # `state` is a reserved name of Litestar handlers: the query parameter is aliased.
        hazard_state: Annotated[
            str | None, QueryParameter(name="state", description="a state code")
        ] = None,
        tier: FromQuery[str | None] = None,
        source: FromQuery[str | None] = None,
        overdue: FromQuery[bool | None] = None,
        org_unit_id: Annotated[
            int | None, QueryParameter(description="the unit and its subtree")
        ] = None,
        responsible_user_id: FromQuery[int | None] = None,
        q: Annotated[str, QueryParameter(max_length=100)] = "",
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> HazardPage:
        """Hazards the caller may see, newest first, with the count per state."""
        f = filters(hazard_state, tier, source, overdue, org_unit_id, responsible_user_id, q)
        today = service.today()
        total, rows = await repository.list_hazards(db, f, today, limit=limit, offset=offset)
        return HazardPage(
            total=total,
            items=[hazard_read(h, today) for h in rows],
            counts=await repository.state_counts(db, f, today),
        )

    @post("/", guards=[ENTERPRISE], status_code=201)
    async def report(self, request: Req, db: Db, data: JSONBody[HazardCreate]) -> HazardRead:
        """Report a hazard (随手拍); upload its photos first through
        `POST /api/v1/attachments/photos` and pass their ids."""
        return hazard_read(await service.report(db, request.user, data))

    @get("/{hazard_id:int}", guards=[READERS])
    async def get_hazard(self, request: Req, db: Db, hazard_id: FromPath[int]) -> HazardDetail:
        """One hazard with its photos, extension requests and the steps the caller may take."""
        return await hazard_detail(db, request, await service.get(db, hazard_id))

    @get("/{hazard_id:int}/events", guards=[READERS])
    async def timeline(self, db: Db, hazard_id: FromPath[int]) -> list[HazardEventRead]:
        """The hazard's timeline, oldest first: every step with who, when and why."""
        rows = await service.events(db, hazard_id)
        names = await repository.display_names(
            db, sorted({e.actor_user_id for e in rows if e.actor_user_id is not None})
        )
        return [
            HazardEventRead(
                id=e.id or 0,
                action=e.action,
                action_name=states.ACTIONS.get(e.action, e.action),
                from_state=e.from_state,
                to_state=e.to_state,
                actor_user_id=e.actor_user_id,
                actor_name=names.get(e.actor_user_id or 0, "") if e.actor_user_id else "系统",
                at=e.at,
                note=e.note,
                data=e.data,
            )
            for e in rows
        ]

    @post("/{hazard_id:int}/actions/{action:str}", guards=[ENTERPRISE], status_code=200)
    async def take_action(
        self,
        request: Req,
        db: Db,
        hazard_id: FromPath[int],
        action: FromPath[str],
        data: JSONBody[HazardAction],
    ) -> HazardDetail:
        """Take one step of the closed loop (confirm, reject, assign, start, submit, accept,
        refuse, reopen, request_extension, approve_extension, refuse_extension,
        report_to_bureau, fix_on_spot). A step the hazard's state does not allow answers 409;
        a step the caller may not take, 403."""
        h = await service.act(db, request.user, hazard_id, action, data)
        return await hazard_detail(db, request, h)


routes: list[Any] = [HazardController, *page_routes]
