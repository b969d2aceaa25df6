"""Every query of the org tree, its managers, people and responsibility documents.

Row-level security already limits every statement to the caller's tenant; nothing here
repeats that test. Trees are small (tens to a few hundred units per tenant), so the tree is
read flat once and ordered in Python; subtree figures are one set-based statement over the
paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments.models import Attachment
from anwang.platform.identity.models import TenantMembership, User
from anwang.tenants.org.models import OrgUnit, ResponsibilityDocument, Staff, UnitManager

LABEL_SEPARATOR = " / "


@dataclass
class TreeNode:
    """A unit with its place in the tree: depth from the company, readable path label."""

    unit: OrgUnit
    depth: int
    label: str
    children: list[TreeNode] = field(default_factory=list)


async def all_units(db: AsyncSession) -> list[OrgUnit]:
    return list(await db.exec(select(OrgUnit)))


def build_tree(units: Sequence[OrgUnit]) -> list[TreeNode]:
    """The units in tree order (depth first, siblings by `sort` then id), each with its
    depth and its label from the company down ("本公司 / 生产部 / 冲压车间")."""
    by_parent: dict[int | None, list[OrgUnit]] = {}
    ids = {u.id for u in units}
    for u in units:
        # A unit whose parent is not visible would be an orphan; show it at the top.
        parent = u.parent_id if u.parent_id in ids else None
        by_parent.setdefault(parent, []).append(u)
    for siblings in by_parent.values():
        siblings.sort(key=lambda u: (u.sort, u.id or 0))
    ordered: list[TreeNode] = []

    def walk(parent: int | None, depth: int, prefix: str, into: list[TreeNode]) -> None:
        for u in by_parent.get(parent, []):
            label = f"{prefix}{LABEL_SEPARATOR}{u.name}" if prefix else u.name
            node = TreeNode(u, depth, label)
            ordered.append(node)
            into.append(node)
            walk(u.id, depth + 1, label, node.children)

    roots: list[TreeNode] = []
    walk(None, 0, "", roots)
    return ordered


async def tree(db: AsyncSession) -> list[TreeNode]:
    """The tenant's whole tree in tree order."""
    return build_tree(await all_units(db))


async def unit_choices(db: AsyncSession) -> list[tuple[int, str]]:
    """Every unit of the tenant in tree order with its path label, for select boxes."""
    return [(int(n.unit.id or 0), n.label) for n in await tree(db)]


async def post_of_user(db: AsyncSession, user_id: int) -> OrgUnit | None:
    """The unit (usually a post 岗位) of the user's active staff record, if any."""
    query = (
        select(OrgUnit)
        .join(
            Staff,
            (col(Staff.tenant_id) == col(OrgUnit.tenant_id))
            & (col(Staff.org_unit_id) == col(OrgUnit.id)),
        )
        .where(Staff.user_id == user_id, col(Staff.active).is_(True))
    )
    return (await db.exec(query)).first()


async def get_unit(db: AsyncSession, unit_id: int) -> OrgUnit | None:
    return (await db.exec(select(OrgUnit).where(OrgUnit.id == unit_id))).first()


async def root(db: AsyncSession) -> OrgUnit | None:
    return (await db.exec(select(OrgUnit).where(col(OrgUnit.parent_id).is_(None)))).first()


async def insert_root(db: AsyncSession, tenant_id: int, name: str) -> None:
    """The company root, unless another request made it first (one root per tenant)."""
    await db.execute(
        text(
            "insert into org_unit (tenant_id, name, kind) values (:t, :n, 'company')"
            " on conflict (tenant_id) where parent_id is null do nothing"
        ),
        {"t": tenant_id, "n": name},
    )


async def enterprise_name(db: AsyncSession, tenant_id: int) -> str | None:
    result = await db.execute(text("select name from enterprise where id = :t"), {"t": tenant_id})
    return result.scalar()


async def safety_departments(db: AsyncSession) -> list[OrgUnit]:
    return list(await db.exec(select(OrgUnit).where(col(OrgUnit.is_safety_department))))


