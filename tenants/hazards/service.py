"""Rules of hidden dangers 隐患: reporting (随手拍, from a check), the closed loop of
states.TRANSITIONS with who may take each step, deadline extensions decided by the level
above, and the timeline every step leaves. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments import service as attachments
from anwang.platform.clock import today
from anwang.platform.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from anwang.platform.principal import Principal
from anwang.tenants.hazards import repository, states
from anwang.tenants.hazards.models import Hazard, HazardEvent, HazardExtension
from anwang.tenants.hazards.schemas import HazardAction, HazardCreate
from anwang.tenants.hazards.states import ACTIONS, WHO_TEXT, Who
from anwang.tenants.org import access
from anwang.tenants.org.repository import post_of_user

TITLE_MAX = 100
TEXT_MAX = 2000
LOCATION_MAX = 200
REASON_MAX = 500
FIVE_MAX = 500
PHOTOS_MAX = 9
# Who decides an extension when the hazard's unit is the company itself (or has no unit).
TOP_DECIDERS = frozenset({"boss", "safety_manager"})
CONFIRM_TIERS = ("general", "major")
FIVE_FIELDS: dict[str, str] = {
    "responsibility": "责任落实",
    "measures": "措施落实",
    "funds": "资金落实",
    "emergency_plan": "应急预案落实",
}


def is_overdue(h: Hazard, on: date | None = None) -> bool:
    return h.deadline is not None and h.state in states.OPEN_STATES and h.deadline < (on or today())


def days_overdue(h: Hazard, on: date | None = None) -> int:
    if not is_overdue(h, on) or h.deadline is None:
        return 0
    return ((on or today()) - h.deadline).days


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


def _enterprise(p: Principal) -> int:
    if p.kind != "enterprise" or p.tenant_id is None:
        raise Forbidden("只有企业人员可以上报和处理隐患")
    return p.tenant_id


# --- reading ----------------------------------------------------------------------------


async def get(db: AsyncSession, hazard_id: int) -> Hazard:
    hazard = await repository.get(db, hazard_id)
    if hazard is None:
        # Also the answer for another tenant's id: its existence is not disclosed.
        raise NotFound("隐患不存在或您无权查看")
    return hazard


async def events(db: AsyncSession, hazard_id: int) -> list[HazardEvent]:
    await get(db, hazard_id)
    return await repository.events(db, hazard_id)


# --- reporting --------------------------------------------------------------------------


async def report(db: AsyncSession, p: Principal, data: HazardCreate) -> Hazard:
    """A hazard reported by anyone of the tenant (随手拍), state 'reported', source 'report';
    with tier 'on_spot' and a measure it is fixed on the spot and closed in the same step."""
    tenant_id = _enterprise(p)
    errors: dict[str, str] = {}
    title = _text(errors, "title", data.title, "隐患标题", TITLE_MAX, required=True)
    description = _text(
        errors, "description", data.description, "隐患描述", TEXT_MAX, required=False
    )
    location = _text(errors, "location", data.location, "位置", LOCATION_MAX, required=False)
    if data.tier not in (None, "", "on_spot"):
        errors["tier"] = "上报时只能选择“现场整改”；一般隐患和重大隐患由负责人确认时判定"
    on_spot = data.tier == "on_spot"
    measure = _text(errors, "measure", data.measure, "整改措施", TEXT_MAX, required=on_spot)
    if (data.lat is None) != (data.lon is None):
        errors["lat"] = "经纬度须同时填写"
    elif (data.lat is not None and not -90 <= data.lat <= 90) or (
        data.lon is not None and not -180 <= data.lon <= 180
    ):
        errors["lat"] = "经纬度超出范围"
    if len(data.photo_ids) > PHOTOS_MAX:
        errors["photo_ids"] = f"照片最多{PHOTOS_MAX}张"
    unit_id = data.org_unit_id
    if data.risk_point_id is not None:
        point = await repository.risk_point(db, data.risk_point_id)
        if point is None:
            errors["risk_point_id"] = "所选风险点不存在，请重新选择"
        elif unit_id is None:
            unit_id = point.org_unit_id
    if data.org_unit_id is not None and await repository.unit(db, data.org_unit_id) is None:
        errors["org_unit_id"] = "所选部门不存在，请重新选择"
    if errors:
        raise InvalidInput(errors)
    if unit_id is None and p.user_id is not None:
        # Reported without a unit: the reporter's own post is the best guess.
        post = await post_of_user(db, p.user_id)
        unit_id = post.id if post else None
    hazard = Hazard(
        tenant_id=tenant_id,
        source="report",
        risk_point_id=data.risk_point_id,
        org_unit_id=unit_id,
        title=title,
        description=description,
        location=location,
        lat=data.lat,
        lon=data.lon,
        reported_by=p.user_id,
    )
    hazard = await _create(db, p, hazard, data.photo_ids, note=description)
    if hazard.lat is None and data.photo_ids:
        # Where the photo says it was taken, when the device gave no position.
        for photo in await attachments.list_for(db, "hazard", hazard.id or 0):
            if photo.lat is not None and photo.lon is not None:
                hazard.lat, hazard.lon = photo.lat, photo.lon
                hazard = await repository.save(db, hazard)
                break
    if on_spot:
        hazard = await act(db, p, hazard.id or 0, "fix_on_spot", HazardAction(measure=measure))
    return hazard


async def open_from_check(
    db: AsyncSession,
    principal: Principal,
    *,
    check_id: int,
    item_id: int,
    risk_point_id: int | None,
    org_unit_id: int,
    title: str,
    description: str = "",
    photo_ids: Iterable[int] = (),
) -> Hazard:
    """A hazard found by a check (an item judged 不符合): state 'reported', source 'check'."""
    tenant_id = _enterprise(principal)
    clean_title = (title or "").strip()[:TITLE_MAX] or "排查发现的隐患"
    hazard = Hazard(
        tenant_id=tenant_id,
        source="check",
        check_id=check_id,
        risk_point_id=risk_point_id,
        org_unit_id=org_unit_id,
        title=clean_title,
        description=(description or "").strip()[:TEXT_MAX],
        reported_by=principal.user_id,
    )
    return await _create(
        db,
        principal,
        hazard,
        list(photo_ids),
        note=hazard.description,
        data={"check_id": check_id, "item_id": item_id},
    )


async def _create(
    db: AsyncSession,
    p: Principal,
    hazard: Hazard,
    photo_ids: list[int],
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Hazard:
    hazard = await repository.add(db, hazard)
    assert hazard.id is not None
    if photo_ids:
        await attachments.attach(db, photo_ids, "hazard", hazard.id, "before")
    await _record(db, p, hazard, "report", None, note=note, data=data)
    return hazard


async def _record(
    db: AsyncSession,
    p: Principal,
    h: Hazard,
    action: str,
    from_state: str | None,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    await repository.add_event(
        db,
        HazardEvent(
            tenant_id=h.tenant_id,
            hazard_id=h.id or 0,
            action=action,
            from_state=from_state,
            to_state=h.state,
            actor_user_id=p.user_id,
            note=note,
            data=data or None,
        ),
    )


# --- who may ----------------------------------------------------------------------------


async def manages(db: AsyncSession, p: Principal, h: Hazard) -> bool:
    """A manager of the hazard's unit (or above) or a company role; a hazard without a unit
    belongs to the company roles."""
    if h.org_unit_id is None:
        return access.is_company_level(p)
    return await access.can_manage(db, p, h.org_unit_id)


async def level_above(db: AsyncSession, p: Principal, h: Hazard) -> bool:
    """The level above the hazard's unit: a manager of its parent unit (or higher); at the top
    of the tree, the boss or the safety manager."""
    if p.kind != "enterprise":
        return False
    unit = await repository.unit(db, h.org_unit_id) if h.org_unit_id is not None else None
    if unit is None or unit.parent_id is None:
        return p.role in TOP_DECIDERS
    return await access.can_manage(db, p, unit.parent_id)


async def _may(db: AsyncSession, p: Principal, h: Hazard, who: Who) -> bool:
    if p.kind != "enterprise":
        return False
    me = p.user_id
    match who:
        case Who.ANYONE:
            return True
        case Who.MANAGER:
            return await manages(db, p, h)
        case Who.FINDER_OR_MANAGER:
            return (me is not None and me == h.reported_by) or await manages(db, p, h)
        case Who.RESPONSIBLE_OR_MANAGER:
            return (me is not None and me == h.responsible_user_id) or await manages(db, p, h)
        case Who.RESPONSIBLE:
            return me is not None and me == h.responsible_user_id
        case Who.ACCEPTOR:
            return me != h.rectified_by and await manages(db, p, h)
        case Who.LEVEL_ABOVE:
            return await level_above(db, p, h)
    return False


async def allowed_actions(db: AsyncSession, p: Principal, h: Hazard) -> list[str]:
    """The steps `p` may take on `h` now: allowed by the table, by who they are, and by the
    hazard's own conditions (a pending extension to decide, a major hazard to report …)."""
    result = []
    pending = None
    if h.state in states.OPEN_STATES:
        pending = await repository.pending_extension(db, h.id or 0)
    for action in states.actions_from(h.state):
        step = states.TRANSITIONS[(h.state, action)]
        if not await _may(db, p, h, step.who):
            continue
        if action == "request_extension" and (pending is not None or h.deadline is None):
            continue
        if action in ("approve_extension", "refuse_extension") and (
            pending is None or pending.requested_by == p.user_id
        ):
            continue
        if action == "report_to_bureau" and (h.tier != "major" or h.reported_to_bureau_at):
            continue
        result.append(action)
    return result


