"""A list page's filters as given in its address: the text fields of a frozen dataclass, which
write the address back for links, tabs and the pager."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar
from urllib.parse import urlencode


@dataclass(frozen=True)
class ListAddress:
    """Subclasses are frozen dataclasses of `str` fields (empty = not filtered) and set PATH."""

    PATH: ClassVar[str] = "/"

    def url(self, **changes: str) -> str:
        """This list's address with some filters changed (empty ones left out)."""
        values = {**asdict(self), **changes}
        query = urlencode({k: v for k, v in values.items() if v})
        return f"{self.PATH}?{query}" if query else self.PATH

    def page_url(self) -> str:
        """The list's address ready for `page=N` (the pager macro's convention)."""
        base = self.url()
        return base + ("&" if "?" in base else "?")
