"""Every query of supervision orders. Row-level security decides which orders, enterprises
and hazards the caller sees; nothing here repeats the scope test (the planner would lose its
indexes, and the policy is the one place it belongs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.supervision.orders.models import SupervisionOrder, SupervisionOrderEvent

# Receiving roles: the officers of a town, district or city, the inspector of a grid, the
# officers of a sector department. Command centres and enforcement officers only read.
RECEIVING_ROLES = frozenset({"officer", "grid_inspector", "sector_officer"})


@dataclass(frozen=True)
class Place:
    """A jurisdiction as the rules need it."""

    id: int
    name: str
    level: str  # city | district | town | grid
    path: str

    def contains(self, path: str) -> bool:
        """Whether `path` is this place or below it."""
        return path == self.path or path.startswith(self.path + ".")

    def above(self, path: str) -> bool:
        """Whether `path` is strictly below this place."""
        return path.startswith(self.path + ".")


def _place(row: Any) -> Place | None:
    return Place(int(row.id), str(row.name), str(row.level), str(row.path)) if row else None


async def place_by_id(db: AsyncSession, jurisdiction_id: int) -> Place | None:
    row = (
        await db.execute(
            text("select id, name, level, path::text as path from jurisdiction where id = :i"),
            {"i": jurisdiction_id},
        )
    ).first()
    return _place(row)


async def place_by_path(db: AsyncSession, path: str) -> Place | None:
    row = (
        await db.execute(
            text(
                "select id, name, level, path::text as path from jurisdiction"
                " where path = cast(:p as ltree)"
            ),
            {"p": path},
        )
    ).first()
    return _place(row)


async def places_below(db: AsyncSession, path: str) -> list[Place]:
    """The jurisdictions strictly below `path`, in tree order (for choosing a target)."""
    rows = await db.execute(
        text(
            "select id, name, level, path::text as path from jurisdiction"
            " where path <@ cast(:p as ltree) and path <> cast(:p as ltree) order by path"
        ),
        {"p": path},
    )
    return [p for p in (_place(r) for r in rows) if p is not None]


@dataclass(frozen=True)
class EnterpriseRef:
    id: int
    name: str
    path: str
    sector: str
    kind: str


async def enterprise(db: AsyncSession, tenant_id: int) -> EnterpriseRef | None:
    """The enterprise (or public site), if the caller may see it."""
    row = (
        await db.execute(
            text(
                "select id, name, jurisdiction_path::text as path, sector, kind"
                " from enterprise where id = :i"
            ),
            {"i": tenant_id},
        )
    ).first()
    if row is None:
        return None
    return EnterpriseRef(int(row.id), str(row.name), str(row.path), str(row.sector), str(row.kind))


async def issuer_body(db: AsyncSession, user_id: int, scope: str, role: str) -> int | None:
    """The government body in which the user holds `role` over the jurisdiction `scope`."""
    row = (
        await db.execute(
            text(
                "select m.gov_body_id from gov_membership m"
                " join jurisdiction j on j.id = m.jurisdiction_id"
                " where m.user_id = :u and m.role = :r and j.path = cast(:p as ltree)"
                " order by m.id limit 1"
            ),
            {"u": user_id, "r": role, "p": scope},
        )
    ).first()
    return int(row[0]) if row else None


async def has_receiver(db: AsyncSession, jurisdiction_id: int, sector: str | None) -> bool:
    """Whether someone at the jurisdiction can receive an order: an officer or grid inspector
    of an emergency bureau, or (a sector's order) an officer of that sector's department."""
    if sector is None:
        sql = (
            "select exists (select 1 from gov_membership m join gov_body b on b.id = m.gov_body_id"
            " where m.jurisdiction_id = :j and b.kind = 'emergency_bureau'"
            " and m.role in ('officer', 'grid_inspector'))"
        )
    else:
        sql = (
            "select exists (select 1 from gov_membership m join gov_body b on b.id = m.gov_body_id"
            " where m.jurisdiction_id = :j and b.kind = 'sector_department' and b.sector = :s"
            " and m.role = 'sector_officer')"
        )
    return bool((await db.execute(text(sql), {"j": jurisdiction_id, "s": sector})).scalar())


async def hazard_brief(db: AsyncSession, hazard_id: int) -> RowMapping | None:
    """A hazard the caller may see: id, tenant_id, title, state, tier, deadline."""
    row = (
        await db.execute(
            text("select id, tenant_id, title, state, tier, deadline from hazard where id = :h"),
            {"h": hazard_id},
        )
    ).first()
    return row._mapping if row else None


async def open_listing(db: AsyncSession, tenant_id: int, hazard_id: int) -> SupervisionOrder | None:
    query = select(SupervisionOrder).where(
        SupervisionOrder.tenant_id == tenant_id,
        SupervisionOrder.hazard_id == hazard_id,
        SupervisionOrder.kind == "listed",
        SupervisionOrder.status != "closed",
    )
    return (await db.exec(query)).first()


async def get(db: AsyncSession, order_id: int, *, lock: bool = False) -> SupervisionOrder | None:
    query = select(SupervisionOrder).where(SupervisionOrder.id == order_id)
    if lock:
        query = query.with_for_update()
    return (await db.exec(query)).first()


async def add(db: AsyncSession, order: SupervisionOrder) -> SupervisionOrder:
    db.add(order)
    await db.flush()
    await db.refresh(order)
    return order


async def save(db: AsyncSession, order: SupervisionOrder) -> SupervisionOrder:
    db.add(order)
    await db.flush()
    await db.refresh(order)
    return order


async def add_event(db: AsyncSession, event: SupervisionOrderEvent) -> SupervisionOrderEvent:
    db.add(event)
    await db.flush()
    return event


async def events(db: AsyncSession, order_id: int) -> list[SupervisionOrderEvent]:
    """The timeline, oldest first."""
    rows = await db.exec(
        select(SupervisionOrderEvent)
        .where(SupervisionOrderEvent.order_id == order_id)
        .order_by(col(SupervisionOrderEvent.at), col(SupervisionOrderEvent.id))
    )
    return list(rows)


async def open_descendants(db: AsyncSession, order_id: int) -> list[SupervisionOrder]:
    """The open orders passed down from `order_id`, at any depth, the caller may see."""
    ids = (
        await db.execute(
            text(
                "with recursive d(id) as ("
                " select id from supervision_order where parent_id = :o"
                " union all select c.id from supervision_order c join d on c.parent_id = d.id)"
                " select id from d"
            ),
            {"o": order_id},
        )
    ).scalars()
    wanted = [int(i) for i in ids]
    if not wanted:
        return []
    rows = await db.exec(
        select(SupervisionOrder)
        .where(col(SupervisionOrder.id).in_(wanted), SupervisionOrder.status != "closed")
        .order_by(col(SupervisionOrder.id))
        .with_for_update()
    )
    return list(rows)


# --- lists ------------------------------------------------------------------------------

# Boxes of the list: received from above (to my place or below), issued by my own level,
# everything of my jurisdiction, and the overdue orders escalated up to me from below.
BOXES = ("received", "issued", "all", "escalated")


@dataclass(frozen=True)
class OrderFilter:
    box: str = "all"
    status: str | None = None  # a status, or 'open' for everything not closed
    overdue: bool = False
    kind: str | None = None
    subject: str | None = None
    hazard_id: int | None = None
    tenant_id: int | None = None
    parent_id: int | None = None
    ids: tuple[int, ...] | None = None


_ROW = """
select o.id, o.kind, o.subject, o.tenant_id, o.hazard_id, o.parent_id, o.issuer_body_id,
       o.issuer_user_id, o.issuer_jurisdiction_id, o.target_jurisdiction_id,
       o.jurisdiction_path::text as jurisdiction_path, o.sector, o.listing_level, o.title,
       o.requirement, o.deadline, o.status, o.response, o.responded_by, o.responded_at,
       o.closed_by, o.closed_at, o.escalation_level, o.created_at,
       coalesce(b.name, ij.name) as issuer_name, ij.path::text as issuer_path,
       coalesce(tj.name, e.name, '') as target_name, tj.path::text as target_path,
       e.name as enterprise_name,
       (select count(*) from supervision_order c where c.parent_id = o.id) as children,
       (select count(*) from supervision_order c
         where c.parent_id = o.id and c.status = 'closed') as children_closed
from supervision_order o
join jurisdiction ij on ij.id = o.issuer_jurisdiction_id
left join gov_body b on b.id = o.issuer_body_id
left join jurisdiction tj on tj.id = o.target_jurisdiction_id
left join enterprise e on e.id = o.tenant_id
"""


def _where(f: OrderFilter, scope: str | None, today: date) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = {"today": today}
    overdue = "(o.status <> 'closed' and o.deadline < cast(:today as date))"
    if scope is not None and f.box != "all":
        params["scope"] = scope
        if f.box == "received":
            where.append("not (ij.path <@ cast(:scope as ltree))")
        elif f.box == "issued":
            where.append("ij.path = cast(:scope as ltree)")
        elif f.box == "escalated":
            where.append(overdue)
            where.append(
                "ij.path <@ cast(:scope as ltree) and ij.path <> cast(:scope as ltree)"
                " and nlevel(ij.path) - nlevel(cast(:scope as ltree)) <= o.escalation_level"
            )
    if f.status == "open":
        where.append("o.status <> 'closed'")
    elif f.status:
        where.append("o.status = :status")
        params["status"] = f.status
    if f.overdue:
        where.append(overdue)
    for name in ("kind", "subject", "hazard_id", "tenant_id", "parent_id"):
        value = getattr(f, name)
        if value is not None:
            where.append(f"o.{name} = :{name}")
            params[name] = value
    if f.ids is not None:
        where.append("o.id = any(:ids)")
        params["ids"] = list(f.ids)
    return where, params


async def list_orders(
    db: AsyncSession,
    f: OrderFilter,
    scope: str | None,
    today: date,
    *,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[RowMapping]]:
    """Orders under the filter: open ones first, the nearest deadline first."""
    where, params = _where(f, scope, today)
    clause = (" where " + " and ".join(where)) if where else ""
    total = (
        await db.execute(
            text(
                "select count(*) from supervision_order o"
                " join jurisdiction ij on ij.id = o.issuer_jurisdiction_id" + clause
            ),
            params,
        )
    ).scalar_one()
    rows = await db.execute(
        text(
            _ROW
            + clause
            + " order by (o.status = 'closed'), o.deadline, o.id desc limit :limit offset :offset"
        ),
        {**params, "limit": limit, "offset": offset},
    )
    return int(total), [r._mapping for r in rows]


async def row(db: AsyncSession, order_id: int) -> RowMapping | None:
    """One order with the names of its places (None when the caller may not see it)."""
    r = (await db.execute(text(_ROW + " where o.id = :i"), {"i": order_id})).first()
    return r._mapping if r else None


async def children_rows(db: AsyncSession, order_id: int) -> list[RowMapping]:
    rows = await db.execute(text(_ROW + " where o.parent_id = :i order by o.id"), {"i": order_id})
    return [r._mapping for r in rows]


async def box_counts(db: AsyncSession, scope: str | None, today: date) -> dict[str, int]:
    """Open orders per box (and the escalated overdue ones), for the tabs."""
    out: dict[str, int] = {}
    for box in BOXES:
        where, params = _where(OrderFilter(box=box, status="open"), scope, today)
        out[box] = int(
            (
                await db.execute(
                    text(
                        "select count(*) from supervision_order o"
                        " join jurisdiction ij on ij.id = o.issuer_jurisdiction_id"
                        " where " + " and ".join(where)
                    ),
                    params,
                )
            ).scalar_one()
        )
    return out


# --- major hazards and their listing 挂牌督办 -------------------------------------------------


async def listings(
    db: AsyncSession, today: date, *, include_closed: bool = False
) -> list[RowMapping]:
    """Listed major hazards: the listing (issuing body, level, deadline, status) and the
    hazard's state, open listings first."""
    closed = "" if include_closed else " and o.status <> 'closed'"
    rows = await db.execute(
        text(
            "select o.id, o.tenant_id, o.hazard_id, o.title, o.listing_level, o.deadline,"
            " o.status, o.escalation_level, o.created_at, o.closed_at,"
            " coalesce(b.name, ij.name) as issuer_name, e.name as enterprise_name,"
            " h.title as hazard_title, h.state as hazard_state, h.deadline as hazard_deadline,"
            " (o.status <> 'closed' and o.deadline < cast(:today as date)) as overdue,"
            " greatest(cast(:today as date) - o.deadline, 0) as days_overdue"
            " from supervision_order o"
            " join jurisdiction ij on ij.id = o.issuer_jurisdiction_id"
            " left join gov_body b on b.id = o.issuer_body_id"
            " left join enterprise e on e.id = o.tenant_id"
            " left join hazard h on h.tenant_id = o.tenant_id and h.id = o.hazard_id"
            " where o.kind = 'listed'"
            + closed
            + " order by (o.status = 'closed'), o.deadline, o.id"
        ),
        {"today": today},
    )
    return [r._mapping for r in rows]


async def unlisted_major_hazards(db: AsyncSession, today: date) -> list[RowMapping]:
    """Open major hazards the caller sees that no open listing the caller sees covers."""
    rows = await db.execute(
        text(
            "select h.id, h.tenant_id, h.title, h.state, h.deadline, h.reported_to_bureau_at,"
            " h.stop_work, e.name as enterprise_name,"
            " (h.deadline < cast(:today as date)) as overdue"
            " from hazard h join enterprise e on e.id = h.tenant_id"
            " where h.tier = 'major' and h.state in ('confirmed', 'rectifying',"
            " 'awaiting_acceptance')"
            " and not exists (select 1 from supervision_order o where o.tenant_id = h.tenant_id"
            " and o.hazard_id = h.id and o.kind = 'listed' and o.status <> 'closed')"
            " order by h.deadline nulls last, h.id"
        ),
        {"today": today},
    )
    return [r._mapping for r in rows]


async def hazard_orders(db: AsyncSession, tenant_id: int, hazard_id: int) -> list[RowMapping]:
    """Every order about one hazard the caller sees, open ones first."""
    rows = await db.execute(
        text(
            _ROW + " where o.tenant_id = :t and o.hazard_id = :h"
            " order by (o.status = 'closed'), o.kind desc, o.id"
        ),
        {"t": tenant_id, "h": hazard_id},
    )
    return [r._mapping for r in rows]


async def enterprise_search(db: AsyncSession, q: str, limit: int = 20) -> list[EnterpriseRef]:
    """Enterprises the caller sees whose name contains `q` (or whose credit code is `q`)."""
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await db.execute(
        text(
            "select id, name, jurisdiction_path::text as path, sector, kind from enterprise"
            " where status = 'active' and (name like :like or credit_code = :q)"
            " order by name limit :n"
        ),
        {"like": like, "q": q.upper(), "n": limit},
    )
    return [
        EnterpriseRef(int(r.id), str(r.name), str(r.path), str(r.sector), str(r.kind)) for r in rows
    ]