# What keeps a unit from being deleted, in the words a person reads.
_BLOCKERS = text("""
select
  (select count(*) from org_unit where parent_id = :id) as children,
  (select count(*) from staff where org_unit_id = :id) as staff,
  (select count(*) from risk_point where org_unit_id = :id or control_unit_id = :id)
    as risk_points,
  (select count(*) from checklist where org_unit_id = :id) as checklists,
  (select count(*) from inspection_task where org_unit_id = :id) as tasks,
  (select count(*) from hazard where org_unit_id = :id) as hazards,
  (select count(*) from equipment where org_unit_id = :id) as equipment,
  (select count(*) from responsibility_document where org_unit_id = :id) as documents,
  (select count(*) from alarm where org_unit_id = :id) as alarms
""")


async def delete_blockers(db: AsyncSession, unit_id: int) -> dict[str, int]:
    row = (await db.execute(_BLOCKERS, {"id": unit_id})).mappings().one()
    return {k: int(v) for k, v in row.items()}


# Per unit, the figures of its whole subtree (层层关注): each unit's own rows counted once,
# then summed over every unit below it by path. Hazards without a unit count at the company.
_SUBTREE_FIGURES = text("""
with own as (
  select org_unit_id as unit,
         count(*) filter (where level = 'major') as risk_major,
         count(*) filter (where level = 'significant') as risk_significant,
         count(*) filter (where level = 'general') as risk_general,
         count(*) filter (where level = 'low') as risk_low,
         0 as hazards_open, 0 as hazards_overdue, 0 as tasks_pending, 0 as tasks_overdue
  from risk_point where status = 'active' group by org_unit_id
  union all
  select coalesce(h.org_unit_id, (select id from org_unit where parent_id is null)),
         0, 0, 0, 0,
         count(*),
         count(*) filter (where h.deadline < current_date and h.state <> 'reported'),
         0, 0
  from hazard h where h.state not in ('rejected', 'closed') group by 1
  union all
  select org_unit_id, 0, 0, 0, 0, 0, 0,
         count(*) filter (where status = 'pending' and due_at >= now()),
         count(*) filter (where status = 'missed' or (status = 'pending' and due_at < now()))
  from inspection_task where status in ('pending', 'missed') group by org_unit_id
), per_unit as (
  select unit, sum(risk_major) as risk_major, sum(risk_significant) as risk_significant,
         sum(risk_general) as risk_general, sum(risk_low) as risk_low,
         sum(hazards_open) as hazards_open, sum(hazards_overdue) as hazards_overdue,
         sum(tasks_pending) as tasks_pending, sum(tasks_overdue) as tasks_overdue
  from own where unit is not null group by unit
)
select a.id,
       coalesce(sum(p.risk_major), 0)::int as risk_major,
       coalesce(sum(p.risk_significant), 0)::int as risk_significant,
       coalesce(sum(p.risk_general), 0)::int as risk_general,
       coalesce(sum(p.risk_low), 0)::int as risk_low,
       coalesce(sum(p.hazards_open), 0)::int as hazards_open,
       coalesce(sum(p.hazards_overdue), 0)::int as hazards_overdue,
       coalesce(sum(p.tasks_pending), 0)::int as tasks_pending,
       coalesce(sum(p.tasks_overdue), 0)::int as tasks_overdue
from org_unit a
join org_unit d on d.tenant_id = a.tenant_id and d.path <@ a.path
left join per_unit p on p.unit = d.id
where (cast(:unit as bigint) is null or a.id = :unit)
group by a.id
""")


async def subtree_figures(
    db: AsyncSession, unit_id: int | None = None
) -> dict[int, dict[str, int]]:
    """Figures of each unit's subtree (or of one unit's): risk points by level, open and
    overdue hazards, pending and overdue inspection tasks. Zeros when nothing is there."""
    rows = (await db.execute(_SUBTREE_FIGURES, {"unit": unit_id})).mappings()
    return {int(r["id"]): {k: int(v) for k, v in r.items() if k != "id"} for r in rows}


# --- managers -------------------------------------------------------------------------------


async def managers_of(db: AsyncSession, unit_id: int) -> list[tuple[UnitManager, User]]:
    query = (
        select(UnitManager, User)
        .join(User, col(User.id) == col(UnitManager.user_id))
        .where(UnitManager.org_unit_id == unit_id)
        .order_by(col(UnitManager.duty), col(User.display_name))
    )
    return [(m, u) for m, u in await db.exec(query)]


async def all_managers(db: AsyncSession) -> list[tuple[UnitManager, User]]:
    query = select(UnitManager, User).join(User, col(User.id) == col(UnitManager.user_id))
    return [(m, u) for m, u in await db.exec(query)]


async def get_manager(db: AsyncSession, unit_id: int, user_id: int) -> UnitManager | None:
    query = select(UnitManager).where(
        UnitManager.org_unit_id == unit_id, UnitManager.user_id == user_id
    )
    return (await db.exec(query)).first()


async def delete_managers(db: AsyncSession, unit_id: int) -> None:
    await db.execute(text("delete from unit_manager where org_unit_id = :u"), {"u": unit_id})


async def delete_manager(db: AsyncSession, unit_id: int, user_id: int) -> int:
    result = await db.execute(
        text("delete from unit_manager where org_unit_id = :u and user_id = :uid"),
        {"u": unit_id, "uid": user_id},
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def accounts(db: AsyncSession) -> list[tuple[User, str]]:
    """The tenant's accounts with their role, by name (active ones)."""
    query = (
        select(User, TenantMembership.role)
        .join(TenantMembership, col(TenantMembership.user_id) == col(User.id))
        .where(col(User.is_active).is_(True))
        .order_by(col(User.display_name), col(User.id))
    )
    return [(u, str(r)) for u, r in await db.exec(query)]


async def account(db: AsyncSession, user_id: int) -> User | None:
    """An account of the tenant (a member), or None."""
    query = (
        select(User)
        .join(TenantMembership, col(TenantMembership.user_id) == col(User.id))
        .where(User.id == user_id)
    )
    return (await db.exec(query)).first()


# --- staff ----------------------------------------------------------------------------------


async def staff_in(
    db: AsyncSession, unit_id: int | None, *, subtree: bool, include_inactive: bool = True
) -> list[tuple[Staff, OrgUnit]]:
    """People of a unit (or of its subtree; of the whole tenant when unit_id is None)."""
    query = select(Staff, OrgUnit).join(
        OrgUnit,
        (col(OrgUnit.tenant_id) == col(Staff.tenant_id))
        & (col(OrgUnit.id) == col(Staff.org_unit_id)),
    )
    if unit_id is not None:
        if subtree:
            top = select(OrgUnit.path).where(OrgUnit.id == unit_id).scalar_subquery()
            query = query.where(col(OrgUnit.path).op("<@")(top))
        else:
            query = query.where(Staff.org_unit_id == unit_id)
    if not include_inactive:
        query = query.where(col(Staff.active).is_(True))
    query = query.order_by(col(Staff.active).desc(), col(OrgUnit.path), col(Staff.id))
    return [(s, u) for s, u in await db.exec(query)]


async def get_staff(db: AsyncSession, staff_id: int) -> Staff | None:
    return (await db.exec(select(Staff).where(Staff.id == staff_id))).first()


async def staff_of_user(db: AsyncSession, user_id: int) -> Staff | None:
    return (await db.exec(select(Staff).where(Staff.user_id == user_id))).first()


# --- responsibility documents ---------------------------------------------------------------


async def documents_of(
    db: AsyncSession, unit_id: int
) -> list[tuple[ResponsibilityDocument, Attachment | None]]:
    query = (
        select(ResponsibilityDocument, Attachment)
        .join(
            Attachment,
            (col(Attachment.tenant_id) == col(ResponsibilityDocument.tenant_id))
            & (col(Attachment.id) == col(ResponsibilityDocument.attachment_id)),
            isouter=True,
        )
        .where(ResponsibilityDocument.org_unit_id == unit_id)
        .order_by(col(ResponsibilityDocument.uploaded_at).desc(), col(ResponsibilityDocument.id))
    )
    return [(d, a) for d, a in await db.exec(query)]


async def get_document(db: AsyncSession, document_id: int) -> ResponsibilityDocument | None:
    query = select(ResponsibilityDocument).where(ResponsibilityDocument.id == document_id)
    return (await db.exec(query)).first()


async def get_attachment(db: AsyncSession, attachment_id: int) -> Attachment | None:
    return (await db.exec(select(Attachment).where(Attachment.id == attachment_id))).first()


async def display_names(db: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    query = select(User.id, User.display_name).where(col(User.id).in_(list(user_ids)))
    return {int(i or 0): str(n) for i, n in await db.exec(query)}
