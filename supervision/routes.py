"""Every route handler of the supervision domain, for the app factory."""

from __future__ import annotations

from typing import Any

from anwang.supervision.command.pages import routes as command
from anwang.supervision.operations.controllers import routes as operations
from anwang.supervision.orders.controllers import routes as orders
from anwang.supervision.patrol.pages import routes as patrol
from anwang.supervision.rollups.routes import routes as rollups
from anwang.supervision.sites.pages import routes as sites
from anwang.supervision.spot_checks.pages import routes as spot_checks

routes: list[Any] = [*rollups, *patrol, *sites, *operations, *orders, *spot_checks, *command]
