"""Turning exceptions into responses: JSON for the API, pages (or a redirect to the
login page) for people."""

from __future__ import annotations

from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DataError

from anwang.platform.errors import DomainError


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/schema"))


def domain_error(request: Request, exc: DomainError) -> Response:
    if _wants_json(request):
        body = {"detail": exc.message, "field": exc.field}
        return Response(body, status_code=exc.status_code, media_type=MediaType.JSON)
    return Template(
        "error.html",
        context={"status": exc.status_code, "message": exc.message},
        status_code=exc.status_code,
    )


def http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException) and not _wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?next={quote(target)}")
    if _wants_json(request):
        body = {"detail": exc.detail, "extra": exc.extra} if exc.extra else {"detail": exc.detail}
        return Response(body, status_code=exc.status_code, media_type=MediaType.JSON)
    messages = {403: "您没有权限访问此页面", 404: "页面不存在或您无权查看"}
    return Template(
        "error.html",
        context={"status": exc.status_code, "message": messages.get(exc.status_code, exc.detail)},
        status_code=exc.status_code,
    )


def data_error(request: Request, exc: DataError) -> Response:
    """A value the database cannot take (a number beyond its column's range, a malformed
    date): the caller's input, answered as 400 rather than a server error; logged in case
    it was ours."""
    request.logger.warning("database refused a value: %s", exc.orig)
    return domain_error(request, _BAD_VALUE)


_BAD_VALUE = DomainError("输入的数值超出允许范围或格式不正确")
_BAD_VALUE.status_code = HTTP_400_BAD_REQUEST


def server_error(request: Request, exc: Exception) -> Response:
    request.logger.exception("unhandled error", exc_info=exc)
    if _wants_json(request):
        return Response(
            {"detail": "服务器内部错误"},
            status_code=HTTP_500_INTERNAL_SERVER_ERROR,
            media_type=MediaType.JSON,
        )
    return Template(
        "error.html",
        context={"status": 500, "message": "服务器内部错误，请稍后重试"},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )
