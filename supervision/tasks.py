"""Every scheduled job of the supervision domain, for the worker (one import line each)."""

from __future__ import annotations

# Each part adds `from anwang.supervision.<part> import tasks as _<part>  # noqa: F401` here.
from anwang.supervision.orders import tasks as _orders  # noqa: F401
from anwang.supervision.patrol import tasks as _patrol  # noqa: F401
from anwang.supervision.rollups import tasks as _rollups  # noqa: F401
