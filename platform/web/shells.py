"""The home page of each kind of user."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Redirect

from anwang.platform.web.auth import home_path


@get("/", sync_to_thread=False)
def home(request: Request) -> Redirect:
    return Redirect(home_path(request.user))


shell_routes = [home]
