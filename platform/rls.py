"""SQL for row-level security, shared by every migration that adds a tenant table.

One simple policy per database role (see docs/ARCHITECTURE.md): the planner keeps
its indexes, where a shared `CASE`/`OR` policy would lose them. Settings are read
through `(select …)` so PostgreSQL evaluates them once per statement, and the
jurisdiction test stays inside the policy (ltree's `<@` is not leakproof).
"""

from __future__ import annotations

APP_ROLE = "anwang_app"
PRINCIPAL_ROLES = ("anwang_enterprise", "anwang_gov", "anwang_sector", "anwang_auth")

TENANT_ID = "(select nullif(current_setting('anwang.tenant_id', true), '')::bigint)"
USER_ID = "(select nullif(current_setting('anwang.user_id', true), '')::bigint)"
SCOPE = "(select nullif(current_setting('anwang.scope', true), '')::ltree)"
SECTOR = "(select nullif(current_setting('anwang.sector', true), ''))"

# Tenants (enterprises and public sites) visible to a government or sector principal.
GOV_TENANTS = f"select e.id from enterprise e where e.jurisdiction_path <@ {SCOPE}"
SECTOR_TENANTS = (
    f"select e.id from enterprise e where e.sector = {SECTOR} and e.jurisdiction_path <@ {SCOPE}"
)


def enable(table: str) -> list[str]:
    return [
        f"alter table {table} enable row level security",
        f"alter table {table} force row level security",
    ]


def tenant_table(
    table: str,
    *,
    tenant_col: str = "tenant_id",
    enterprise: str = "all",
    gov: str = "select",
    sector: str = "select",
) -> list[str]:
    """Grants and policies for a table whose rows belong to one tenant.

    `enterprise`, `gov` and `sector` name the commands each principal kind may run
    ('all', 'select', or '' for none); grants follow the same words.
    """
    stmts = enable(table)
    own = f"{tenant_col} = {TENANT_ID}"
    in_scope = f"{tenant_col} in ({GOV_TENANTS})"
    in_sector = f"{tenant_col} in ({SECTOR_TENANTS})"
    for role, cmd, cond in (
        ("anwang_enterprise", enterprise, own),
        ("anwang_gov", gov, in_scope),
        ("anwang_sector", sector, in_sector),
    ):
        if not cmd:
            continue
        stmts.append(grant(table, role, cmd))
        check = f" with check ({cond})" if cmd != "select" else ""
        stmts.append(
            f"create policy {table}_{role.removeprefix('anwang_')} on {table}"
            f" for {cmd} to {role} using ({cond}){check}"
        )
    return stmts


def grant(table: str, role: str, cmd: str) -> str:
    privileges = "select, insert, update, delete" if cmd == "all" else cmd
    return f"grant {privileges} on {table} to {role}"


def audited(table: str, tenant_col: str = "", key: tuple[str, ...] = ("id",)) -> str:
    """Every change of `table` lands in audit_event, written by the database itself."""
    args = ", ".join(f"'{a}'" for a in (tenant_col, *key))
    return (
        f"create trigger {table}_audit after insert or update or delete on {table}"
        f" for each row execute function audit_row_change({args})"
    )
