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
AREA_COUNTS = (
    "enterprises",
    "sites",
    *(f"ent_{c}" for c in ("red", "orange", "yellow", "blue", "none")),
    *(f"status_{s}" for s in ("active", "suspended", "closed")),
    *(f"scale_{s}" for s in ("large", "medium", "small", "micro")),
)


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
  scale text,
  highest_level text check (highest_level in ('major', 'significant', 'general', 'low')),
{_ints(COUNTS)},
  as_of date not null,
  updated_at timestamptz not null default now()
) with (fillfactor = 90);
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
) with (fillfactor = 90);

-- The sums per jurisdiction: one row for all sectors (sector '') and one per sector present,
-- so a sector department reads its own sums and an officer reads tens of rows, not every
-- enterprise. Read by place (primary key) only: no index on the path, so the planner never
-- prefers a scan of the scope (the policy then tests the few rows found). The refresh writes
-- only rows whose values changed, in place (fillfactor: room for HOT updates).
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
) with (fillfactor = 90);
create index area_figures_parent on area_figures (parent_id, sector);

create table area_month (
  jurisdiction_id bigint not null references jurisdiction,
  sector text not null,
  month date not null,
  jurisdiction_path ltree not null,
  found integer not null default 0,
  closed integer not null default 0,
  primary key (jurisdiction_id, sector, month)
) with (fillfactor = 90);

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

# The unit counts of the places (enterprises and sites, by status and scale) follow every
# change of the enterprise register at once, by difference, in the same transaction: a newly
# registered enterprise is counted on the bureau page right away, before the refresh computes
# the rest of its figures (which recomputes these counts too, from the same register).
_UNIT_COUNTS = {
    "enterprises": "kind = 'enterprise'",
    "sites": "kind = 'public_site'",
    **{f"status_{s}": f"kind = 'enterprise' and status = '{s}'"
       for s in ("active", "suspended", "closed")},
    **{f"scale_{s}": f"kind = 'enterprise' and scale = '{s}'"
       for s in ("large", "medium", "small", "micro")},
}  # fmt: skip


def _unit_delta_function(name: str, source: str) -> str:
    cols = ", ".join(_UNIT_COUNTS)
    sums = ", ".join(f"sum(c.d * ({cond})::int) as {col}" for col, cond in _UNIT_COUNTS.items())
    nonzero = " or ".join(f"{col} <> 0" for col in _UNIT_COUNTS)
    adds = ", ".join(f"{col} = a.{col} + excluded.{col}" for col in _UNIT_COUNTS)
    return f"""
create function {name}() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  with c (path, sector, kind, status, scale, d) as ({source}),
  per as (
    select j.id, j.parent_id, j.level, j.path, s.sector, {sums}
    from c join jurisdiction j on j.path @> c.path
    cross join lateral (values (''), (c.sector)) s (sector)
    group by j.id, j.parent_id, j.level, j.path, s.sector
  )
  insert into area_figures as a (jurisdiction_id, sector, parent_id, level, jurisdiction_path,
                                 {cols}, as_of)
  select id, sector, parent_id, level, path, {cols},
         coalesce((select as_of from rollup_state where id = 1), current_date)
  from per where {nonzero}
  on conflict (jurisdiction_id, sector) do update set {adds}, updated_at = now();
  return null;
end $$;
"""


_NEW = "select jurisdiction_path, sector, kind, status, scale, 1 from new_rows"
_OLD = "select jurisdiction_path, sector, kind, status, scale, -1 from old_rows"
UNIT_DELTAS = "\n".join(
    (
        _unit_delta_function("area_units_insert", _NEW),
        _unit_delta_function("area_units_update", f"{_NEW} union all {_OLD}"),
        _unit_delta_function("area_units_delete", _OLD),
        *(
            f"create trigger enterprise_area_units_{op_name} after {op_name} on enterprise"
            f" referencing {refs} for each statement execute function area_units_{op_name}();"
            for op_name, refs in (
                ("insert", "new table as new_rows"),
                ("update", "old table as old_rows new table as new_rows"),
                ("delete", "old table as old_rows"),
            )
        ),
    )
)

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
        # The bureau's enterprise list without a search walks the names in order (a city has
        # tens of thousands; sorting them all for twenty rows was the page's slowest query).
        "create index enterprise_name on enterprise (name, id)",
    ]
    return s


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(UNIT_DELTAS)
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
    for op_name in ("insert", "update", "delete"):
        op.execute(f"drop trigger if exists enterprise_area_units_{op_name} on enterprise")
        op.execute(f"drop function if exists area_units_{op_name}() cascade")
    op.execute("drop index if exists enterprise_name")
    for fn in ("figures_mark_dirty", "figures_mark_enterprise", "figures_mark_task"):
        op.execute(f"drop function if exists {fn}() cascade")