# --- the loop ---------------------------------------------------------------------------

Handler = Callable[
    [AsyncSession, Principal, Hazard, HazardAction], Awaitable[tuple[str, dict[str, Any]]]
]


async def act(
    db: AsyncSession, p: Principal, hazard_id: int, action: str, data: HazardAction
) -> Hazard:
    """Take one step of the loop: the table says whether the step exists from the hazard's
    state and who may take it; the step's own rules check its input; the hazard changes, the
    timeline gets one row (and the audit trigger records the row change)."""
    if action not in states.HAZARD_ACTIONS:
        raise NotFound(f"没有“{action}”这个操作")
    _enterprise(p)
    h = await repository.get(db, hazard_id, lock=True)
    if h is None:
        raise NotFound("隐患不存在或您无权查看")
    step = states.step(h.state, action)
    if step is None:
        raise Conflict(states.refusal(h.state, action))
    if not await _may(db, p, h, step.who):
        if step.who is Who.ACCEPTOR and p.user_id == h.rectified_by:
            raise Forbidden("验收须由整改人以外的人员进行，您是本隐患的整改人")
        raise Forbidden(f"只有{WHO_TEXT[step.who]}可以{ACTIONS[action]}")
    from_state = h.state
    note, details = await _HANDLERS[action](db, p, h, data)
    h.state = step.to
    h = await repository.save(db, h)
    await _record(db, p, h, action, from_state, note=note, data=details)
    if h.state == "closed":
        await repository.resolve_alarms(db, h.id or 0)
    return h


