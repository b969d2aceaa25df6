"""SQL for row-level security, shared by every migration that adds a tenant table.

One simple policy per database role (see docs/ARCHITECTURE.md): the planner keeps
its indexes, where a shared `CASE`/`OR` policy would lose them. Settings are read
through `(select …)` so PostgreSQL evaluates them once per statement, and the
jurisdiction test stays inside the policy (ltree's `<@` is not leakproof).
"""

from __future__ import annotations

APP_ROLE = "anwang_app"
PRINCIPAL_ROLES = ("anwang_enterprise", "anwang_gov", "anwang_sector", "anwang_auth")
# Added by migration 0002: scheduled jobs that work across all tenants in one statement.
SYSTEM_ROLE = "anwang_system"

TENANT_ID = "(select nullif(current_setting('anwang.tenant_id', true), '')::bigint)"
USER_ID = "(select nullif(current_setting('anwang.user_id', true), '')::bigint)"
SCOPE = "(select nullif(current_setting('anwang.scope', true), '')::ltree)"
SECTOR = "(select nullif(current_setting('anwang.sector', true), ''))"

# Every tenant row carries its tenant's jurisdiction path and sector (copied by a trigger), so
# government and sector policies test the row itself. A `tenant_id in (select … from enterprise)`
# policy was measured 1.3x to 2.7x slower: PostgreSQL keeps subqueries of security quals as
# filters and never turns them into joins, so the primary key and parallel plans are lost.
IN_SCOPE = f"jurisdiction_path <@ {SCOPE}"
IN_SECTOR = f"sector = {SECTOR} and jurisdiction_path <@ {SCOPE}"


def enable(table: str) -> list[str]:
    return [
        f"alter table {table} enable row level security",
        f"alter table {table} force row level security",
    ]


def tenant_table(
    table: str,
    *,
    enterprise: str = "all",
    gov: str = "select",
    sector: str = "select",
    system: str = "",
    derive_scope: bool = True,
) -> list[str]:
    """Scope columns, grants and policies for a table whose rows belong to one tenant
    (a `tenant_id` column, part of the primary key).

    Adds `jurisdiction_path` and `sector`, filled from the tenant by a trigger unless
    `derive_scope` is False (the table then fills them itself, like the audit log).
    `enterprise`, `gov`, `sector` and `system` name the commands each principal kind may run
    ('all', 'select', or '' for none); grants follow the same words. The system role sees
    every tenant's rows: only scheduled jobs run as it.
    """
    stmts = []
    if derive_scope:
        stmts += [
            f"alter table {table} add column jurisdiction_path ltree not null,"
            " add column sector text not null",
            f"create trigger {table}_scope before insert or update of tenant_id on {table}"
            " for each row execute function tenant_scope_fill()",
        ]
    stmts.append(f"create index {table}_scope on {table} using gist (jurisdiction_path)")
    stmts += enable(table)
    for role, cmd, cond in (
        ("anwang_enterprise", enterprise, f"tenant_id = {TENANT_ID}"),
        ("anwang_gov", gov, IN_SCOPE),
        ("anwang_sector", sector, IN_SECTOR),
        (SYSTEM_ROLE, system, "true"),
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


# Tables that scheduled jobs and the seed fill by the thousand audit their INSERTs once per
# statement, from the statement's transition table: the same audit_event rows as the row
# trigger, written by one INSERT … SELECT (the row trigger was ~40% of generating a day's
# inspection tasks). UPDATE and DELETE stay per row, where before and after pair up.
AUDIT_INSERT_BATCH = """
create or replace function audit_insert_batch() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  keys text[] := tg_argv[1:tg_nargs - 1];
begin
  insert into audit_event (tenant_id, actor_user_id, actor_role, table_name, op, row_key,
                           before, after, jurisdiction_path, sector)
  select
    coalesce((r.j ->> nullif(tg_argv[0], ''))::bigint, 0),
    nullif(current_setting('anwang.user_id', true), '')::bigint,
    coalesce(nullif(current_setting('role'), 'none'), session_user),
    tg_table_name, 'INSERT',
    (select string_agg(coalesce(r.j ->> k.name, ''), ',' order by k.n)
       from unnest(keys) with ordinality as k(name, n)),
    null, r.j - 'password_hash',
    case when tg_argv[0] <> '' then (r.j ->> 'jurisdiction_path')::ltree end,
    case when tg_argv[0] <> '' then r.j ->> 'sector' end
  from (select to_jsonb(n) as j from new_rows n) r;
  return null;
end $$;
"""


def audited_batched(table: str, tenant_col: str = "", key: tuple[str, ...] = ("id",)) -> list[str]:
    """Like `audited`, with INSERTs logged once per statement (see AUDIT_INSERT_BATCH)."""
    args = ", ".join(f"'{a}'" for a in (tenant_col, *key))
    return [
        f"create trigger {table}_audit after update or delete on {table}"
        f" for each row execute function audit_row_change({args})",
        f"create trigger {table}_audit_insert after insert on {table}"
        f" referencing new table as new_rows for each statement"
        f" execute function audit_insert_batch({args})",
    ]
