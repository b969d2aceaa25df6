"""Domain errors: an HTTP status and a message a person can act on (Chinese for the UI)."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class TooManyAttempts(DomainError):
    status_code = 429


class InvalidInput(DomainError):
    """Bad input, one Chinese message per field (the first also as the error's own), so a
    form can show every message next to its box at once."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)
