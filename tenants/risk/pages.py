"""Pages of risk points."""

from typing import Any

page_routes: list[Any] = []
