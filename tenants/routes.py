"""Every route handler of the enterprise domain, for the app factory."""

from __future__ import annotations

from typing import Any

from anwang.tenants.checks.controllers import routes as checks
from anwang.tenants.hazards.controllers import routes as hazards
from anwang.tenants.org.controllers import routes as org
from anwang.tenants.reminders.controllers import routes as reminders
from anwang.tenants.risk.controllers import routes as risk

routes: list[Any] = [*org, *risk, *checks, *hazards, *reminders]
