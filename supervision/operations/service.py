"""Rules of dangerous-operation permits 危险作业报备 (GB 30871-2022): what a valid report is
(kind, grade, people, gas analysis, a validity window within the limits, reported before the
start), the steps reported → active → finished or cancelled, and each permit's phase as the
pages show it. Flushes, never commits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import CHINA
from anwang.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from anwang.platform.principal import Principal
from anwang.supervision.operations import limits, repository
from anwang.supervision.operations.models import DangerousOperation
from anwang.supervision.operations.schemas import (
    GasTest,
    OperationAction,
    OperationCreate,
    OperationRead,
)

# Enterprise roles that report permits and take their steps; workers read them.
REPORTERS = frozenset({"boss", "safety_manager", "admin", "unit_head"})
ACTIONS: dict[str, str] = {"start": "开始作业", "finish": "作业完毕", "cancel": "取消作业"}

# Gas analysis acceptance (GB 30871-2022): oxygen 19.5 %–23.5 % by volume (an enriched
# atmosphere above 23.5 % is refused), flammable gas below 10 % of its lower explosive limit.
O2_MIN, O2_MAX = Decimal("19.5"), Decimal("23.5")
FLAMMABLE_MAX = Decimal(10)

TEXT_LIMITS: dict[str, tuple[str, int, bool]] = {
    # field: (label, length limit, required)
    "permit_no": ("作业票编号", 40, True),
    "location": ("作业地点", 200, True),
    "content": ("作业内容", 500, True),
    "applicant": ("作业申请人", 50, False),
    "supervisor": ("监护人", 50, True),
    "operators": ("作业人", 200, False),
    "approver": ("审批人", 50, False),
    "measures": ("安全措施", 2000, False),
}

PHASES: dict[str, str] = {
    "upcoming": "待作业",
    "open": "已报备，待开始",
    "active": "作业中",
    "overrun": "超时未关闭",
    "expired": "已过期（未作业）",
    "finished": "已完成",
    "cancelled": "已取消",
}


def now_utc() -> datetime:
    return datetime.now(UTC)


def aware(at: datetime) -> datetime:
    """A time without a zone is Beijing time (what the forms send)."""
    return at.replace(tzinfo=CHINA) if at.tzinfo is None else at


def day_bounds(at: datetime) -> tuple[datetime, datetime]:
    """The Beijing day containing `at`, as [start, end)."""
    local = at.astimezone(CHINA)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def phase(op: DangerousOperation, now: datetime) -> str:
    if op.status == "finished":
        return "finished"
    if op.status == "cancelled":
        return "cancelled"
    if op.status == "active":
        return "overrun" if now >= op.valid_to else "active"
    if now >= op.valid_to:
        return "expired"
    return "open" if now >= op.valid_from else "upcoming"


def allowed_actions(p: Principal, op: DangerousOperation, now: datetime) -> list[str]:
    """The steps `p` may take on `op` now (the pages offer only these)."""
    if p.kind != "enterprise" or p.role not in REPORTERS or p.tenant_id != op.tenant_id:
        return []
    if op.status == "active":
        return ["finish"]
    if op.status != "reported":
        return []
    return ["cancel"] if now >= op.valid_to else ["start", "cancel"]


def read(
    op: DangerousOperation, now: datetime, *, enterprise_name: str = "", p: Principal | None = None
) -> OperationRead:
    limit = limits.limit_for(op.kind, op.grade)
    ph = phase(op, now)
    return OperationRead(
        id=int(op.id or 0),
        tenant_id=op.tenant_id,
        enterprise_name=enterprise_name,
        kind=op.kind,
        kind_name=limits.KINDS.get(op.kind, op.kind),
        grade=op.grade,
        grade_name=limits.GRADES.get(op.kind, {}).get(op.grade or "", ""),
        permit_no=op.permit_no,
        location=op.location,
        content=op.content,
        org_unit_id=op.org_unit_id,
        applicant=op.applicant,
        supervisor=op.supervisor,
        operators=op.operators,
        approver=op.approver,
        gas_test=GasTest.model_validate(op.gas_test) if op.gas_test else None,
        measures=op.measures,
        valid_from=op.valid_from,
        valid_to=op.valid_to,
        limit_hours=limit.hours,
        limit_basis=limit.basis,
        status=op.status,
        phase=ph,
        phase_name=PHASES[ph],
        started_at=op.started_at,
        finished_at=op.finished_at,
        cancelled_at=op.cancelled_at,
        cancel_reason=op.cancel_reason,
        reported_by=op.reported_by,
        reported_at=op.reported_at,
        allowed_actions=allowed_actions(p, op, now) if p is not None else [],
    )


def _reporter(p: Principal) -> int:
    if p.kind != "enterprise" or p.tenant_id is None:
        raise Forbidden("危险作业由作业单位（企业或场所）报备")
    if p.role not in REPORTERS:
        raise Forbidden("只有负责人、安全管理员或部门负责人可以报备和处理危险作业")
    return p.tenant_id


# --- checking a report ---------------------------------------------------------------


def _gas_problems(
    kind: str, gas: GasTest | None, now: datetime, *, required: bool
) -> dict[str, str]:
    """The gas analysis's problems, field by field (gas_test.o2 …)."""
    errors: dict[str, str] = {}
    if kind not in limits.GAS_TEST_KINDS:
        return errors
    if gas is None or (gas.o2 is None and gas.flammable is None and not gas.toxic.strip()):
        if required:
            errors["gas_test.o2"] = f"{limits.KIND_SHORT[kind]}作业开始前须录入气体分析结果"
        return errors
    if gas.o2 is None:
        errors["gas_test.o2"] = "请填写氧含量（%）"
    elif not gas.o2.is_finite() or not O2_MIN <= gas.o2 <= O2_MAX:
        errors["gas_test.o2"] = f"氧含量应在{O2_MIN}%～{O2_MAX}%之间，不合格不得作业"
    if gas.flammable is None:
        errors["gas_test.flammable"] = "请填写可燃气体浓度（%LEL）"
    elif not gas.flammable.is_finite() or gas.flammable < 0:
        errors["gas_test.flammable"] = "可燃气体浓度应为不小于0的数字"
    elif gas.flammable >= FLAMMABLE_MAX:
        errors["gas_test.flammable"] = (
            f"可燃气体浓度应低于爆炸下限的{FLAMMABLE_MAX}%（LEL），不合格不得作业"
        )
    if len(gas.toxic) > 200:
        errors["gas_test.toxic"] = "有毒有害气体不能超过200个字"
    if len(gas.tester) > 50:
        errors["gas_test.tester"] = "分析人不能超过50个字"
    if gas.tested_at is None:
        errors["gas_test.tested_at"] = "请填写分析时间"
    elif aware(gas.tested_at) > now + limits.START_SKEW:
        errors["gas_test.tested_at"] = "分析时间不能晚于当前时间"
    return errors


