"""HTTP API of the registry: jurisdictions and tenants."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from anwang.platform.audit import history
from anwang.platform.principal import Principal
from anwang.platform.registry import repository, service
from anwang.platform.registry.schemas import (
    EnterpriseCreate,
    EnterprisePage,
    EnterpriseRead,
    EnterpriseUpdate,
    JurisdictionRead,
)
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db

EDITORS = ("boss", "safety_manager", "admin", "officer")


class JurisdictionController(Controller):
    path = "/api/v1/jurisdictions"
    tags = ["jurisdictions"]

    @get("/")
    async def children(
        self, db: Db, parent_id: FromQuery[int | None] = None
    ) -> list[JurisdictionRead]:
        """Jurisdictions under `parent_id` (the top level when omitted)."""
        rows = await repository.child_jurisdictions(db, parent_id)
        return [JurisdictionRead.model_validate(r) for r in rows]


class EnterpriseController(Controller):
    path = "/api/v1/enterprises"
    tags = ["enterprises"]

    @get("/")
    async def list_enterprises(
        self,
        db: Db,
        q: FromQuery[str] = "",
        under: Annotated[
            str | None, QueryParameter(description="ltree path of a jurisdiction")
        ] = None,
        kind: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> EnterprisePage:
        """Enterprises and public sites the caller may see."""
        total, rows = await repository.list_enterprises(
            db, q=q, under=under, kind=kind, limit=limit, offset=offset
        )
        return EnterprisePage(total=total, items=[EnterpriseRead.model_validate(r) for r in rows])

    @get("/{enterprise_id:int}")
    async def get_enterprise(self, db: Db, enterprise_id: FromPath[int]) -> EnterpriseRead:
        return EnterpriseRead.model_validate(await service.get_enterprise(db, enterprise_id))

    @post("/", guards=[require("gov", roles=("officer",))])
    async def register(
        self, request: Request[Principal, str, State], db: Db, data: JSONBody[EnterpriseCreate]
    ) -> EnterpriseRead:
        """Register an enterprise in the officer's jurisdiction."""
        enterprise = await service.register_enterprise(db, request.user, data)
        return EnterpriseRead.model_validate(enterprise)

    @patch("/{enterprise_id:int}", guards=[require("enterprise", "gov", roles=EDITORS)])
    async def update(
        self, db: Db, enterprise_id: FromPath[int], data: JSONBody[EnterpriseUpdate]
    ) -> EnterpriseRead:
        enterprise = await service.update_enterprise(db, enterprise_id, data)
        return EnterpriseRead.model_validate(enterprise)

    @get("/{enterprise_id:int}/history")
    async def change_history(self, db: Db, enterprise_id: FromPath[int]) -> list[dict[str, object]]:
        """The audit trail of one enterprise record."""
        await service.get_enterprise(db, enterprise_id)
        return [
            {
                "at": e.at,
                "op": e.op,
                "actor_user_id": e.actor_user_id,
                "actor_role": e.actor_role,
                "before": e.before,
                "after": e.after,
            }
            for e in await history(db, "enterprise", str(enterprise_id))
        ]
