"""HTTP API and pages of this part of the enterprise domain."""

from __future__ import annotations

from typing import Any

routes: list[Any] = []
