"""The frame of the enterprise pages: one side nav for every part of the domain."""

from __future__ import annotations

from typing import Any

from litestar.response import Template

from anwang.platform.web.labels import Labels
from anwang.platform.web.shells import Req
from anwang.tenants import vocabulary

# (href, label): the enterprise user's whole product, in the order of the "three steps".
ENTERPRISE_NAV: list[tuple[str, str]] = [
    ("/enterprise", "工作台"),
    ("/enterprise/org", "组织机构"),
    ("/enterprise/risks", "风险分级管控"),
    ("/enterprise/tasks", "排查任务"),
    ("/enterprise/hazards", "隐患治理"),
    ("/enterprise/reminders", "提醒报警"),
    # served by the supervision domain: orders addressed to the enterprise, its permits
    ("/enterprise/orders", "督办整改"),
    ("/enterprise/operations", "危险作业"),
]


def render(template: str, request: Req, active: str, **context: Any) -> Template:
    """An enterprise page: `active` is the nav entry (href) it belongs to."""
    return Template(
        template,
        context={
            "p": request.user,
            "L": Labels,
            "V": vocabulary,
            "nav": ENTERPRISE_NAV,
            "nav_active": active,
            **context,
        },
    )
