"""Every route handler of the roll-ups (pages and API), for supervision/routes.py."""

from __future__ import annotations

from typing import Any

from anwang.supervision.rollups.controllers import api_routes
from anwang.supervision.rollups.pages import page_routes

routes: list[Any] = [*page_routes, *api_routes]
