"""Rules of supervision orders 督办: who may issue what to whom (a jurisdiction strictly
below the issuer's, or an enterprise inside it), the listing of open major hazards for
supervision 挂牌督办 (at the issuer's own level, one open listing per hazard), passing an
order down level by level 层层督办, the target's answer, the issuer's closing or returning
it, and the timeline every step leaves. Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import cn_date, today
from anwang.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from anwang.platform.principal import Principal
from anwang.supervision import vocabulary
from anwang.supervision.orders import repository
from anwang.supervision.orders.models import SupervisionOrder, SupervisionOrderEvent
from anwang.supervision.orders.repository import RECEIVING_ROLES, Place
from anwang.supervision.orders.schemas import (
    HazardBrief,
    OrderCreate,
    OrderDetail,
    OrderEventRead,
    OrderForward,
    OrderRow,
)
from anwang.tenants.org.access import COMPANY_ROLES
from anwang.tenants.vocabulary import HAZARD_STATES

__all__ = [
    "InvalidInput",
    "allowed_actions",
    "close",
    "detail",
    "forward",
    "get",
    "issue",
    "respond",
    "return_order",
]

TITLE_MAX = 100
TEXT_MAX = 2000
NOTE_MAX = 500
# Who issues: the officers of a town, district or city, and the sector departments.
ISSUING_ROLES = frozenset({"officer", "sector_officer"})
ISSUER_LEVELS = ("city", "district", "town")
# Waiting for the target's answer; only these can be answered or passed down.
AWAITING = frozenset({"issued", "returned"})
STATUSES = vocabulary.ORDER_STATUSES
ACTIONS = vocabulary.ORDER_ACTIONS


def is_overdue(o: SupervisionOrder, on: date | None = None) -> bool:
    """Past its deadline and not closed: an order is tracked until the issuer closes it."""
    return o.status != "closed" and o.deadline < (on or today())


def days_overdue(o: SupervisionOrder, on: date | None = None) -> int:
    return ((on or today()) - o.deadline).days if is_overdue(o, on) else 0


def _now() -> datetime:
    return datetime.now(UTC)


def _text(
    errors: dict[str, str], field: str, value: str | None, label: str, limit: int, *, required: bool
) -> str:
    v = (value or "").strip()
    if required and not v:
        errors.setdefault(field, f"请填写{label}")
    elif len(v) > limit:
        errors.setdefault(field, f"{label}不能超过{limit}个字")
    return v


# --- who is who -------------------------------------------------------------------------


def _same_side(p: Principal, o: SupervisionOrder) -> bool:
    """An order of a sector department belongs to that sector's departments; any other
    order to the emergency bureaus' side."""
    if o.sector is None:
        return p.kind == "gov"
    return p.kind == "sector" and p.sector == o.sector


def is_issuer(p: Principal, o: SupervisionOrder, issuer_path: str) -> bool:
    """The issuing body: someone of the same side holding a receiving role at the issuer's
    own jurisdiction (a colleague of the officer who issued it may close it too)."""
    return _same_side(p, o) and p.scope == issuer_path and p.role in RECEIVING_ROLES


def is_receiver(p: Principal, o: SupervisionOrder, target_path: str | None) -> bool:
    """Who answers: for an order to a jurisdiction, its officers (inspector of a grid) on the
    order's side; for an order to an enterprise, its company-level people."""
    if o.target_jurisdiction_id is None:
        return p.kind == "enterprise" and p.tenant_id == o.tenant_id and p.role in COMPANY_ROLES
    return (
        target_path is not None
        and _same_side(p, o)
        and p.scope == target_path
        and p.role in RECEIVING_ROLES
    )


@dataclass(frozen=True)
class Places:
    issuer: Place
    target: Place | None


async def places(db: AsyncSession, o: SupervisionOrder) -> Places:
    issuer = await repository.place_by_id(db, o.issuer_jurisdiction_id)
    if issuer is None:  # a foreign key; only a broken database gets here
        raise NotFound("督办的下达单位不存在")
    target = None
    if o.target_jurisdiction_id is not None:
        target = await repository.place_by_id(db, o.target_jurisdiction_id)
    return Places(issuer, target)


