"""The page /enterprise/org (the tree, one unit's managers, people and documents)."""

from __future__ import annotations

from typing import Any

page_routes: list[Any] = []
