"""Roll-up figures of the government views 辖区统计, kept up to date incrementally.

Per enterprise (and public site) one row of figures, per enterprise and month the hazards
found and closed; per jurisdiction (and per jurisdiction and sector) their sums. Statement
triggers on the records the figures come from mark the enterprise in `figures_dirty`; the
scheduled job `rollups.refresh` recomputes the marked enterprises and the places above them
(anwang.supervision.rollups.refresh). The figures are derived data, recomputable at any time
from the records: they are not audited (the records they come from are).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

from anwang.platform import rls

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The counted figures, shared by the per-enterprise and the per-area rows (the column lists
# of anwang.supervision.rollups.refresh.COUNTS; a test checks they agree).
TIERS = ("none", "on_spot", "general", "major")  # 'none': not graded yet (reported)
STATES = ("reported", "confirmed", "rejected", "rectifying", "awaiting_acceptance", "closed")
PATROL = tuple(
    f"patrol_{kind}_{when}_{what}"
    for kind in ("grid", "town", "sector")
    for when in ("cur", "prev")
    for what in ("assigned", "visited", "late", "missed")
)
COUNTS = (
    "risk_major",
    "risk_significant",
    "risk_general",
    "risk_low",
    "risk_unassessed",
    *(f"h_{tier}_{state}" for tier in TIERS for state in STATES),
    "hazards_overdue",
    "major_overdue",
    "closed_on_time",
    "listed_open",
    "listed_overdue",
    "selfcheck_due_this",
    "selfcheck_done_this",
    "selfcheck_due_last",
    "selfcheck_done_last",
    *PATROL,
)
AREA_COUNTS = ("enterprises", "sites", "ent_red", "ent_orange", "ent_yellow", "ent_blue",
               "ent_none")  # fmt: skip


def _ints(names: tuple[str, ...]) -> str:
    return ",\n".join(f"  {n} integer not null default 0" for n in names)


TABLES = f"""
-- One row per enterprise or public site: its place and kind, the highest level of its active
-- risk points, and the counts the government views add up.
create table enterprise_figures (
  tenant_id bigint primary key references enterprise on delete cascade,
  jurisdiction_id bigint not null references jurisdiction,
  jurisdiction_path ltree not null,
  sector text not null,
  kind text not null,
  site_type text,
  status text not null,
  highest_level text check (highest_level in ('major', 'significant', 'general', 'low')),
{_ints(COUNTS)},
  as_of date not null,
  updated_at timestamptz not null default now()
);
create index enterprise_figures_place on enterprise_figures (jurisdiction_id);

-- Hazards found and closed per enterprise and month (Beijing months), for the trend.
create table enterprise_month (
  tenant_id bigint not null references enterprise on delete cascade,
  month date not null,
  jurisdiction_path ltree not null,
  sector text not null,
  found integer not null default 0,
  closed integer not null default 0,
  primary key (tenant_id, month)
);

-- The sums per jurisdiction: one row for all sectors (sector '') and one per sector present,
-- so a sector department reads its own sums and an officer reads tens of rows, not every
-- enterprise.
create table area_figures (
  jurisdiction_id bigint not null references jurisdiction,
  sector text not null,
  parent_id bigint references jurisdiction,
  level text not null,
  jurisdiction_path ltree not null,
{_ints(AREA_COUNTS)},
{_ints(COUNTS)},
  as_of date not null,
  updated_at timestamptz not null default now(),
  primary key (jurisdiction_id, sector)
);
create index area_figures_scope on area_figures using gist (jurisdiction_path);
create index area_figures_parent on area_figures (parent_id, sector);

create table area_month (
  jurisdiction_id bigint not null references jurisdiction,
  sector text not null,
  month date not null,
  jurisdiction_path ltree not null,
  found integer not null default 0,
  closed integer not null default 0,
  primary key (jurisdiction_id, sector, month)
);
create index area_month_scope on area_month using gist (jurisdiction_path);

-- Enterprises whose figures are out of date. Written by the triggers below (their functions
-- run as the owner, so no principal needs a grant on it), emptied by the refresh.
create table figures_dirty (
  enterprise_id bigint primary key,
  marked_at timestamptz not null default now()
);

-- The date the date-dependent figures (overdue, this month, current cycle) were computed for,
-- and when the last refresh finished. One row.
create table rollup_state (
  id smallint primary key default 1 check (id = 1),
  as_of date,
  refreshed_at timestamptz,
  rebuilt_at timestamptz
);
insert into rollup_state (id) values (1);

-- Statement triggers: one INSERT … SELECT DISTINCT per statement from its transition tables,
-- whatever the number of rows (the seed and the task generator write thousands at once).
create function figures_mark_dirty() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_op in ('INSERT', 'UPDATE') then
    insert into figures_dirty (enterprise_id)
    select distinct n.tenant_id from new_rows n where n.tenant_id is not null
    on conflict do nothing;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    insert into figures_dirty (enterprise_id)
    select distinct o.tenant_id from old_rows o where o.tenant_id is not null
    on conflict do nothing;
  end if;
  return null;
