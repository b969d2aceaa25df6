"""Rules of checklists, inspection tasks and checks: who may build and run which list, the
lists built from the risk points, and recording a check (each item not ok opens a hidden
danger). Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import Conflict, DomainError, Forbidden, NotFound
from anwang.platform.principal import Principal
from anwang.tenants.checks import repository
from anwang.tenants.checks.generation import period_label
from anwang.tenants.checks.models import (
    Checklist,
    ChecklistItem,
    CheckResult,
    InspectionCheck,
    InspectionTask,
)
from anwang.tenants.checks.schemas import (
    ChecklistCreate,
    ChecklistItemCreate,
    ChecklistItemUpdate,
    ChecklistUpdate,
    GenerateResult,
    ResultIn,
    TaskRead,
)
from anwang.tenants.org.access import can_manage, is_company_level, managed_unit_ids

# How far back the task list shows tasks that are no longer pending (done or missed).
RECENT = timedelta(days=7)
TITLE_MAX = 100


def _now() -> datetime:
    return datetime.now(UTC)


def _tenant(p: Principal) -> int:
    if p.kind != "enterprise" or p.tenant_id is None:
        raise Forbidden("只有企业用户可以进行此操作")
    return p.tenant_id


# --- who may act where ----------------------------------------------------------------------


async def post_unit_id(db: AsyncSession, p: Principal) -> int | None:
    """The unit/post of the user's staff record 岗位."""
    from anwang.tenants.org.repository import post_of_user

    if p.user_id is None:
        return None
    unit = await post_of_user(db, p.user_id)
    return None if unit is None else unit.id


async def task_units(db: AsyncSession, p: Principal, *, mine: bool = False) -> set[int] | None:
    """The units whose tasks `p` works on: their own post, and the subtree of every unit they
    manage; None means every unit (company-level roles). `mine`: their own post only."""
    post = await post_unit_id(db, p)
    if mine:
        return {post} if post is not None else set()
    managed = await managed_unit_ids(db, p)
    if managed is None:
        return None
    return managed | ({post} if post is not None else set())


async def may_check(db: AsyncSession, p: Principal, org_unit_id: int) -> bool:
    """Whether `p` may record the check of a task of `org_unit_id`: it is their post, or they
    manage it (company-level roles manage everything)."""
    if await can_manage(db, p, org_unit_id):
        return True
    return await post_unit_id(db, p) == org_unit_id


async def _require_manager(db: AsyncSession, p: Principal, org_unit_id: int) -> None:
    if not await can_manage(db, p, org_unit_id):
        raise Forbidden("您不是该部门（或其上级部门）的负责人，无权管理它的排查清单")


# --- checklists ------------------------------------------------------------------------------


async def get_checklist(db: AsyncSession, checklist_id: int) -> Checklist:
    checklist = await repository.get_checklist(db, checklist_id)
    if checklist is None:
        raise NotFound("排查清单不存在或您无权查看")
    return checklist


async def create_checklist(db: AsyncSession, p: Principal, data: ChecklistCreate) -> Checklist:
    """A routine list or a special check 专项检查, with typed items and/or the items of the
    picked risk points. A list without any item is refused."""
    tenant = _tenant(p)
    if not await repository.unit_exists(db, data.org_unit_id):
        raise DomainError("请选择本企业的部门或岗位", field="org_unit_id")
    await _require_manager(db, p, data.org_unit_id)
    for rp_id in {*data.risk_point_ids, *(i.risk_point_id for i in data.items if i.risk_point_id)}:
        point = await repository.risk_point(db, rp_id)
        if point is None:
            raise DomainError(f"风险点 {rp_id} 不存在", field="risk_point_ids")
    if not data.items and not data.risk_point_ids:
        raise DomainError("请至少填写一项检查内容，或选择风险点", field="items")
    checklist = Checklist(
        tenant_id=tenant,
        org_unit_id=data.org_unit_id,
        name=data.name,
        kind=data.kind,
        frequency=data.frequency,
        shifts_per_day=data.shifts_per_day,
        created_by=p.user_id,
    )
    db.add(checklist)
    await db.flush()
    assert checklist.id is not None
    for n, item in enumerate(data.items, start=1):
        db.add(
            ChecklistItem(
                tenant_id=tenant,
                checklist_id=checklist.id,
                risk_point_id=item.risk_point_id,
                content=item.content,
                sort=item.sort if item.sort is not None else n,
            )
        )
    await db.flush()
    if data.risk_point_ids:
        await repository.add_point_items(db, tenant, checklist.id, data.risk_point_ids)
    await db.refresh(checklist)
    return checklist