def _stored_gas(gas: GasTest | None) -> dict[str, Any] | None:
    if gas is None or (gas.o2 is None and gas.flammable is None and not gas.toxic.strip()):
        return None
    return {
        "o2": str(gas.o2) if gas.o2 is not None else None,
        "flammable": str(gas.flammable) if gas.flammable is not None else None,
        "toxic": gas.toxic.strip(),
        "tested_at": aware(gas.tested_at).isoformat() if gas.tested_at else None,
        "tester": gas.tester.strip(),
    }


def check(data: OperationCreate, now: datetime) -> tuple[dict[str, Any], dict[str, str]]:
    """Every field's check at once: (clean values, {field: message})."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    kind = data.kind if data.kind in limits.KINDS else None
    if kind is None:
        errors["kind"] = "请选择作业类别：" + "、".join(limits.KINDS.values())
    grade = (data.grade or "").strip() or None
    if kind is not None:
        grades = limits.GRADES[kind]
        if not grades:
            grade = None  # confined space has no grades
        elif grade not in grades:
            errors["grade"] = "请选择作业级别：" + "、".join(grades.values())
    clean["kind"], clean["grade"] = kind, grade
    for field, (label, limit, required) in TEXT_LIMITS.items():
        value = str(getattr(data, field) or "").strip()
        if required and not value:
            errors.setdefault(field, f"请填写{label}")
        elif len(value) > limit:
            errors.setdefault(field, f"{label}不能超过{limit}个字")
        clean[field] = value
    if kind is not None:
        for field, message in _gas_problems(kind, data.gas_test, now, required=False).items():
            errors.setdefault(field, message)
    clean["gas_test"] = _stored_gas(data.gas_test) if kind in limits.GAS_TEST_KINDS else None
    valid_from, valid_to = aware(data.valid_from), aware(data.valid_to)
    if kind is not None and "grade" not in errors:
        problem = limits.window_problem(kind, grade, valid_from, valid_to, now)
        if problem:
            errors.setdefault(*problem)
    clean["valid_from"], clean["valid_to"] = valid_from, valid_to
    return clean, errors


# --- reading ---------------------------------------------------------------------------


async def get(db: AsyncSession, op_id: int) -> DangerousOperation:
    op = await repository.get(db, op_id)
    if op is None:
        # Also the answer for another enterprise's or another area's permit.
        raise NotFound("危险作业不存在或您无权查看")
    return op


# --- writing ---------------------------------------------------------------------------


async def report(
    db: AsyncSession, p: Principal, data: OperationCreate, *, now: datetime | None = None
) -> DangerousOperation:
    """A permit reported before its start, status 'reported'."""
    tenant_id = _reporter(p)
    now = now or now_utc()
    clean, errors = check(data, now)
    if data.org_unit_id is not None and not await repository.unit_exists(db, data.org_unit_id):
        errors.setdefault("org_unit_id", "所选作业单位不存在")
    if "permit_no" not in errors and await repository.permit_taken(db, clean["permit_no"]):
        errors["permit_no"] = "该作业票编号已报备过，请核对编号"
    if errors:
        raise InvalidInput(errors)
    op = DangerousOperation(
        tenant_id=tenant_id,
        org_unit_id=data.org_unit_id,
        reported_by=p.user_id,
        **clean,
    )
    db.add(op)
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError as e:
        if "permit_no" in str(e.orig):
            raise Conflict("该作业票编号已报备过，请核对编号", field="permit_no") from e
        raise
    await db.refresh(op)
    return op


async def act(
    db: AsyncSession,
    p: Principal,
    op_id: int,
    action: str,
    data: OperationAction | None = None,
    *,
    now: datetime | None = None,
) -> DangerousOperation:
    """One step: start (reported → active, inside the window, with a passing gas analysis
    for confined space and hot work), finish (active → finished), cancel (reported →
    cancelled). A step the permit's status does not allow answers 409."""
    _reporter(p)
    data = data or OperationAction()
    now = now or now_utc()
    if action not in ACTIONS:
        raise NotFound(f"未知的操作：{action}")
    op = await repository.get_for_update(db, op_id)
    if op is None:
        raise NotFound("危险作业不存在或您无权查看")
    if action == "start":
        if op.status != "reported":
            raise Conflict(f"该作业{PHASES[phase(op, now)]}，不能再开始")
        if now < op.valid_from - limits.START_SKEW:
            raise Conflict("尚未到作业票有效期的开始时间，不能开始作业")
        if now >= op.valid_to:
            raise Conflict("作业票已过有效期，请重新办理并报备")
        if data.gas_test is not None:
            errors = _gas_problems(op.kind, data.gas_test, now, required=True)
            if errors:
                raise InvalidInput(errors)
            op.gas_test = _stored_gas(data.gas_test)
        elif op.kind in limits.GAS_TEST_KINDS and not op.gas_test:
            raise InvalidInput(_gas_problems(op.kind, None, now, required=True))
        op.status, op.started_at = "active", now
    elif action == "finish":
        if op.status != "active":
            raise Conflict(f"该作业{PHASES[phase(op, now)]}，只有作业中的作业可以结束")
        op.status, op.finished_at = "finished", now
    else:
        if op.status != "reported":
            raise Conflict(f"该作业{PHASES[phase(op, now)]}，只有尚未开始的作业可以取消")
        reason = data.reason.strip()
        if len(reason) > 200:
            raise InvalidInput({"reason": "取消原因不能超过200个字"})
        op.status, op.cancelled_at, op.cancel_reason = "cancelled", now, reason
    db.add(op)
    await db.flush()
    await db.refresh(op)
    return op
