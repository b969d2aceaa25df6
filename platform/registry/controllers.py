"""HTTP API of the registry: jurisdictions and tenants."""

from __future__ import annotations

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
from litestar import Controller, Request, get, patch, post
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

EDITORS = ("boss", "safety_manager", "admin", "officer")


class JurisdictionController(Controller):
    path = "/api/v1/jurisdictions"
    tags = ["jurisdictions"]

    @get("/")
    async def children(
        self, db: AsyncSession, parent_id: int | None = None
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
        db: AsyncSession,
        q: str = "",
        under: str | None = Parameter(default=None, description="ltree path of a jurisdiction"),
        kind: str | None = None,
        limit: int = Parameter(default=50, ge=1, le=500),
        offset: int = Parameter(default=0, ge=0),
    ) -> EnterprisePage:
        """Enterprises and public sites the caller may see."""
        total, rows = await repository.list_enterprises(
            db, q=q, under=under, kind=kind, limit=limit, offset=offset
        )
        return EnterprisePage(total=total, items=[EnterpriseRead.model_validate(r) for r in rows])

    @get("/{enterprise_id:int}")
    async def get_enterprise(self, db: AsyncSession, enterprise_id: int) -> EnterpriseRead:
        return EnterpriseRead.model_validate(await service.get_enterprise(db, enterprise_id))

    @post("/", guards=[require("gov", roles=("officer",))])
    async def register(
        self, request: Request[Principal, str, object], db: AsyncSession, data: EnterpriseCreate
    ) -> EnterpriseRead:
        """Register an enterprise in the officer's jurisdiction."""
        enterprise = await service.register_enterprise(db, request.user, data)
        return EnterpriseRead.model_validate(enterprise)

    @patch("/{enterprise_id:int}", guards=[require("enterprise", "gov", roles=EDITORS)])
    async def update(
        self, db: AsyncSession, enterprise_id: int, data: EnterpriseUpdate
    ) -> EnterpriseRead:
        enterprise = await service.update_enterprise(db, enterprise_id, data)
        return EnterpriseRead.model_validate(enterprise)

    @get("/{enterprise_id:int}/history")
    async def change_history(self, db: AsyncSession, enterprise_id: int) -> list[dict[str, object]]:
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