async def update_checklist(
    db: AsyncSession, p: Principal, checklist_id: int, data: ChecklistUpdate
) -> Checklist:
    """Rename, change the shift count, deactivate (no new tasks) or reactivate a list."""
    checklist = await get_checklist(db, checklist_id)
    await _require_manager(db, p, checklist.org_unit_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise DomainError("请填写清单名称", field="name")
        changes["name"] = name
    for key, value in changes.items():
        if value is not None:
            setattr(checklist, key, value)
    db.add(checklist)
    await db.flush()
    await db.refresh(checklist)
    return checklist


async def add_item(
    db: AsyncSession, p: Principal, checklist_id: int, data: ChecklistItemCreate
) -> ChecklistItem:
    checklist = await get_checklist(db, checklist_id)
    await _require_manager(db, p, checklist.org_unit_id)
    if (
        data.risk_point_id is not None
        and await repository.risk_point(db, data.risk_point_id) is None
    ):
        raise DomainError("所选风险点不存在", field="risk_point_id")
    item = ChecklistItem(
        tenant_id=_tenant(p),
        checklist_id=checklist_id,
        risk_point_id=data.risk_point_id,
        content=data.content,
        sort=data.sort if data.sort is not None else await repository.next_sort(db, checklist_id),
    )
    db.add(item)
    await db.flush()
    await db.refresh(item)
    return item


async def _item_of(db: AsyncSession, checklist_id: int, item_id: int) -> ChecklistItem:
    item = await repository.get_item(db, item_id)
    if item is None or item.checklist_id != checklist_id:
        raise NotFound("检查项不存在")
    return item


async def update_item(
    db: AsyncSession, p: Principal, checklist_id: int, item_id: int, data: ChecklistItemUpdate
) -> ChecklistItem:
    checklist = await get_checklist(db, checklist_id)
    await _require_manager(db, p, checklist.org_unit_id)
    item = await _item_of(db, checklist_id, item_id)
    if data.content is not None:
        content = data.content.strip()
        if not content:
            raise DomainError("检查内容不能为空", field="content")
        item.content = content
    if data.sort is not None:
        item.sort = data.sort
    db.add(item)
    await db.flush()
    await db.refresh(item)
    return item


async def delete_item(db: AsyncSession, p: Principal, checklist_id: int, item_id: int) -> None:
    """Remove an item that no check has used yet (a used one stays, for the record)."""
    checklist = await get_checklist(db, checklist_id)
    await _require_manager(db, p, checklist.org_unit_id)
    item = await _item_of(db, checklist_id, item_id)
    if await repository.item_has_results(db, item_id):
        raise Conflict("该检查项已有检查记录，不能删除；可修改其内容，或停用整张清单")
    await db.delete(item)
    await db.flush()


async def generate_from_risk_points(
    db: AsyncSession, p: Principal, org_unit_id: int | None = None
) -> GenerateResult:
    """由风险点生成排查清单: for the unit (default: the whole company) and its subtree, one
    routine list per (unit, frequency) with one item per control measure checked on site
    (engineering, management, PPE; training and emergency ones belong to the monthly
    comprehensive self-check). Running it again adds only the measures added since."""
    tenant = _tenant(p)
    unit = org_unit_id if org_unit_id is not None else await repository.root_unit_id(db)
    if unit is None or not await repository.unit_exists(db, unit):
        raise DomainError("请先建立组织机构，再由风险点生成排查清单", field="org_unit_id")
    await _require_manager(db, p, unit)
    created = await repository.create_routine_lists(db, tenant, unit, p.user_id)
    touched = await repository.add_routine_items(db, tenant, unit)
    return GenerateResult(
        checklists_created=len(created),
        items_added=len(touched),
        checklist_ids=sorted({*created, *touched}),
    )


async def generate_comprehensive(db: AsyncSession, p: Principal) -> GenerateResult:
    """The monthly comprehensive self-check 月度综合检查 at company level, with one item for
    every active risk point (naming its control measures); run again, it adds the risk
    points added since."""
    tenant = _tenant(p)
    if not is_company_level(p):
        raise Forbidden("月度综合检查由主要负责人、安全管理员或系统管理员生成")
    root = await repository.root_unit_id(db)
    if root is None:
        raise DomainError("请先建立组织机构，再生成月度综合检查", field="org_unit_id")
    checklist = await repository.comprehensive_list(db)
    created = 0
    if checklist is None:
        checklist = Checklist(
            tenant_id=tenant,
            org_unit_id=root,
            name="月度综合检查表",
            kind="comprehensive",
            frequency="monthly",
            created_by=p.user_id,
        )
        db.add(checklist)
        await db.flush()
        created = 1
    assert checklist.id is not None
    added = await repository.add_point_summaries(db, tenant, checklist.id)
    return GenerateResult(
        checklists_created=created, items_added=added, checklist_ids=[checklist.id]
    )


# --- tasks -----------------------------------------------------------------------------------


def task_read(row: RowMapping, now: datetime | None = None) -> TaskRead:
    now = now or _now()
    return TaskRead(
        **{k: row[k] for k in TaskRead.model_fields if k in row and k != "period_label"},
        period_label=period_label(row["frequency"], row["period_key"]),
        overdue=row["status"] == "missed" or (row["status"] == "pending" and row["due_at"] <= now),
    )


async def list_tasks(
    db: AsyncSession, p: Principal, *, status: str | None = None, mine: bool = False
) -> list[TaskRead]:
    """The tasks `p` works on (see `task_units`): pending ones, and those done or missed in
    the last week; soonest due first."""
    _tenant(p)
    if status not in (None, "", "pending", "done", "missed"):
        raise DomainError("任务状态应为 pending、done 或 missed", field="status")
    units = await task_units(db, p, mine=mine)
    if units is not None and not units:
        return []
    now = _now()
    rows = await repository.list_tasks(
        db,
        units=None if units is None else sorted(units),
        status=status or None,
        since=now - RECENT,
    )
    return [task_read(r, now) for r in rows]


@dataclass
class TaskBoard:
    """The task page's groups: what is due now first, then late, then later, then done."""

    current: list[TaskRead] = field(default_factory=list)
    late: list[TaskRead] = field(default_factory=list)
    upcoming: list[TaskRead] = field(default_factory=list)
    done: list[TaskRead] = field(default_factory=list)


def board(tasks: Sequence[TaskRead], now: datetime | None = None) -> TaskBoard:
    now = now or _now()
    b = TaskBoard()
    for t in tasks:
        if t.status == "done":
            b.done.append(t)
        elif t.overdue:
            b.late.append(t)
        elif t.starts_at <= now:
            b.current.append(t)
        else:
            b.upcoming.append(t)
    b.done.sort(key=lambda t: t.done_at or t.due_at, reverse=True)
    return b


async def get_task(db: AsyncSession, task_id: int) -> TaskRead:
    row = await repository.task_row(db, task_id)
    if row is None:
        raise NotFound("排查任务不存在或您无权查看")
    return task_read(row)


async def task_for_check(db: AsyncSession, p: Principal, task_id: int) -> TaskRead:
    """The task `p` is about to check: visible (404), theirs (403), still open (409)."""
    task = await get_task(db, task_id)
    if not await may_check(db, p, task.org_unit_id):
        raise Forbidden(f"该任务属于「{task.unit_name}」，您不是该岗位人员或其负责人，不能检查")
    _require_open(task.status)
    return task


def _require_open(status: str) -> None:
    if status == "done":
        raise Conflict("该任务已完成检查，不能重复提交；可在任务列表中查看检查记录")
    if status == "missed":
        raise Conflict("该任务已逾期未检，不能补录；如需检查，请从风险点或专项检查发起检查")


# --- checks ----------------------------------------------------------------------------------


@dataclass
class CheckPhotos:
    """Uploaded photo ids: of the whole check, and per item."""

    check: list[int] = field(default_factory=list)
    items: dict[int, list[int]] = field(default_factory=dict)


async def check_items(
    db: AsyncSession, checklist_id: int, risk_point_id: int | None = None
) -> list[ChecklistItem]:
    return await repository.items_of(db, checklist_id, risk_point_id)


async def adhoc_checklist(
    db: AsyncSession, *, checklist_id: int | None, risk_point_id: int | None
) -> Checklist:
    """The list an ad hoc check runs: the given one (special checks), or the best list that
    holds a risk point's items (the QR flow)."""
    if risk_point_id is not None:
        point = await repository.risk_point(db, risk_point_id)
        if point is None:
            raise NotFound("风险点不存在或您无权查看")
        if checklist_id is None:
            ids = await repository.checklists_with_point(db, risk_point_id)
            if not ids:
                raise DomainError(
                    f"风险点「{point['name']}」还没有排查清单，请先由风险点生成排查清单",
                    field="risk_point_id",
                )
            checklist_id = ids[0]
    if checklist_id is None:
        raise DomainError("请选择要检查的清单", field="checklist_id")
    checklist = await get_checklist(db, checklist_id)
    if not checklist.active:
        raise Conflict("该清单已停用，不能再检查")
    return checklist


def _validate_results(
    items: Sequence[ChecklistItem], results: Sequence[ResultIn]
) -> dict[int, ResultIn]:
    by_item: dict[int, ResultIn] = {}
    known = {i.id for i in items}
    for r in results:
        if r.item_id not in known:
            raise DomainError(f"检查项 {r.item_id} 不在本次检查的清单中", field="results")
        if r.item_id in by_item:
            raise DomainError(f"检查项 {r.item_id} 重复填写", field="results")
        by_item[r.item_id] = r
    missing = [i for i in items if i.id not in by_item]
    if missing:
        first = missing[0]
        raise DomainError(
            f"还有 {len(missing)} 项未选择检查结果，如「{first.content[:30]}」",
            field=f"item-{first.id}",
        )
    return by_item


async def record_check(
    db: AsyncSession,
    p: Principal,
    *,
    results: Sequence[ResultIn],
    task_id: int | None = None,
    checklist_id: int | None = None,
    risk_point_id: int | None = None,
    note: str = "",
    photo_ids: Sequence[int] = (),
    lat: float | None = None,
    lon: float | None = None,
    accuracy_m: float | None = None,
    started_at: datetime | None = None,
) -> InspectionCheck:
    """Record a check of a task (which becomes done) or an ad hoc one (of a list, or of one
    risk point's items). Every item needs a result; each item not ok opens a hidden danger
    linked to its risk point and unit; photos become the check's evidence (a not-ok item's
    photos go with its hazard)."""
    tenant = _tenant(p)
    task: InspectionTask | None = None
    if task_id is not None:
        await task_for_check(db, p, task_id)
        task = await repository.lock_task(db, task_id)
        if task is None:
            raise NotFound("排查任务不存在或您无权查看")
        _require_open(task.status)  # re-read under the lock: a parallel submission may have won
        checklist = await get_checklist(db, task.checklist_id)
        items = await repository.items_of(db, checklist.id or 0)
    else:
        checklist = await adhoc_checklist(
            db, checklist_id=checklist_id, risk_point_id=risk_point_id
        )
        items = await repository.items_of(db, checklist.id or 0, risk_point_id)
        if not items:
            raise DomainError("该清单没有检查项，无法检查", field="checklist_id")
    by_item = _validate_results(items, results)
    if (lat is None) != (lon is None):
        raise DomainError("定位信息不完整", field="lat")

    now = _now()
    if started_at is None or started_at > now or started_at < now - timedelta(hours=24):
        started_at = now  # only the server's own clock counts, within reason
    check = InspectionCheck(
        tenant_id=tenant,
        checklist_id=checklist.id or 0,
        task_id=task_id,
        checked_by=p.user_id,
        started_at=started_at,
        finished_at=now,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        note=note.strip(),
    )
    db.add(check)
    await db.flush()
    assert check.id is not None

    from anwang.platform.attachments import service as attachments

    evidence = list(photo_ids)
    for item in items:
        r = by_item[item.id or 0]
        hazard_id = None
        if r.result == "not_ok":
            from anwang.tenants.hazards import service as hazards

            unit = await _unit_of_item(db, item, checklist)
            description = r.note.strip()
            hazard = await hazards.open_from_check(
                db,
                p,
                check_id=check.id,
                item_id=item.id or 0,
                risk_point_id=item.risk_point_id,
                org_unit_id=unit,
                title=_title(item.content),
                description=description or f"排查「{checklist.name}」时发现不符合：{item.content}",
                photo_ids=list(r.photo_ids),
            )
            hazard_id = hazard.id
        else:
            evidence.extend(r.photo_ids)
        db.add(
            CheckResult(
                tenant_id=tenant,
                check_id=check.id,
                item_id=item.id or 0,
                result=r.result,
                note=r.note.strip(),
                hazard_id=hazard_id,
            )
        )
    if evidence:
        await attachments.attach(db, evidence, "inspection_check", check.id, "evidence")
    if task is not None:
        task.status = "done"
        task.done_at = now
        db.add(task)
    try:
        await db.flush()
    except IntegrityError as e:
        raise DomainError("检查记录保存失败：引用的数据不存在或已被删除") from e
    await db.refresh(check)
    return check


def _title(content: str) -> str:
    title = content.strip()
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


async def _unit_of_item(db: AsyncSession, item: ChecklistItem, checklist: Checklist) -> int:
    """Where a finding belongs: the unit of the item's risk point, else the list's unit."""
    if item.risk_point_id is not None:
        point = await repository.risk_point(db, item.risk_point_id)
        if point is not None:
            return int(point["org_unit_id"])
    return checklist.org_unit_id


@dataclass
class CheckView:
    check: InspectionCheck
    checklist: Checklist
    results: list[RowMapping]
    checked_by_name: str
    photo_ids: list[int]
    task: TaskRead | None


async def get_check(db: AsyncSession, check_id: int) -> CheckView:
    check = await repository.get_check(db, check_id)
    if check is None:
        raise NotFound("检查记录不存在或您无权查看")
    from anwang.platform.attachments import service as attachments

    photos = await attachments.list_for(db, "inspection_check", check_id)
    return CheckView(
        check=check,
        checklist=await get_checklist(db, check.checklist_id),
        results=await repository.results_of(db, check_id),
        checked_by_name=await repository.display_name(db, check.checked_by),
        photo_ids=[a.id for a in photos if a.id is not None],
        task=await get_task(db, check.task_id) if check.task_id is not None else None,
    )


def check_read(view: CheckView) -> dict[str, Any]:
    c = view.check
    return {
        "id": c.id,
        "checklist_id": c.checklist_id,
        "checklist_name": view.checklist.name,
        "task_id": c.task_id,
        "checked_by": c.checked_by,
        "checked_by_name": view.checked_by_name,
        "started_at": c.started_at,
        "finished_at": c.finished_at,
        "lat": c.lat,
        "lon": c.lon,
        "accuracy_m": c.accuracy_m,
        "note": c.note,
        "results": [dict(r) for r in view.results],
        "photo_ids": view.photo_ids,
    }
