"""Column types SQLAlchemy does not ship: PostgreSQL's ltree."""

from __future__ import annotations

from typing import Any

from sqlalchemy.types import UserDefinedType


class Ltree(UserDefinedType[str]):
    """An ltree path (`320500.320585.320585100`), carried as text in Python."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "ltree"
