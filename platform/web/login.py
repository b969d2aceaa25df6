"""The login and logout pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from anwang.platform.errors import DomainError
from anwang.platform.identity import service
from anwang.platform.settings import get_settings
from anwang.platform.web.auth import SESSION_COOKIE, home_path
from anwang.platform.web.deps import Db


@dataclass
class LoginForm:
    username: str = ""
    password: str = ""
    next: str = ""


def _safe_next(target: str) -> str:
    # Only same-site paths: an open redirect would make the login page a phishing tool.
    return target if target.startswith("/") and not target.startswith("//") else ""


@get("/login", exclude_from_auth=True, sync_to_thread=False)
def login_page(next: FromQuery[str] = "") -> Template:
    return Template("login.html", context={"next": _safe_next(next), "error": None, "username": ""})


@post("/login", exclude_from_auth=True, dependencies={}, status_code=303)
async def login_submit(
    request: Request,
    auth_db: Db,
    data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect | Template:
    ip = request.client.host if request.client else ""
    try:
        user_id = await service.authenticate(auth_db, data.username, data.password, ip)
        token, expires = await service.create_web_session(auth_db, user_id)
        principal = await service.resolve(auth_db, token, api=False)
    except DomainError as e:
        # The failed attempt must be recorded for throttling, so commit despite the error.
        await auth_db.commit()
        return Template(
            "login.html",
            context={"next": _safe_next(data.next), "error": e.message, "username": data.username},
            status_code=e.status_code,
        )
    assert principal is not None
    cookie = Cookie(
        key=SESSION_COOKIE,
        value=token,
        expires=int(expires.timestamp()),
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/",
    )
    return Redirect(
        _safe_next(data.next) or home_path(principal), cookies=[cookie], status_code=303
    )


@post("/logout", status_code=303)
async def logout(request: Request, auth_db: Db) -> Redirect:
    await service.end_web_session(auth_db, request.auth)
    response = Redirect("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
