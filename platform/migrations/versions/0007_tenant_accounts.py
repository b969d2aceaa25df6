"""Enterprise managers open login accounts for their own people.

The enterprise role reads app_user but may not write it (accounts are shared across tenants'
views and hold credentials), so one SECURITY DEFINER function does exactly this: a company-level
user of the calling tenant creates an account in that tenant with a role below boss.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FUNCTION = """
create function create_tenant_account(p_username text, p_display_name text, p_phone text,
                                      p_password_hash text, p_role text) returns bigint
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  t bigint := nullif(current_setting('anwang.tenant_id', true), '')::bigint;
  caller bigint := nullif(current_setting('anwang.user_id', true), '')::bigint;
  new_id bigint;
begin
  if current_setting('role') <> 'anwang_enterprise' or t is null or caller is null
     or not exists (select 1 from tenant_membership m where m.tenant_id = t
                    and m.user_id = caller and m.role in ('boss', 'safety_manager', 'admin')) then
    raise exception 'only the enterprise''s boss, safety manager or admin opens accounts'
      using errcode = '42501';
  end if;
  if p_role not in ('safety_manager', 'admin', 'unit_head', 'worker') then
    raise exception 'role % cannot be given here', p_role using errcode = '22023';
  end if;
  insert into app_user (username, display_name, phone, password_hash)
  values (p_username, p_display_name, coalesce(p_phone, ''), p_password_hash)
  returning id into new_id;
  insert into tenant_membership (tenant_id, user_id, role) values (t, new_id, p_role);
  return new_id;
end $$;
revoke execute on function create_tenant_account(text, text, text, text, text) from public;
grant execute on function create_tenant_account(text, text, text, text, text) to anwang_enterprise;
"""


def upgrade() -> None:
    op.execute(FUNCTION)


def downgrade() -> None:
    op.execute("drop function if exists create_tenant_account(text, text, text, text, text)")
