"""Who is asking: the principal of a request or job, and how it becomes database settings.

Each principal kind maps to one database role with its own simple policies
(see docs/ARCHITECTURE.md), which keeps the planner's indexes usable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

PrincipalKind = Literal["enterprise", "gov", "sector", "auth", "system"]

DB_ROLES: dict[str, str] = {
    "enterprise": "anwang_enterprise",  # one tenant
    "gov": "anwang_gov",  # a jurisdiction subtree
    "sector": "anwang_sector",  # one sector inside a jurisdiction subtree
    "auth": "anwang_auth",  # login and session lookup only
    # Scheduled set-based jobs across all tenants (task generation, escalation, reminders);
    # it reaches only the tables whose migrations give it a policy.
    "system": "anwang_system",
}


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    user_id: int | None = None
    role: str = ""
    tenant_id: int | None = None
    scope: str | None = None  # ltree path of the jurisdiction
    sector: str | None = None
    display_name: str = ""
    scope_name: str = ""

    @property
    def db_role(self) -> str:
        return DB_ROLES[self.kind]

    def settings(self) -> dict[str, str]:
        """The transaction-local settings the policies read."""
        return {
            "role": self.db_role,
            "anwang.user_id": "" if self.user_id is None else str(self.user_id),
            "anwang.tenant_id": "" if self.tenant_id is None else str(self.tenant_id),
            "anwang.scope": self.scope or "",
            "anwang.sector": self.sector or "",
        }

    def to_message(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> Principal:
        return cls(**data)


AUTH = Principal(kind="auth")
SYSTEM = Principal(kind="system")
