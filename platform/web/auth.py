"""Who is calling: a session cookie (pages) or a bearer token (API) becomes a Principal;
guards check the principal's kind and role."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from anwang.platform.db import async_session_factory
from anwang.platform.identity import service
from anwang.platform.principal import AUTH, Principal

SESSION_COOKIE = "anwang_session"
PUBLIC_PATHS = ["^/login", "^/static", "^/schema", "^/api/v1/auth/token", "^/healthz"]


class PrincipalMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        # The API takes bearer tokens only and pages take the cookie only, so a
        # cross-site form can never ride a cookie into the CSRF-exempt API.
        api = connection.url.path.startswith("/api/")
        header = connection.headers.get("authorization", "")
        if api:
            token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        else:
            token = connection.cookies.get(SESSION_COOKIE, "")
        if not token:
            raise NotAuthorizedException("请先登录")
        async with async_session_factory()() as db:
            db.info["principal"] = AUTH
            principal = await service.resolve(db, token, api=api)
            await db.commit()
        if principal is None:
            raise NotAuthorizedException("登录已失效，请重新登录")
        return AuthenticationResult(user=principal, auth=token)


def require(
    *kinds: str, roles: Iterable[str] | None = None
) -> Callable[[ASGIConnection, BaseRouteHandler], None]:
    """A guard admitting principals of the given kinds (and, if given, roles)."""
    allowed_roles = frozenset(roles or ())

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        p: Principal = connection.user
        if p.kind not in kinds or (allowed_roles and p.role not in allowed_roles):
            raise PermissionDeniedException("您没有权限访问此功能")

    return guard


def home_path(p: Principal) -> str:
    """The shell each kind of user lands on."""
    if p.kind == "enterprise":
        return "/enterprise"
    if p.kind == "sector":
        return "/sector"
    return {
        "grid_inspector": "/inspector",
        "enforcement_officer": "/enforcement",
        "command_centre": "/command",
    }.get(p.role, "/bureau")
