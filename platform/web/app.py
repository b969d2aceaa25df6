"""The web application factory: routes, auth, templates, static files, OpenAPI."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, get
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.exc import DataError

import anwang.supervision
import anwang.tenants
from anwang.platform.attachments.controllers import routes as attachment_routes
from anwang.platform.db import app_async_engine
from anwang.platform.errors import DomainError
from anwang.platform.identity.controllers import IdentityController
from anwang.platform.registry.controllers import EnterpriseController, JurisdictionController
from anwang.platform.settings import get_settings, secret_key
from anwang.platform.web import errors
from anwang.platform.web.account import password_page, password_submit
from anwang.platform.web.auth import PUBLIC_PATHS, PrincipalMiddleware
from anwang.platform.web.deps import provide_auth_db, provide_db
from anwang.platform.web.labels import Labels
from anwang.platform.web.login import login_page, login_submit, logout
from anwang.platform.web.registry_pages import registry_pages
from anwang.platform.web.security import add_security_headers
from anwang.platform.web.shells import shell_routes
from anwang.supervision.routes import routes as supervision_routes
from anwang.tenants.routes import routes as tenant_routes

HERE = Path(__file__).parent
TENANTS = Path(anwang.tenants.__file__).parent
SUPERVISION = Path(anwang.supervision.__file__).parent


@get("/healthz", exclude_from_auth=True, sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _globals(engine: JinjaTemplateEngine) -> None:
    # Every page, error pages included, can render labels in Chinese.
    engine.engine.globals["L"] = Labels


async def _dispose_engine() -> None:
    # The async pool belongs to this event loop; a later loop (tests, reload) gets a new one.
    await app_async_engine().dispose()
    app_async_engine.cache_clear()


def create_app() -> Litestar:
    return Litestar(
        on_shutdown=[_dispose_engine],
        route_handlers=[
            healthz,
            login_page,
            login_submit,
            logout,
            password_page,
            password_submit,
            *shell_routes,
            *registry_pages,
            *tenant_routes,
            *supervision_routes,
            *attachment_routes,
            IdentityController,
            JurisdictionController,
            EnterpriseController,
            create_static_files_router(
                path="/static", directories=[HERE / "static"], include_in_schema=False
            ),
            create_static_files_router(
                path="/static/tenants",
                directories=[TENANTS / "static"],
                include_in_schema=False,
                name="tenant_static",
            ),
            create_static_files_router(
                path="/static/supervision",
                directories=[SUPERVISION / "static"],
                include_in_schema=False,
                name="supervision_static",
            ),
        ],
        dependencies={"db": Provide(provide_db), "auth_db": Provide(provide_auth_db)},
        middleware=[DefineMiddleware(PrincipalMiddleware, exclude=PUBLIC_PATHS)],
        before_send=[add_security_headers],
        csrf_config=CSRFConfig(
            secret=secret_key(),
            cookie_name="anwang_csrf",
            header_name="x-csrftoken",
            cookie_secure=get_settings().secure_cookies,
            exclude=["^/api/"],
        ),
        template_config=TemplateConfig(
            directory=[HERE / "templates", TENANTS / "templates", SUPERVISION / "templates"],
            engine=JinjaTemplateEngine,
            engine_callback=_globals,
        ),
        openapi_config=OpenAPIConfig(
            title="安网 Anwang API",
            version="1",
            path="/schema",
            # JSON and YAML only: the HTML renderers load their scripts from CDNs.
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
        ),
        exception_handlers={
            DomainError: errors.domain_error,
            HTTPException: errors.http_error,
            DataError: errors.data_error,
            Exception: errors.server_error,
        },
    )
