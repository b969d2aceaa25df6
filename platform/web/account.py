"""The signed-in user's own account: changing the password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from anwang.platform.db import async_session_factory
from anwang.platform.errors import DomainError
from anwang.platform.identity import service
from anwang.platform.principal import Principal
from anwang.platform.web.auth import home_path

Req = Request[Principal, str, State]


@dataclass
class PasswordForm:
    current: str = ""
    new: str = ""
    confirm: str = ""


def _page(request: Req, status: int = 200, **context: Any) -> Template:
    return Template(
        "account_password.html",
        context={"p": request.user, "home": home_path(request.user), "nav": [], **context},
        status_code=status,
    )


@get("/account/password", include_in_schema=False)
async def password_page(request: Req) -> Template:
    return _page(request, error=None, field=None, done=False)


@post("/account/password", include_in_schema=False, status_code=200)
async def password_submit(
    request: Req,
    data: Annotated[PasswordForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template:
    # The auth principal, carrying this user's id: the policy lets it change only this row.
    principal = Principal(kind="auth", user_id=request.user.user_id)
    async with async_session_factory()() as db:
        db.info["principal"] = principal
        try:
            assert request.user.user_id is not None
            await service.change_password(
                db, request.user.user_id, data.current, data.new, data.confirm, request.auth
            )
        except DomainError as e:
            await db.rollback()
            return _page(request, error=e.message, field=e.field, done=False, status=e.status_code)
        await db.commit()
    return _page(request, error=None, field=None, done=True)
