"""A page's forms refused by the service and shown again: each message next to its box, and
what was typed kept, in the one form that was sent when a page has several."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from anwang.platform.errors import DomainError, InvalidInput


def form_errors(
    e: DomainError,
    known: Collection[str] | None = None,
    *,
    rename: Callable[[str], str] = str,
    join_unplaced: bool = False,
) -> tuple[dict[str, str], str]:
    """A refusal as a page's form shows it: (box → message, the message above the form).

    The service's field names go through `rename` to the form's boxes ('gas_test.o2' →
    'gas_o2'); only the boxes in `known` take a message (all of them when None). The message
    above the form is the error's own when no box shows one; with `join_unplaced` it is
    every message no box shows instead, so none is lost."""
    raw = e.errors if isinstance(e, InvalidInput) else ({e.field: e.message} if e.field else {})
    errors = {rename(k): v for k, v in raw.items() if k}
    shown = {k: v for k, v in errors.items() if known is None or k in known}
    rest = [v for k, v in errors.items() if k not in shown]
    if join_unplaced and rest:
        return shown, "；".join(rest)
    return shown, "" if shown else e.message


@dataclass
class ActionForm:
    """The refused form of a page with several (one per step, or one per verdict): which one
    it was, what was typed in it and what was wrong; the page's other forms show empty."""

    action: str = ""
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""

    def value(self, action: str, name: str, default: str = "") -> str:
        return self.typed.get(name, default) if action == self.action else default

    def err(self, action: str, name: str) -> str:
        return self.errors.get(name, "") if action == self.action else ""

    def message(self, action: str) -> str:
        return self.error if action == self.action else ""