async def allowed_actions(db: AsyncSession, p: Principal, o: SupervisionOrder) -> list[str]:
    """The steps `p` may take on `o` now, in the order the pages offer them."""
    where = await places(db, o)
    target_path = where.target.path if where.target else None
    receiver = is_receiver(p, o, target_path)
    issuer = is_issuer(p, o, where.issuer.path)
    result = []
    if receiver and o.status in AWAITING:
        result.append("respond")
        if o.target_jurisdiction_id is not None:
            result.append("forward")
    if issuer and o.status == "responded":
        result.append("return")
    if issuer and o.status != "closed":
        result.append("close")
    return result


# --- reading ----------------------------------------------------------------------------


async def get(db: AsyncSession, order_id: int, *, lock: bool = False) -> SupervisionOrder:
    order = await repository.get(db, order_id, lock=lock)
    if order is None:
        # Also the answer for an order of another place: its existence is not disclosed.
        raise NotFound("督办不存在或您无权查看")
    return order


async def events(db: AsyncSession, order_id: int) -> list[SupervisionOrderEvent]:
    await get(db, order_id)
    return await repository.events(db, order_id)


async def _record(
    db: AsyncSession,
    p: Principal,
    o: SupervisionOrder,
    action: str,
    from_status: str | None,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    await repository.add_event(
        db,
        SupervisionOrderEvent(
            order_id=o.id or 0,
            jurisdiction_path=o.jurisdiction_path,
            sector=o.sector,
            action=action,
            from_status=from_status,
            to_status=o.status,
            actor_user_id=p.user_id,
            note=note,
            data=data or None,
        ),
    )


# --- issuing ----------------------------------------------------------------------------


async def _parent_for_forward(db: AsyncSession, p: Principal, parent_id: int) -> SupervisionOrder:
    parent = await repository.get(db, parent_id, lock=True)
    if parent is None:
        raise NotFound("上级督办不存在或您无权查看")
    target = (
        await repository.place_by_id(db, parent.target_jurisdiction_id)
        if parent.target_jurisdiction_id is not None
        else None
    )
    if target is None or not is_receiver(p, parent, target.path):
        raise Forbidden("只有接收该督办的单位可以向下转办")
    if parent.status not in AWAITING:
        raise Conflict(f"该督办当前为“{STATUSES[parent.status]}”，不能再向下转办")
    return parent


async def issue(db: AsyncSession, p: Principal, data: OrderCreate) -> SupervisionOrder:
    """Issue an order 下达督办 (or list a major hazard 挂牌督办; or, with `parent_id`, pass a
    received order down one level). Refused with a Chinese message per field (400), 404 for a
    hazard, enterprise, jurisdiction or parent outside the caller's scope, 403 for someone who
    may not issue, 409 for a second open listing of a hazard or a closed parent."""
    if p.kind not in ("gov", "sector") or p.user_id is None or not p.scope:
        raise Forbidden("只有政府监管部门可以下达督办")
    parent = None
    if data.parent_id is not None:
        parent = await _parent_for_forward(db, p, data.parent_id)
    elif p.role not in ISSUING_ROLES:
        raise Forbidden("只有镇（街道）、县（市、区）、市应急管理部门和行业主管部门可以下达督办")
    issuer = await repository.place_by_path(db, p.scope)
    if issuer is None:
        raise Forbidden("您所在的辖区不存在")
    if parent is None and issuer.level not in ISSUER_LEVELS:
        raise Forbidden("网格不能直接下达督办，可向下转办收到的督办")
    on = today()

    errors: dict[str, str] = {}
    title = _text(errors, "title", data.title, "督办事项", TITLE_MAX, required=True)
    requirement = _text(
        errors, "requirement", data.requirement, "督办要求", TEXT_MAX, required=False
    )
    if data.deadline <= on:
        errors["deadline"] = "办理期限须晚于今天"
    elif parent is not None and parent.deadline > on and data.deadline > parent.deadline:
        errors["deadline"] = f"办理期限不能晚于上级督办的期限（{cn_date(parent.deadline)}）"
    if data.subject == "hazard" and data.hazard_id is None:
        errors["hazard_id"] = "请选择督办的隐患"
    elif data.subject != "hazard" and data.hazard_id is not None:
        errors["hazard_id"] = "只有隐患督办才关联隐患"
    if data.subject == "enterprise" and data.tenant_id is None:
        errors["tenant_id"] = "请选择督办的企业"
    if data.target_jurisdiction_id is None and data.tenant_id is None and data.hazard_id is None:
        errors["target_jurisdiction_id"] = "请选择督办对象：下级辖区或企业"
    listing_level = data.listing_level
    if data.kind == "listed":
        if data.subject != "hazard":
            errors["kind"] = "挂牌督办只适用于重大隐患"
        elif parent is not None:
            errors["kind"] = "挂牌督办由挂牌单位直接下达，不能转办挂牌"
        if listing_level is None:
            listing_level = issuer.level  # type: ignore[assignment]
        elif listing_level != issuer.level:
            errors["listing_level"] = (
                f"挂牌级别须为本级（{vocabulary.LISTING_LEVELS.get(issuer.level, issuer.level)}）"
            )
    elif listing_level is not None:
        errors["listing_level"] = "只有挂牌督办需要挂牌级别"
    if errors:
        raise InvalidInput(errors)

    # The hazard and the enterprise: another place's answers 404, like any id out of scope.
    tenant_id = data.tenant_id
    hazard = None
    if data.hazard_id is not None:
        hazard = await repository.hazard_brief(db, data.hazard_id)
        if hazard is None or (tenant_id is not None and int(hazard["tenant_id"]) != tenant_id):
            raise NotFound("隐患不存在或不在您的管辖范围内")
        tenant_id = int(hazard["tenant_id"])
    company = None
    if tenant_id is not None:
        company = await repository.enterprise(db, tenant_id)
        if company is None or not issuer.contains(company.path):
            raise NotFound("企业不存在或不在您的管辖范围内")
    sector = p.sector if p.kind == "sector" else None
    target = None
    if data.target_jurisdiction_id is not None:
        target = await repository.place_by_id(db, data.target_jurisdiction_id)
        if target is None or not issuer.contains(target.path):
            raise NotFound("辖区不存在或不在您的管辖范围内")
        if not issuer.above(target.path):
            raise InvalidInput({"target_jurisdiction_id": "督办对象须为本级以下的辖区"})
        if company is not None and not target.contains(company.path):
            raise InvalidInput({"target_jurisdiction_id": f"{company.name}不在{target.name}辖区内"})
        if not await repository.has_receiver(db, target.id, sector):
            who = "本行业主管部门" if sector else "监管人员"
            raise InvalidInput(
                {"target_jurisdiction_id": f"{target.name}没有接收督办的{who}，请直接督办到企业"}
            )
    if parent is not None and (
        data.subject != parent.subject
        or data.hazard_id != parent.hazard_id
        or (parent.tenant_id is not None and tenant_id != parent.tenant_id)
    ):
        raise InvalidInput({"subject": "转办的督办须与上级督办的事项一致"})
    if data.kind == "listed" and hazard is not None:
        if hazard["tier"] != "major":
            raise InvalidInput({"kind": "只有重大隐患可以挂牌督办"})
        if hazard["state"] in ("closed", "rejected"):
            raise Conflict(f"该隐患已{HAZARD_STATES[hazard['state']]}，不能挂牌督办")
        if tenant_id is not None and await repository.open_listing(db, tenant_id, hazard["id"]):
            raise Conflict("该隐患已挂牌督办，请勿重复挂牌")

    path = target.path if target is not None else company.path if company is not None else ""
    order = SupervisionOrder(
        kind=data.kind,
        subject=data.subject,
        tenant_id=tenant_id,
        hazard_id=data.hazard_id,
        parent_id=parent.id if parent is not None else None,
        issuer_body_id=await repository.issuer_body(db, p.user_id, p.scope, p.role),
        issuer_user_id=p.user_id,
        issuer_jurisdiction_id=issuer.id,
        target_jurisdiction_id=target.id if target is not None else None,
        jurisdiction_path=path,
        sector=sector,
        listing_level=listing_level if data.kind == "listed" else None,
        title=title,
        requirement=requirement,
        deadline=data.deadline,
    )
    try:
        async with db.begin_nested():
            db.add(order)
            await db.flush()
    except IntegrityError as e:
        # Only a listing can collide: another body's open listing this caller cannot see
        # (a sector department's, or one made at the same moment).
        if data.kind == "listed":
            raise Conflict("该隐患已由其他单位挂牌督办，请勿重复挂牌") from e
        raise
    await db.refresh(order)
    details: dict[str, Any] = {"deadline": data.deadline.isoformat()}
    if parent is not None:
        details["parent_id"] = parent.id
    await _record(db, p, order, "issue", None, note=requirement, data=details)
    if parent is not None:
        to = target.name if target is not None else company.name if company is not None else ""
        await _record(
            db,
            p,
            parent,
            "forward",
            parent.status,
            note=f"转办至{to}",
            data={"child_id": order.id, "deadline": data.deadline.isoformat()},
        )
    return order


async def forward(
    db: AsyncSession, p: Principal, parent_id: int, data: OrderForward
) -> SupervisionOrder:
    """Pass a received order down one level 层层督办: the same matter to a jurisdiction below
    or to the enterprise, its title, requirement and deadline the parent's unless given."""
    parent = await get(db, parent_id)
    return await issue(
        db,
        p,
        OrderCreate(
            subject=parent.subject,  # type: ignore[arg-type]
            title=parent.title if data.title is None else data.title,
            requirement=parent.requirement if data.requirement is None else data.requirement,
            deadline=data.deadline or parent.deadline,
            tenant_id=parent.tenant_id if data.tenant_id is None else data.tenant_id,
            hazard_id=parent.hazard_id,
            target_jurisdiction_id=data.target_jurisdiction_id,
            parent_id=parent.id,
        ),
    )


# --- answering and closing --------------------------------------------------------------


async def respond(db: AsyncSession, p: Principal, order_id: int, text: str) -> SupervisionOrder:
    """The target answers 答复 (what was done); a hazard order records the hazard's state."""
    o = await get(db, order_id, lock=True)
    where = await places(db, o)
    if not is_receiver(p, o, where.target.path if where.target else None):
        if o.target_jurisdiction_id is None and p.kind == "enterprise":
            raise Forbidden("只有企业主要负责人、安全管理员或系统管理员可以答复督办")
        raise Forbidden("只有督办对象可以答复")
    if o.status not in AWAITING:
        raise Conflict(f"该督办当前为“{STATUSES[o.status]}”，不能答复")
    errors: dict[str, str] = {}
    answer = _text(errors, "text", text, "答复内容", TEXT_MAX, required=True)
    if errors:
        raise InvalidInput(errors)
    details: dict[str, Any] = {}
    if o.hazard_id is not None:
        hazard = await repository.hazard_brief(db, o.hazard_id)
        if hazard is not None:
            details["hazard_state"] = hazard["state"]
    from_status = o.status
    o.status = "responded"
    o.response = answer
    o.responded_by = p.user_id
    o.responded_at = _now()
    o = await repository.save(db, o)
    await _record(db, p, o, "respond", from_status, note=answer, data=details)
    return o


async def return_order(
    db: AsyncSession, p: Principal, order_id: int, note: str
) -> SupervisionOrder:
    """The issuer sends the answer back 退回 with a note: the target must act again."""
    o = await get(db, order_id, lock=True)
    where = await places(db, o)
    if not is_issuer(p, o, where.issuer.path):
        raise Forbidden("只有下达督办的单位可以退回")
    if o.status != "responded":
        raise Conflict(f"该督办当前为“{STATUSES[o.status]}”，只有已答复的督办可以退回")
    errors: dict[str, str] = {}
    reason = _text(errors, "text", note, "退回理由", NOTE_MAX, required=True)
    if errors:
        raise InvalidInput(errors)
    o.status = "returned"
    o = await repository.save(db, o)
    await _record(db, p, o, "return", "responded", note=reason)
    return o


async def close(db: AsyncSession, p: Principal, order_id: int, note: str = "") -> SupervisionOrder:
    """The issuer closes 办结 the order (a listing: delists 摘牌). A hazard order closes freely
    once its hazard is closed, otherwise only with a reason; so does an order not answered
    yet. The open orders passed down from it close with it."""
    o = await get(db, order_id, lock=True)
    where = await places(db, o)
    if not is_issuer(p, o, where.issuer.path):
        raise Forbidden("只有下达督办的单位可以办结")
    if o.status == "closed":
        raise Conflict("该督办已办结")
    errors: dict[str, str] = {}
    reason = _text(errors, "text", note, "办结说明", NOTE_MAX, required=False)
    details: dict[str, Any] = {}
    if o.hazard_id is not None:
        hazard = await repository.hazard_brief(db, o.hazard_id)
        state = str(hazard["state"]) if hazard is not None else ""
        details["hazard_state"] = state or None
        if state != "closed" and not reason:
            now = HAZARD_STATES.get(state, "未知")
            errors.setdefault("text", f"隐患尚未销号（当前：{now}），办结须填写理由")
    elif o.status != "responded" and not reason:
        errors.setdefault("text", "对方尚未答复，办结须填写理由")
    if errors:
        raise InvalidInput(errors)
    from_status = o.status
    now_at = _now()
    o.status = "closed"
    o.closed_by = p.user_id
    o.closed_at = now_at
    o = await repository.save(db, o)
    await _record(db, p, o, "close", from_status, note=reason, data=details)
    for child in await repository.open_descendants(db, o.id or 0):
        before = child.status
        child.status = "closed"
        child.closed_by = p.user_id
        child.closed_at = now_at
        child = await repository.save(db, child)
        await _record(
            db, p, child, "close", before, note="上级督办已办结，一并办结", data={"with": o.id}
        )
    return o


# --- views ------------------------------------------------------------------------------


def row_of(r: Any, on: date | None = None) -> OrderRow:
    """A list row (a mapping of repository._ROW) as the API's shape."""
    on = on or today()
    overdue = r["status"] != "closed" and r["deadline"] < on
    return OrderRow.model_validate(
        {**r, "overdue": overdue, "days_overdue": (on - r["deadline"]).days if overdue else 0}
    )


def event_read(e: SupervisionOrderEvent) -> OrderEventRead:
    return OrderEventRead.model_validate(
        {**e.model_dump(), "action_name": ACTIONS.get(e.action, e.action)}
    )


async def detail(db: AsyncSession, p: Principal, order_id: int) -> OrderDetail:
    """One order with its timeline, the orders passed down from it, its hazard, and the steps
    the caller may take now."""
    on = today()
    r = await repository.row(db, order_id)
    if r is None:
        raise NotFound("督办不存在或您无权查看")
    order = await get(db, order_id)
    hazard = None
    if order.hazard_id is not None:
        h = await repository.hazard_brief(db, order.hazard_id)
        if h is not None:
            hazard = HazardBrief.model_validate(dict(h))
    return OrderDetail(
        **row_of(r, on).model_dump(),
        events=[event_read(e) for e in await repository.events(db, order_id)],
        children_rows=[row_of(c, on) for c in await repository.children_rows(db, order_id)],
        hazard=hazard,
        allowed_actions=await allowed_actions(db, p, order),
    )
