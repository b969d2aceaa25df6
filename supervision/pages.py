"""The frame of the government pages: one side nav per kind of government user."""

from __future__ import annotations

from typing import Any

from litestar.response import Template

from anwang.platform.principal import Principal
from anwang.platform.web.labels import Labels
from anwang.platform.web.shells import Req

Nav = list[tuple[str, str]]

# (href, label) per kind of user; the first entry is their home.
OFFICER_NAV: Nav = [
    ("/bureau", "辖区总览"),
    ("/patrol/overview", "巡查计划与覆盖"),
    ("/spot-checks", "线上抽查"),
    ("/orders", "督办"),
    ("/operations/live", "危险作业"),
]
GRID_INSPECTOR_NAV: Nav = [
    ("/inspector", "今日巡查"),
    ("/orders", "督办"),
]
SECTOR_NAV: Nav = [
    ("/sector", "场所名录"),
    ("/patrol/overview", "巡查计划与覆盖"),
    ("/spot-checks", "线上抽查"),
    ("/orders", "督办"),
    ("/operations/live", "危险作业"),
]


def nav_for(p: Principal) -> Nav:
    if p.kind == "sector":
        return SECTOR_NAV
    if p.role == "grid_inspector":
        return GRID_INSPECTOR_NAV
    return OFFICER_NAV


def render(template: str, request: Req, active: str, **context: Any) -> Template:
    """A government page: `active` is the nav entry (href) it belongs to."""
    from anwang.supervision import vocabulary

    return Template(
        template,
        context={
            "p": request.user,
            "L": Labels,
            "V": vocabulary,
            "nav": nav_for(request.user),
            "nav_active": active,
            **context,
        },
    )