end $$;

-- An enterprise row is its own tenant (id).
create function figures_mark_enterprise() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_op in ('INSERT', 'UPDATE') then
    insert into figures_dirty (enterprise_id) select distinct n.id from new_rows n
    on conflict do nothing;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    insert into figures_dirty (enterprise_id) select distinct o.id from old_rows o
    on conflict do nothing;
  end if;
  return null;
end $$;

-- Only the monthly comprehensive self-checks count; the shift and daily tasks generated by
-- the thousand change no figure.
create function figures_mark_task() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_op in ('INSERT', 'UPDATE') then
    insert into figures_dirty (enterprise_id)
    select distinct n.tenant_id from new_rows n
    join checklist c on c.tenant_id = n.tenant_id and c.id = n.checklist_id
    where c.kind = 'comprehensive'
    on conflict do nothing;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    insert into figures_dirty (enterprise_id)
    select distinct o.tenant_id from old_rows o
    join checklist c on c.tenant_id = o.tenant_id and c.id = o.checklist_id
    where c.kind = 'comprehensive'
    on conflict do nothing;
  end if;
  return null;
end $$;
"""

# table → the function that marks its rows' tenants
WATCHED = {
    "hazard": "figures_mark_dirty",
    "risk_point": "figures_mark_dirty",
    "inspection_task": "figures_mark_task",
    "patrol_assignment": "figures_mark_dirty",
    "supervision_order": "figures_mark_dirty",
    "enterprise": "figures_mark_enterprise",
}


def triggers() -> list[str]:
    s = []
    for table, fn in WATCHED.items():
        for op_name, refs in (
            ("insert", "new table as new_rows"),
            ("update", "old table as old_rows new table as new_rows"),
            ("delete", "old table as old_rows"),
        ):
            s.append(
                f"create trigger {table}_figures_{op_name} after {op_name} on {table}"
                f" referencing {refs} for each statement execute function {fn}()"
            )
    return s


def policies() -> list[str]:
    s: list[str] = []
    # Per-enterprise rows: the tenant its own, government and sector principals their scope.
    for table in ("enterprise_figures", "enterprise_month"):
        s += rls.tenant_table(
            table, enterprise="select", gov="select", sector="select", system="all",
            derive_scope=False,
        )  # fmt: skip
    # Per-area rows: no tenant; the sector's own rows for sector departments.
    for table in ("area_figures", "area_month"):
        s += rls.enable(table)
        s += [
            f"create index {table}_sector on {table} (sector, jurisdiction_id)",
            rls.grant(table, "anwang_gov", "select"),
            rls.grant(table, "anwang_sector", "select"),
            rls.grant(table, rls.SYSTEM_ROLE, "all"),
            f"create policy {table}_gov on {table} for select to anwang_gov using ({rls.IN_SCOPE})",
            f"create policy {table}_sector on {table} for select to anwang_sector"
            f" using ({rls.IN_SECTOR})",
            f"create policy {table}_system on {table} for all to {rls.SYSTEM_ROLE}"
            " using (true) with check (true)",
        ]
    s += rls.enable("figures_dirty")
    s += [
        rls.grant("figures_dirty", rls.SYSTEM_ROLE, "all"),
        f"create policy figures_dirty_system on figures_dirty for all to {rls.SYSTEM_ROLE}"
        " using (true) with check (true)",
    ]
    everyone = ", ".join(r for r in rls.PRINCIPAL_ROLES if r != "anwang_auth")
    s += rls.enable("rollup_state")
    s += [
        f"grant select on rollup_state to {everyone}",
        f"create policy rollup_state_read on rollup_state for select to {everyone} using (true)",
        rls.grant("rollup_state", rls.SYSTEM_ROLE, "all"),
        f"create policy rollup_state_system on rollup_state for all to {rls.SYSTEM_ROLE}"
        " using (true) with check (true)",
        # What the refresh reads beyond the grants of earlier migrations.
        f"grant select on checklist, patrol_cycle to {rls.SYSTEM_ROLE}",
    ]
    return s


def upgrade() -> None:
    op.execute(TABLES)
    for stmt in triggers():
        op.execute(stmt)
    for stmt in policies():
        op.execute(stmt)


def downgrade() -> None:
    for table in WATCHED:
        for op_name in ("insert", "update", "delete"):
            op.execute(f"drop trigger if exists {table}_figures_{op_name} on {table}")
    for table in ("area_month", "area_figures", "enterprise_month", "enterprise_figures",
                  "figures_dirty", "rollup_state"):  # fmt: skip
        op.execute(f"drop table if exists {table} cascade")
    for fn in ("figures_mark_dirty", "figures_mark_enterprise", "figures_mark_task"):
        op.execute(f"drop function if exists {fn}() cascade")