async def _responsible(
    db: AsyncSession, errors: dict[str, str], user_id: int | None, *, required: bool
) -> int | None:
    if user_id is None:
        if required:
            errors["responsible_user_id"] = "请选择整改责任人"
        return None
    if not await repository.is_member(db, user_id):
        errors["responsible_user_id"] = "整改责任人须为本企业在用账号，请重新选择"
    return user_id


def _future_deadline(
    errors: dict[str, str], field: str, value: date | None, label: str, *, required: bool
) -> date | None:
    if value is None:
        if required:
            errors[field] = f"请填写{label}"
        return None
    if value < today():
        errors[field] = f"{label}不能早于今天"
    return value


async def _confirm(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    if d.tier not in CONFIRM_TIERS:
        errors["tier"] = "请选择隐患等级：一般隐患或重大隐患（当场整改的请用“现场整改”）"
    responsible = await _responsible(db, errors, d.responsible_user_id, required=True)
    deadline = _future_deadline(errors, "deadline", d.deadline, "整改期限", required=True)
    plan = _text(errors, "plan", d.plan, "整改方案", TEXT_MAX, required=True)
    five: dict[str, Any] | None = None
    if d.tier == "major":
        given = d.five.model_dump() if d.five else {}
        five = {}
        for key, label in FIVE_FIELDS.items():
            five[key] = _text(errors, f"five.{key}", given.get(key), label, FIVE_MAX, required=True)
        five["deadline"] = deadline.isoformat() if deadline else None
    note = _text(errors, "note", d.note, "备注", REASON_MAX, required=False)
    if errors:
        raise InvalidInput(errors)
    h.tier = d.tier
    h.responsible_user_id = responsible
    h.deadline = deadline
    h.plan = plan
    h.five_implementations = five
    h.stop_work = bool(d.stop_work) if d.tier == "major" else False
    h.confirmed_by = p.user_id
    h.confirmed_at = _now()
    details: dict[str, Any] = {
        "tier": d.tier,
        "responsible_user_id": responsible,
        "deadline": deadline.isoformat() if deadline else None,
        "plan": plan,
    }
    if five is not None:
        details["five"] = five
        details["stop_work"] = h.stop_work
    return note, details


async def _reject(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", d.reason, "不是隐患的理由", REASON_MAX, required=True)
    if errors:
        raise InvalidInput(errors)
    h.reject_reason = reason
    h.confirmed_by = p.user_id
    h.confirmed_at = _now()
    return reason, {}


async def _assign(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    responsible = await _responsible(db, errors, d.responsible_user_id, required=True)
    plan = _text(errors, "plan", d.plan, "整改方案", TEXT_MAX, required=False)
    note = _text(errors, "note", d.note, "备注", REASON_MAX, required=False)
    if errors:
        raise InvalidInput(errors)
    details: dict[str, Any] = {
        "responsible_user_id": responsible,
        "previous_user_id": h.responsible_user_id,
    }
    h.responsible_user_id = responsible
    if plan:
        h.plan = plan
        details["plan"] = plan
    return note, details


async def _start(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    note = _text(errors, "note", d.note, "备注", REASON_MAX, required=False)
    if errors:
        raise InvalidInput(errors)
    return note, {}


async def _photos_after(
    db: AsyncSession, errors: dict[str, str], h: Hazard, ids: list[int], *, required: bool
) -> None:
    if required and not ids:
        errors["photo_ids"] = "请上传整改后的照片"
    elif len(ids) > PHOTOS_MAX:
        errors["photo_ids"] = f"照片最多{PHOTOS_MAX}张"
    if errors:
        raise InvalidInput(errors)
    if ids:
        await attachments.attach(db, ids, "hazard", h.id or 0, "after")


async def _submit(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    measure = _text(errors, "measure", d.measure, "整改措施", TEXT_MAX, required=True)
    note = _text(errors, "note", d.note, "备注", REASON_MAX, required=False)
    await _photos_after(db, errors, h, d.photo_ids, required=True)
    h.measure = measure
    h.rectified_by = p.user_id
    h.rectified_at = _now()
    return note, {"measure": measure, "photo_ids": sorted(set(d.photo_ids))}


async def _fix_on_spot(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    measure = _text(errors, "measure", d.measure, "整改措施", TEXT_MAX, required=True)
    note = _text(errors, "note", d.note, "备注", REASON_MAX, required=False)
    await _photos_after(db, errors, h, d.photo_ids, required=False)
    now = _now()
    h.tier = "on_spot"
    h.measure = measure
    h.rectified_by = p.user_id
    h.rectified_at = now
    h.closed_at = now
    return note, {"measure": measure, "photo_ids": sorted(set(d.photo_ids))}


async def _accept(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    note = _text(errors, "note", d.note, "验收意见", REASON_MAX, required=False)
    if errors:
        raise InvalidInput(errors)
    now = _now()
    h.accepted_by = p.user_id
    h.accepted_at = now
    h.closed_at = now
    return note, {}


async def _refuse(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", d.reason, "验收不通过的理由", REASON_MAX, required=True)
    if errors:
        raise InvalidInput(errors)
    return reason, {}


async def _reopen(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", d.reason, "重新打开的理由", REASON_MAX, required=True)
    # A hazard fixed on the spot has nobody responsible and no deadline yet; one whose
    # deadline has passed needs a new one (its overdue alarms then count from that one).
    responsible = await _responsible(
        db, errors, d.responsible_user_id, required=h.responsible_user_id is None
    )
    deadline = _future_deadline(
        errors,
        "deadline",
        d.deadline,
        "新的整改期限",
        required=h.deadline is None or h.deadline < today(),
    )
    if errors:
        raise InvalidInput(errors)
    details: dict[str, Any] = {}
    if responsible is not None:
        h.responsible_user_id = responsible
        details["responsible_user_id"] = responsible
    if deadline is not None:
        h.deadline = deadline
        details["deadline"] = deadline.isoformat()
    if h.tier == "on_spot":
        h.tier = "general"
        h.plan = h.plan or reason
        details["tier"] = "general"
    h.accepted_by = None
    h.accepted_at = None
    h.closed_at = None
    return reason, details


async def _request_extension(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    if h.deadline is None:
        raise Conflict("该隐患没有整改期限，无需申请延期")
    if await repository.pending_extension(db, h.id or 0) is not None:
        raise Conflict("已有一份延期申请在等待审批，请等审批后再申请")
    new = _future_deadline(errors, "new_deadline", d.new_deadline, "新的整改期限", required=True)
    if new is not None and new <= h.deadline and "new_deadline" not in errors:
        errors["new_deadline"] = "新的整改期限须晚于原期限"
    reason = _text(errors, "reason", d.reason, "延期理由", REASON_MAX, required=True)
    if errors or new is None:
        raise InvalidInput(errors)
    extension = await repository.add_extension(
        db,
        HazardExtension(
            tenant_id=h.tenant_id,
            hazard_id=h.id or 0,
            requested_by=p.user_id,
            old_deadline=h.deadline,
            new_deadline=new,
            reason=reason,
        ),
    )
    return reason, {
        "extension_id": extension.id,
        "old_deadline": h.deadline.isoformat(),
        "new_deadline": new.isoformat(),
    }


async def _pending_for_decision(db: AsyncSession, p: Principal, h: Hazard) -> HazardExtension:
    pending = await repository.pending_extension(db, h.id or 0, lock=True)
    if pending is None:
        raise Conflict("该隐患没有等待审批的延期申请")
    if pending.requested_by == p.user_id:
        raise Forbidden("不能审批自己提交的延期申请，请由上一级负责人审批")
    return pending


async def _approve_extension(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    note = _text(errors, "note", d.note, "审批意见", REASON_MAX, required=False)
    if errors:
        raise InvalidInput(errors)
    pending = await _pending_for_decision(db, p, h)
    pending.decision = "approved"
    pending.decided_by = p.user_id
    pending.decided_at = _now()
    db.add(pending)
    old = h.deadline
    h.deadline = pending.new_deadline
    if not is_overdue(h):
        # The new deadline is ahead: the overdue alarms and their escalation end.
        await repository.resolve_alarms(db, h.id or 0, "hazard_overdue")
        h.escalation_level = 0
    return note, {
        "extension_id": pending.id,
        "old_deadline": old.isoformat() if old else None,
        "new_deadline": pending.new_deadline.isoformat(),
    }


async def _refuse_extension(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}
    note = _text(errors, "reason", d.reason or d.note, "驳回理由", REASON_MAX, required=False)
    if errors:
        raise InvalidInput(errors)
    pending = await _pending_for_decision(db, p, h)
    pending.decision = "refused"
    pending.decided_by = p.user_id
    pending.decided_at = _now()
    db.add(pending)
    return note, {
        "extension_id": pending.id,
        "new_deadline": pending.new_deadline.isoformat(),
    }


async def _report_to_bureau(
    db: AsyncSession, p: Principal, h: Hazard, d: HazardAction
) -> tuple[str, dict[str, Any]]:
    if h.tier != "major":
        raise DomainError("只有重大隐患需要上报监管部门")
    if h.reported_to_bureau_at is not None:
        raise Conflict("该重大隐患已上报监管部门")
    errors: dict[str, str] = {}
    note = _text(errors, "note", d.note, "上报说明", REASON_MAX, required=False)
    if errors:
        raise InvalidInput(errors)
    h.reported_to_bureau_at = _now()
    return note, {}


_HANDLERS: dict[str, Handler] = {
    "fix_on_spot": _fix_on_spot,
    "confirm": _confirm,
    "reject": _reject,
    "assign": _assign,
    "start": _start,
    "submit": _submit,
    "accept": _accept,
    "refuse": _refuse,
    "reopen": _reopen,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "report_to_bureau": _report_to_bureau,
}
