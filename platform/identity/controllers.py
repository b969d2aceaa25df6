"""HTTP API of identities: bearer tokens and who-am-I."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import JSONBody
from pydantic import BaseModel

from anwang.platform.errors import DomainError
from anwang.platform.identity import service
from anwang.platform.principal import Principal
from anwang.platform.web.deps import Db


class TokenRequest(BaseModel):
    username: str
    password: str
    membership: str | None = None
    name: str = "api"


class TokenResponse(BaseModel):
    token: str
    expires_at: datetime
    token_type: str = "Bearer"


class Me(BaseModel):
    user_id: int | None
    display_name: str
    kind: str
    role: str
    tenant_id: int | None
    scope: str | None
    scope_name: str
    sector: str | None


class IdentityController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    @post("/auth/token", exclude_from_auth=True)
    async def issue_token(
        self, request: Request, auth_db: Db, data: JSONBody[TokenRequest]
    ) -> TokenResponse:
        """Exchange a username and password for a bearer token (30 days)."""
        ip = request.client.host if request.client else ""
        try:
            user_id = await service.authenticate(auth_db, data.username, data.password, ip)
        except DomainError:
            await auth_db.commit()  # keep the failed attempt for throttling
            raise
        token, expires = await service.create_api_token(
            auth_db, user_id, data.membership, name=data.name
        )
        return TokenResponse(token=token, expires_at=expires)

    @get("/me", sync_to_thread=False)
    def me(self, request: Request[Principal, str, State]) -> Me:
        p = request.user
        return Me(
            user_id=p.user_id,
            display_name=p.display_name,
            kind=p.kind,
            role=p.role,
            tenant_id=p.tenant_id,
            scope=p.scope,
            scope_name=p.scope_name,
            sector=p.sector,
        )
